"""The bot's position closed for it: a pair's stop-loss breach (cancel, sell at market, pause)
and a perpetual venue's liquidation (logged, counted, the strategy re-synced). Both say why,
loudly: a stop-out publishes RiskBreached, a liquidation is a critical log line."""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol

from strategies.base import Strategy, StrategyContext
from traderagent.domain import (
    BotState,
    Fill,
    Intent,
    OrderType,
    PlaceOrder,
    Position,
    Purpose,
    Side,
)
from traderagent.domain.events import RiskBreached
from traderagent.engine.intents import Decision
from traderagent.engine.lifecycle import Lifecycle
from traderagent.engine.protocols import BotCore
from traderagent.engine.risk import Breach

RISK_STOP_TAG = "risk-stop"
"""Tag of the market sell a stop-loss breach places."""
LIQUIDATION_TAG = "liquidation"
"""Tag of a perpetual venue's liquidation fill (order `<bot>-liq<n>`): not the bot's order."""


def closing_order(
    held: Decimal, tag: str, qty: Decimal, purpose: Purpose, perpetual: bool
) -> PlaceOrder:
    """The market order that closes a position of `held`: a sell of a long, a buy of a short;
    reduce-only on a perpetual venue (it never opens the other side)."""
    side = Side.BUY if held < 0 else Side.SELL
    return PlaceOrder(tag, side, qty, None, OrderType.MARKET, purpose, perpetual)


class ClosingBot(BotCore, Protocol):
    """What closing a bot's position for it needs (`BotRuntime` is one)."""

    position: Position
    strategy: Strategy
    strategy_started: bool
    state_reason: str
    liquidations: int
    lifecycle: Lifecycle

    @property
    def perpetual(self) -> object | None: ...

    async def cancel_all(self) -> int: ...

    async def place(self, intent: PlaceOrder) -> Decision: ...

    async def apply(self, intents: list[Intent]) -> None: ...

    async def move(self, new: BotState, reason: str) -> None: ...

    def log(self, level: str, message: str) -> None: ...

    def context(self) -> StrategyContext: ...


async def stop_out(bot: ClosingBot, breach: Breach) -> None:
    """A pair breach: cancel the bot's orders, sell its position at market (purpose STOP),
    and pause it so the strategy cannot buy straight back in."""
    bot.bus.publish(
        RiskBreached(
            bot.clock.now_ms(),
            breach.scope,
            breach.limit,
            breach.value,
            breach.threshold,
            bot.name,
            breach.reason,
        )
    )
    bot.log("critical", breach.reason)
    await bot.cancel_all()
    held = bot.position.qty
    qty = bot.instrument.floor_qty(abs(held))
    await bot.place(
        closing_order(held, RISK_STOP_TAG, qty, Purpose.STOP, bot.perpetual is not None)
    )
    if bot.state is BotState.RUNNING:
        await bot.move(BotState.PAUSED, breach.reason)
    bot.state_reason = breach.reason


async def liquidated(bot: ClosingBot, fill: Fill) -> None:
    """The venue liquidated the position (`fill` of its order `<bot>-liq<n>`, already applied
    to the position): logged and counted, and the strategy re-syncs to what is left
    (`on_resume`: the venue cancelled the symbol's orders)."""
    bot.liquidations += 1
    bot.log(
        "critical",
        f"LIQUIDATED: {fill.qty} {bot.symbol} closed at {fill.price} by the venue "
        f"({fill.client_order_id}); position now {bot.position.qty} "
        f"(liquidation #{bot.liquidations})",
    )
    if bot.strategy_started and bot.lifecycle.accepts_new_orders:
        await bot.apply(bot.strategy.on_resume(bot.context()))
