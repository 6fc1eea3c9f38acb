"""A routed bot changing hands: when the regime calls for another strategy, the outgoing one
winds down (it stops opening), every order it left is cancelled, and the incoming one, primed
on recent candles, starts with the position as it stands, or flat after a market sell."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from strategies.base import Strategy
from traderagent.domain import ZERO, BotState, RegimeReading
from traderagent.domain.events import StrategySwitched

if TYPE_CHECKING:
    from traderagent.engine.bot import BotRuntime


async def follow_regime(bot: BotRuntime, reading: RegimeReading) -> None:
    """Switch a routed, running bot to the route of the confirmed regime, if the router says so
    (no switch inside the lock, none for the same strategy and parameters)."""
    if bot.router is None or bot.state is not BotState.RUNNING:
        return
    route = bot.router.policy.decide(reading.regime, reading.ts)
    if route is None or reading.regime is None:
        return
    old = bot.strategy.kind
    reason = f"regime {reading.regime.value}: {route.label}"
    await hand_over(bot, bot.router.build(route), reason, close=bot.router.close_on_switch)
    bot.router.policy.switched(route, reading.ts)
    dump = getattr(route.config, "model_dump", None)
    config = dump(mode="json") if dump is not None else {"route": route.label}
    await bot.journal.record_strategy(bot.name, bot.strategy.kind, config, reading.ts)
    bot.bus.publish(
        StrategySwitched(reading.ts, bot.name, old, bot.strategy.kind, reading.regime, reason)
    )


async def hand_over(bot: BotRuntime, new: Strategy, reason: str, close: bool = False) -> None:
    """The switch itself, on the bot's own machinery (a friend of BotRuntime)."""
    await bot._apply(bot.strategy.wind_down(bot._context()))
    await bot._cancel_all()
    if close:
        await bot._close_position()  # the outgoing strategy's order: its fill is not news
    bot.generation += 1
    bot.strategy = new
    bot.strategy_started = bot.state is BotState.RUNNING
    bot._log("info", f"strategy switched to {new.kind}: {reason}")
    if bot.strategy_started:
        new.prime(bot.history)
        ctx = bot._context()
        if close:
            ctx = replace(ctx, position_qty=ZERO, position_avg_price=None)
        await bot._apply(new.on_start(ctx))
