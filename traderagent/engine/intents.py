"""A bot's intent pipeline: what its strategy asks for, through risk, the allocator and
execution, to the venue.

An order intent goes: held (paused or halted: nothing new leaves; stale market data: an
opening order waits) -> risk (refused or cut to a limit) -> the allocator (refused or cut to
the bot's budget) -> execution (journalled, then sent). Each `place` returns a `Decision`
saying which it was and why; every refusal, cut and hold is also logged and counted where it
happens (`refusals`, `health`). Cancels go straight to execution.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from traderagent.domain import (
    ZERO,
    CancelAll,
    CancelOrder,
    Intent,
    Order,
    OrderStatus,
    PlaceOrder,
    Side,
)
from traderagent.domain.events import LogRecord, OrderUpdated
from traderagent.engine.allocator import CapitalAllocator, Funds
from traderagent.engine.execution import Execution, UnsureOrder
from traderagent.engine.health import HeldBot, hold_opening
from traderagent.engine.lifecycle import Lifecycle
from traderagent.engine.order_book import OrderBook
from traderagent.engine.order_state import unfilled
from traderagent.engine.refusals import RefusingBot, fit_to_budget, report_cut, report_rejected
from traderagent.engine.risk import BotBook, RiskGate
from traderagent.engine.unsure import UnsureOrders
from traderagent.exchanges.ports import Perpetual


class Outcome(StrEnum):
    PLACED = "placed"
    """Sent to the venue as asked (or its answer was lost: resting until the venue says)."""
    CUT = "cut"
    """Sent, smaller than asked (a risk limit or the allocator cut it)."""
    REFUSED = "refused"
    """Not placed: a risk limit or the allocator refused it, or the venue rejected it."""
    HELD = "held"
    """Not sent now: the bot takes no new orders (paused, halted) or its data is stale."""


@dataclass(frozen=True, slots=True)
class Decision:
    """What became of one order intent, and why (`reason`: '' when placed as asked)."""

    outcome: Outcome
    intent: PlaceOrder
    """What was sent (after a cut), or what was asked (refused, held)."""
    reason: str = ""
    order: Order | None = None
    """The order as the venue (or the pre-check) answered, when one was sent."""


class PipelineBot(RefusingBot, HeldBot, Protocol):
    """What the pipeline needs of its bot (`BotRuntime` is one)."""

    @property
    def lifecycle(self) -> Lifecycle: ...

    @property
    def execution(self) -> Execution: ...

    @property
    def book(self) -> OrderBook: ...

    @property
    def unsure(self) -> UnsureOrders: ...

    @property
    def risk(self) -> RiskGate | None: ...

    @property
    def allocator(self) -> CapitalAllocator | None: ...

    @property
    def funds(self) -> Funds | None: ...

    @property
    def perpetual(self) -> Perpetual | None: ...

    @property
    def last_price(self) -> Decimal | None: ...

    orders_placed: int

    def risk_book(self) -> BotBook: ...


class IntentPipeline:
    """Risk -> allocator -> execution for one bot; cancels straight to execution."""

    __slots__ = ("_bot",)

    def __init__(self, bot: PipelineBot) -> None:
        self._bot = bot

    async def apply(self, intents: list[Intent]) -> None:
        """A strategy's intents, in order."""
        bot = self._bot
        for intent in intents:
            if isinstance(intent, PlaceOrder):
                await self.place(intent)
            elif isinstance(intent, CancelOrder):
                for order in bot.book.with_tag(intent.tag):
                    await self.cancel(order)
            elif isinstance(intent, CancelAll):
                await self.cancel_all()

    async def place(self, intent: PlaceOrder) -> Decision:
        """An order the strategy asks for: held while the bot takes no new orders (paused or
        halted: on_resume re-syncs) or while its data is stale, else `send`."""
        bot = self._bot
        if not bot.lifecycle.accepts_new_orders:
            return Decision(Outcome.HELD, intent, f"bot is {bot.state}")
        if bot.data_hold and hold_opening(bot, intent):
            return Decision(Outcome.HELD, intent, bot.data_hold)  # logged and counted
        return await self.send(intent)

    async def send(self, intent: PlaceOrder) -> Decision:
        """Risk first, then the allocator sizes what risk allows, then execution."""
        bot = self._bot
        mark = bot.last_price if bot.last_price is not None else ZERO
        asked, reason = intent, ""
        if bot.risk is not None:
            verdict = bot.risk.review(intent, bot.risk_book())
            if verdict.reason:
                report_cut(bot, intent, verdict.intent, verdict.reason, verdict.limit)
                reason = verdict.reason
            if verdict.intent is None:
                return Decision(Outcome.REFUSED, intent, reason)
            intent = verdict.intent
        allocator, funds = bot.allocator, bot.funds
        if (
            allocator is not None
            and funds is not None
            and (intent.side is Side.BUY or bot.perpetual is not None)
        ):
            fitted = fit_to_budget(bot, allocator, funds, intent, mark)
            if fitted is None:
                return Decision(Outcome.REFUSED, intent, "refused by the allocator")
            if fitted is not intent:
                reason = reason or "cut by the allocator"
            intent = fitted
        try:
            order = await bot.execution.place(intent, mark, bot.clock.now_ms())
        except UnsureOrder as unsure:  # resting until the exchange answers for its id
            order = unsure.order
            bot.unsure.add(order.client_order_id, order.created_ms)
            message = f"{unsure}: its level waits until the exchange answers for it"
            bot.bus.publish(LogRecord(bot.clock.now_ms(), "warning", message, bot.name))
        bot.orders_placed += 1
        if order.status is OrderStatus.REJECTED:
            report_rejected(bot, intent.tag, order)
        elif order.status is not OrderStatus.CANCELLED:  # (partially filled cancels keep fills)
            # tracked as unfilled: its fills arrive as Fill updates, even when already done
            bot.book.add(unfilled(order))
        if bot.bus.wants(OrderUpdated):
            bot.bus.publish(OrderUpdated(order.updated_ms, order))
        if order.status is OrderStatus.REJECTED:
            return Decision(Outcome.REFUSED, intent, order.reject_reason, order)
        cut = intent.qty != asked.qty
        return Decision(Outcome.CUT if cut else Outcome.PLACED, intent, reason, order)

    async def cancel(self, order: Order) -> None:
        # the venue reports the cancel through its listener too: on_order journals and publishes
        cancelled = await self._bot.execution.cancel(order)
        if cancelled is not None:
            self._bot.book.close(order, cancelled)

    async def cancel_all(self) -> int:
        """Cancel every open order; how many there were."""
        open_orders = list(self._bot.book.orders.values())
        for order in open_orders:
            await self.cancel(order)
        return len(open_orders)
