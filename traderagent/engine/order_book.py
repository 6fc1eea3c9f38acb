"""A bot's order book: its open orders, the closed ones whose fills may still come, which
strategy generation placed each, and what is kept as the orders change (the current
strategy's live tags, the resting buys' notional, a count of changes for snapshots).

Kept as orders open and close, never rebuilt per fill: a grid rests hundreds of orders and a
fill changes one or two of them.
"""

from __future__ import annotations

from decimal import Decimal

from traderagent.domain import ZERO, Order, Side
from traderagent.engine.late_fills import ClosedOrders
from traderagent.engine.live_tags import LiveTags
from traderagent.engine.order_state import closed_by


class OrderBook:
    """Open orders by client order id (in the order placed), and their generations."""

    __slots__ = (
        "_live",
        "changes",
        "closed",
        "generation",
        "generation_of",
        "orders",
        "resting_buys",
        "tags",
    )

    def __init__(self) -> None:
        self.orders: dict[str, Order] = {}
        self.closed = ClosedOrders()  # closed by the venue: its fills may still come
        # which strategy placed each open order: a fill of an order from an outgoing strategy
        # moves the position but is not news to the strategy that took over
        self.generation_of: dict[str, int] = {}
        self.generation = 0
        """Which strategy is current (`begin_generation` moves it on)."""
        self._live: dict[str, str] = {}  # client id -> tag of the current strategy's orders
        self.tags = LiveTags()
        """Tags of the current strategy's orders resting now: a live, read-only view (only the
        book changes it), kept as orders open and close (never rebuilt per fill)."""
        self.resting_buys = ZERO
        """What the resting buys commit (remaining quantity at price), kept as they change."""
        self.changes = 0
        """Counts every order that joins or leaves `orders` (a snapshot is due on a change)."""

    def begin_generation(self, value: int) -> None:
        """Strategy generation `value` is current now (a hand-over): its live tags are those
        of the open orders it placed."""
        self.generation = value
        of = self.generation_of.get
        self._live = {c: o.tag for c, o in self.orders.items() if of(c) == value}
        self.tags.clear()
        for tag in self._live.values():
            self.tags.add(tag)

    def generation_for(self, client_order_id: str) -> int:
        """The generation that placed an open order (the current one if it is not known)."""
        return self.generation_of.get(client_order_id, self.generation)

    def add(self, order: Order) -> None:
        """A new order of the current strategy, tracked as open."""
        self.generation_of[order.client_order_id] = self.generation
        self.keep(order)

    def keep(self, order: Order) -> None:
        """Track `order` as open (new, or the newer state of one tracked already, which keeps
        its place among the orders)."""
        cid = order.client_order_id
        before = self.orders.get(cid)
        if before is None:
            self.changes += 1
        self.resting_buys += resting_buy(order) - resting_buy(before)
        self.orders[cid] = order
        live, tags = self._live, self.tags
        was = live.pop(cid, None)
        if was is not None:
            tags.remove(was)
        if self.generation_of.get(cid) == self.generation:
            live[cid] = order.tag
            tags.add(order.tag)

    def track(self, order: Order) -> None:
        """The newer state of a tracked order: kept while open, dropped once closed."""
        if order.is_open:
            self.keep(order)
        else:
            self.drop(order.client_order_id)
            self.generation_of.pop(order.client_order_id, None)

    def drop(self, cid: str) -> None:
        gone = self.orders.pop(cid, None)
        if gone is not None:
            self.changes += 1
        self.resting_buys -= resting_buy(gone)
        was = self._live.pop(cid, None)
        if was is not None:
            self.tags.remove(was)

    def close(self, known: Order, update: Order) -> None:
        """The venue closed `known` (a cancel, a reject, or filled ahead of the fills that
        report it): it is kept for the fills that may still arrive (see `ClosedOrders`)."""
        closed = closed_by(known, update)
        generation = self.generation_for(known.client_order_id)
        self.track(closed)
        if not closed.is_open:
            self.closed.remember(closed, generation)

    def with_tag(self, tag: str) -> list[Order]:
        return [order for order in self.orders.values() if order.tag == tag]


def resting_buy(order: Order | None) -> Decimal:
    """What a resting buy still commits (its remaining quantity at its price), else zero."""
    if order is None or order.side is not Side.BUY or order.price is None:
        return ZERO
    return (order.qty - order.filled_qty) * order.price
