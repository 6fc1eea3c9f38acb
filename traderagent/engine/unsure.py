"""Orders whose fate is unknown: the create's answer was lost and the exchange could not yet
say whether it has the order (hummingbot #8457's failure: counting such an order `Rejected`
leaves it live on the exchange while the strategy places another at its level).

Until the exchange answers for its client order id, such an order counts as resting (so its
level stays taken and its buy stays committed) and its journal row stays `New`. Each candle
the bot asks again; the answer settles it: open (kept, with the exchange's id), closed
(cancelled, rejected or filled, as the exchange says) or, once the create can no longer be
on its way, no such order (closed as never received, so the strategy may place the level
again). An unanswered look-up settles nothing.
A restart settles it the same way (recovery asks for every order the journal has open).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

from traderagent.domain import Order, OrderStatus
from traderagent.domain.events import LogRecord
from traderagent.engine.protocols import BotCore
from traderagent.exchanges.ports import Exchange, ExchangeError

NEVER_RECEIVED = "the exchange has no such order: the create whose answer was lost never placed it"
NOT_THERE_AFTER_MS = 15_000
"""A 'no such order' answer is believed only this long after the create was sent: a create
still on its way (delayed, or held by the server) may be placed after an early look-up."""


class UnsureOrders:
    """The client order ids of one bot whose fate is unknown, with when each became so."""

    def __init__(self) -> None:
        self.since: dict[str, int] = {}
        self.settled = 0
        """How many the exchange has answered for since start."""
        self.failed_lookups = 0
        """Look-ups that went unanswered (each is tried again on the next candle)."""

    def add(self, client_order_id: str, now_ms: int) -> None:
        self.since.setdefault(client_order_id, now_ms)

    def __len__(self) -> int:
        return len(self.since)

    def __contains__(self, client_order_id: object) -> bool:
        return client_order_id in self.since


class UnsureBot(BotCore, Protocol):
    """What settling unsure orders needs of a bot (`BotRuntime` is one)."""

    @property
    def unsure(self) -> UnsureOrders: ...

    @property
    def orders(self) -> dict[str, Order]: ...

    @property
    def exchange(self) -> Exchange: ...

    async def on_order(self, update: Order) -> None: ...


async def settle_unsure(bot: UnsureBot) -> int:
    """Ask the exchange for each of the bot's unsure orders and apply what it answers;
    the number settled. A failed look-up leaves the order unsure (logged, counted)."""
    unsure = bot.unsure
    settled = 0
    for cid in list(unsure.since):
        known = bot.orders.get(cid)
        if known is None:  # closed meanwhile by the venue's own report (stream, cancel)
            del unsure.since[cid]
            continue
        try:
            reply = await bot.exchange.get_order(bot.symbol, cid)
        except (ExchangeError, OSError, TimeoutError) as err:
            unsure.failed_lookups += 1
            _log(bot, "warning", f"{cid}: still unknown, the exchange did not answer: {err}")
            continue
        now = bot.clock.now_ms()
        if reply is None and now - unsure.since[cid] < NOT_THERE_AFTER_MS:
            continue  # not there yet: maybe not yet; ask again later
        del unsure.since[cid]
        unsure.settled += 1
        settled += 1
        if reply is None:
            gone = replace(
                known, status=OrderStatus.REJECTED, reject_reason=NEVER_RECEIVED, updated_ms=now
            )
            _log(bot, "warning", f"{cid} ({known.tag}): {NEVER_RECEIVED}")
            await bot.on_order(gone)
            continue
        answer = replace(reply, bot=bot.name, tag=reply.tag or known.tag)
        _log(bot, "info", f"{cid} ({known.tag}): the exchange has it, {answer.status.value}")
        if answer.is_open:  # resting: keep the fills the bot counted, take the exchange's id
            resting = _resting(known, answer)
            bot.orders[cid] = resting  # same quantities: the bot's sums over orders still hold
            await bot.on_order(resting)
        else:
            await bot.on_order(answer)
    return settled


def _resting(known: Order, answer: Order) -> Order:
    return replace(known, exchange_order_id=answer.exchange_order_id, updated_ms=answer.updated_ms)


def _log(bot: UnsureBot, level: str, message: str) -> None:
    bot.bus.publish(LogRecord(bot.clock.now_ms(), level, message, bot.name))
