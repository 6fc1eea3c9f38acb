"""A routed bot changing hands: when the regime calls for another strategy, the bot switches
to the route's strategy (`BotRuntime.switch_strategy`: the outgoing one winds down, every order
it left is cancelled, the incoming one, primed on recent candles, starts with the position as it
stands, or flat after a market sell), and the switch is recorded and published."""

from __future__ import annotations

from typing import Protocol

from strategies.base import Strategy
from traderagent.bus import EventBus
from traderagent.domain import BotState, RegimeReading
from traderagent.domain.events import StrategySwitched
from traderagent.engine.journal import TradeJournal
from traderagent.engine.router import RouterBinding


class RoutedBot(Protocol):
    """What following the regime needs of a bot (`BotRuntime` is one)."""

    name: str
    router: RouterBinding | None
    strategy: Strategy
    journal: TradeJournal
    bus: EventBus

    @property
    def state(self) -> BotState: ...

    async def switch_strategy(self, new: Strategy, reason: str, close: bool = False) -> None: ...


async def follow_regime(bot: RoutedBot, reading: RegimeReading) -> None:
    """Switch a routed, running bot to the route of the confirmed regime, if the router says so
    (no switch inside the lock, none for the same strategy and parameters)."""
    if bot.router is None or bot.state is not BotState.RUNNING:
        return
    route = bot.router.policy.decide(reading.regime, reading.ts)
    if route is None or reading.regime is None:
        return
    old = bot.strategy.kind
    reason = f"regime {reading.regime.value}: {route.label}"
    await bot.switch_strategy(bot.router.build(route), reason, close=bot.router.close_on_switch)
    bot.router.policy.switched(route, reading.ts)
    dump = getattr(route.config, "model_dump", None)
    config = dump(mode="json") if dump is not None else {"route": route.label}
    await bot.journal.record_strategy(bot.name, bot.strategy.kind, config, reading.ts)
    bot.bus.publish(
        StrategySwitched(reading.ts, bot.name, old, bot.strategy.kind, reading.regime, reason)
    )
