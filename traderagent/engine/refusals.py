"""How a bot says that an order did not go out as its strategy asked. Never silent: a risk
limit or the allocator refusing or cutting an intent publishes IntentRejected or
IntentResized, and the venue refusing an order (or execution's pre-check, which applies the
venue's rules) is counted on the bot and published as IntentRejected; each is also a
warning in the log, with the reason. A buy the allocator refuses is counted on the bot apart
(`allocator_refusals`): it was never sent, so it is no venue refusal."""

from __future__ import annotations

from decimal import Decimal
from typing import Protocol

from traderagent.domain import ZERO, Order, PlaceOrder
from traderagent.domain.events import IntentRejected, IntentResized, LogRecord
from traderagent.engine.allocator import CapitalAllocator, Funds, fit_buy
from traderagent.engine.protocols import BotCore
from traderagent.exchanges.ports import Perpetual


class RefusingBot(BotCore, Protocol):
    """What reporting a refusal (and fitting a buy to the budget) needs of a bot."""

    orders_rejected: int
    allocator_refusals: int

    @property
    def perpetual(self) -> Perpetual | None: ...

    def committed_capital(self) -> Decimal: ...

    def closing_qty(self, intent: PlaceOrder) -> Decimal: ...


def fit_to_budget(
    bot: RefusingBot, allocator: CapitalAllocator, funds: Funds, intent: PlaceOrder, mark: Decimal
) -> PlaceOrder | None:
    """The bot's buy cut to what the allocator allows, or None (refused, with an event). The
    approved buy's cost is locked with `funds`: the rest of its batch sees less free quote.
    On a perpetual venue, either side: what opens is budgeted by its margin."""
    leverage, closing = None, ZERO
    if bot.perpetual is not None:
        closing = bot.closing_qty(intent)
        if closing >= intent.qty:
            return intent  # it only reduces the position: no capital
        leverage = bot.perpetual.leverage_of(bot.symbol)
    fitted, reason = fit_buy(
        intent,
        allocator,
        funds,
        bot=bot.name,
        committed=bot.committed_capital(),
        instrument=bot.instrument,
        mark=mark,
        leverage=leverage,
        closing=closing,
    )
    if fitted is None:
        bot.allocator_refusals += 1
    if reason:
        report_cut(bot, intent, fitted, reason, "allocator")
    return fitted


def report_cut(
    bot: RefusingBot, intent: PlaceOrder, placed: PlaceOrder | None, reason: str, limit: str
) -> None:
    """`limit` (a risk limit, or the allocator) refused `intent` (`placed` None) or cut it."""
    now = bot.clock.now_ms()
    if placed is None:
        bot.bus.publish(IntentRejected(now, bot.name, intent.tag, reason, limit))
    else:
        bot.bus.publish(
            IntentResized(now, bot.name, intent.tag, intent.qty, placed.qty, reason, limit)
        )
    verb = "resized" if placed else "refused"
    bot.bus.publish(LogRecord(now, "warning", f"order {intent.tag} {verb}: {reason}", bot.name))


def report_rejected(bot: RefusingBot, tag: str, order: Order) -> None:
    """The venue (or the pre-check) refused the order sent under `tag`: on arrival, or later
    (a triggered stop the free balance could not cover)."""
    bot.orders_rejected += 1
    reason = order.reject_reason
    bot.bus.publish(IntentRejected(order.updated_ms, bot.name, tag, reason))
    message = f"order {tag} rejected: {reason}"
    bot.bus.publish(LogRecord(bot.clock.now_ms(), "warning", message, bot.name))
