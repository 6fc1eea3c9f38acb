"""Orders the venue closed before all their fills reached the bot, kept for those fills.

On a real venue a fill can cross a cancel in flight: the cancel is acknowledged, or answered
with the order already filled, and the execution report arrives after it. Every fill of an
order a bot placed reaches its strategy, so the bot keeps the orders the venue closed and
applies a fill that arrives for one of them (a cancelled order stays cancelled unless the
fill completes it).
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import replace

from traderagent.domain import Fill, Order, OrderStatus
from traderagent.engine.order_state import with_fill

KEPT = 512
"""How many closed orders are kept (the oldest go first): far more than can be in flight."""


class ClosedOrders:
    """A bot's orders closed by the venue (cancelled, rejected, filled) with fills still to
    come, and the strategy generation that placed each."""

    __slots__ = ("_orders",)

    def __init__(self) -> None:
        self._orders: OrderedDict[str, tuple[Order, int]] = OrderedDict()

    def remember(self, order: Order, generation: int) -> None:
        """Keep `order` (closed; `filled_qty` what its fills reported so far), unless all of
        it is reported filled already."""
        if order.filled_qty >= order.qty:
            return
        orders = self._orders
        orders[order.client_order_id] = (order, generation)
        if len(orders) > KEPT:
            orders.popitem(last=False)

    def apply(self, fill: Fill) -> tuple[Order, int] | None:
        """The closed order after `fill` and its generation, or None: not a closed order."""
        known = self._orders.get(fill.client_order_id)
        if known is None:
            return None
        closed, generation = known
        after = with_fill(closed, fill)
        if after.status is not OrderStatus.FILLED and closed.status is not OrderStatus.FILLED:
            after = replace(after, status=closed.status)  # a cancelled order stays cancelled
        self._orders[fill.client_order_id] = (after, generation)
        return after, generation
