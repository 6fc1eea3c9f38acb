"""Execution: turn a strategy's PlaceOrder into a quantised, journalled exchange order.

The client order id is derived from (bot, intent sequence), and the order row is written to the
journal before the request leaves, so a crash can never lose or double an order silently. An
order that filled at once is journalled as filled only after a simulated venue stored its book.
"""

from __future__ import annotations

import asyncio
import logging
from decimal import Decimal

from traderagent.domain import (
    Instrument,
    Order,
    OrderRequest,
    OrderStatus,
    OrderType,
    PlaceOrder,
)
from traderagent.engine.journal import TradeJournal
from traderagent.engine.lease_guard import LeaseGuard, LeaseLost
from traderagent.exchanges.ports import Exchange, ExchangeError, OrderFateUnknown, PersistedBook

log = logging.getLogger("traderagent.engine.execution")


class UnsureOrder(Exception):
    """A placed order whose fate is unknown (its answer was lost): `order` is what was sent,
    journalled `New`, to be tracked as resting until the exchange answers for its id."""

    def __init__(self, order: Order, cause: OrderFateUnknown) -> None:
        super().__init__(str(cause))
        self.order = order
        self.cause = cause


class Execution:
    def __init__(
        self,
        bot: str,
        instrument: Instrument,
        exchange: Exchange,
        journal: TradeJournal,
        last_seq: int = 0,
    ) -> None:
        self.bot = bot
        self.instrument = instrument
        self.exchange = exchange
        self.journal = journal
        self.seq = last_seq
        self._book = exchange if isinstance(exchange, PersistedBook) else None
        self.guard: LeaseGuard | None = None
        """Asked before every order: a lost lease sends nothing (LeaseLost)."""

    def client_order_id(self, seq: int) -> str:
        return f"{self.bot}-{seq}"

    def build(self, intent: PlaceOrder) -> OrderRequest:
        """Quantise to the instrument: a buy's price (or stop trigger) rounds down, a sell's
        up; qty floors."""
        self.seq += 1
        price = None
        if intent.type is not OrderType.MARKET and intent.price is not None:
            price = self.instrument.round_price(intent.price, intent.side)
        return OrderRequest(
            self.client_order_id(self.seq),
            self.instrument.symbol,
            intent.side,
            intent.type,
            self.instrument.floor_qty(intent.qty),
            price,
            self.bot,
            intent.tag,
            intent.reduce_only,
        )

    def precheck(self, request: OrderRequest, mark: Decimal) -> str | None:
        """Why the exchange would reject this request; None if it may be sent."""
        if request.type is not OrderType.MARKET and request.price is None:
            return f"{request.type.value} order without a price"
        price = request.price if request.price is not None else self.instrument.round_price(mark)
        return self.instrument.check_order(price, request.qty)

    async def place(self, intent: PlaceOrder, mark: Decimal, now_ms: int) -> Order:
        if self.guard is not None and (lost := await self.guard.check_lease(self.bot)):
            # another process may run this bot: send nothing
            raise LeaseLost(lost, self.bot if self.guard.per_bot else "")
        request = self.build(intent)
        problem = self.precheck(request, mark)
        if problem:
            rejected = Order.from_request(request, OrderStatus.REJECTED, now_ms, problem)
            await self.journal.record_order(rejected, self.seq)
            return rejected
        await self.journal.record_order(
            Order.from_request(request, OrderStatus.NEW, now_ms), self.seq
        )
        try:
            ack = await self.exchange.place_order(request)
        except asyncio.CancelledError:
            # never silent: the journal keeps the row `New`, recovery asks the exchange for it
            log.warning(
                "%s: the create of %s was cancelled before its answer: fate unknown until the "
                "exchange is asked",
                self.bot,
                request.client_order_id,
            )
            raise
        except OrderFateUnknown as err:
            # the journal keeps the row `New` (written above): live or not, the exchange says
            raise UnsureOrder(Order.from_request(request, OrderStatus.NEW, now_ms), err) from err
        except ExchangeError as err:
            ack = Order.from_request(request, OrderStatus.REJECTED, now_ms, str(err))
        except Exception as err:  # noqa: BLE001 - a venue's bug after the request may have left
            # not a refusal: the order may be live; it rests as unknown until the exchange is asked
            log.exception(
                "%s: the create of %s failed unexpectedly: fate unknown until the exchange is "
                "asked",
                self.bot,
                request.client_order_id,
            )
            unknown = OrderFateUnknown(request.client_order_id, f"the create failed: {err!r}")
            sent = Order.from_request(request, OrderStatus.NEW, now_ms)
            raise UnsureOrder(sent, unknown) from err
        if self._book is not None and ack.filled_qty > 0:
            # the venue's book first: a crash before the journal's write leaves a fill that
            # recovery finds on the venue, never a journalled fill the venue does not have
            await self._book.persist()
        await self.journal.record_order(ack)
        return ack

    async def cancel(self, order: Order) -> Order | None:
        return await self.exchange.cancel_order(order.symbol, order.client_order_id)
