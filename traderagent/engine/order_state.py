"""An order's next state as the bot tracks it: unfilled on acceptance, closed by the venue,
advanced by a fill. Built field by field: `dataclasses.replace` costs several times more, and
a replay derives a few of these per fill."""

from __future__ import annotations

from decimal import Decimal

from traderagent.domain import ZERO, Fill, Order, OrderStatus


def unfilled(order: Order) -> Order:
    """`order` as accepted and not filled yet (its fills arrive as Fill updates)."""
    o = order
    if o.status is OrderStatus.NEW and o.filled_qty is ZERO and o.avg_fill_price is None:
        return o  # a resting order's acknowledgement is that already: share it
    return Order(
        o.client_order_id,
        o.symbol,
        o.side,
        o.type,
        o.qty,
        o.price,
        OrderStatus.NEW,
        o.created_ms,
        o.updated_ms,
        ZERO,
        None,
        o.exchange_order_id,
        o.reject_reason,
        o.bot,
        o.tag,
    )


def closed_by(known: Order, update: Order) -> Order:
    """`known` with the status, reason and time of the venue's `update` (a cancel, a reject)."""
    o = known
    return Order(
        o.client_order_id,
        o.symbol,
        o.side,
        o.type,
        o.qty,
        o.price,
        update.status,
        o.created_ms,
        update.updated_ms,
        o.filled_qty,
        o.avg_fill_price,
        o.exchange_order_id,
        update.reject_reason,
        o.bot,
        o.tag,
    )


def with_fill(order: Order, fill: Fill) -> Order:
    """The order after `fill`, derived locally (execution and order reports may arrive in
    either order on a real venue)."""
    o = order
    done = o.filled_qty + fill.qty
    filled = min(done, o.qty)
    paid = (o.avg_fill_price or ZERO) * o.filled_qty + fill.price * fill.qty
    avg = paid / done
    status = OrderStatus.FILLED if filled >= o.qty else OrderStatus.PARTIALLY_FILLED
    return Order(
        o.client_order_id,
        o.symbol,
        o.side,
        o.type,
        o.qty,
        o.price,
        status,
        o.created_ms,
        fill.ts,
        filled,
        avg,
        o.exchange_order_id,
        o.reject_reason,
        o.bot,
        o.tag,
    )


def cut_to(order: Order, qty: Decimal) -> Order:
    """`order` cut by the venue to `qty` (a reduce-only order is at most the position: Bybit
    amends it as the position shrinks): FILLED if its fills reach that already."""
    o = order
    status = OrderStatus.FILLED if o.filled_qty >= qty else o.status
    return Order(
        o.client_order_id,
        o.symbol,
        o.side,
        o.type,
        qty,
        o.price,
        status,
        o.created_ms,
        o.updated_ms,
        o.filled_qty,
        o.avg_fill_price,
        o.exchange_order_id,
        o.reject_reason,
        o.bot,
        o.tag,
    )
