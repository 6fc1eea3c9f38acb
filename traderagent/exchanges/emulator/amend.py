"""POST /v5/order/amend: a resting limit order's new qty and/or price, under the same orderId.

The venues have no amend of their own, so an amend withdraws the order's venue order (silently:
the order is not cancelled) and places the amended one under a new venue id bound to the same
record. What Bybit refuses synchronously is refused here before anything moves; if the
amended order is refused at the venue (too little balance), the original goes back as it was.
The amended order is pushed (`order`, then `wallet`) with its new qty, price and updatedTime; one
amended through the market fills at once as a taker.

Not emulated: amending conditional orders (`triggerPrice`) and TP/SL; a PostOnly order amended
through the market is refused (10001) where Bybit would cancel it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal
from itertools import count

from traderagent.domain import Order, OrderRequest, OrderStatus, OrderType
from traderagent.exchanges.emulator import errors as rc
from traderagent.exchanges.emulator.entry import (
    category_of,
    check_price_range,
    check_quantities,
    decimal_param,
)
from traderagent.exchanges.emulator.errors import BybitError, params_error
from traderagent.exchanges.emulator.ledger import Ledger
from traderagent.exchanges.emulator.records import OrderRecord
from traderagent.exchanges.paper.admission import marketable

UNCHANGED = "The order remains unchanged as the parameters entered match the existing ones."
NOT_AMENDABLE = ("takeProfit", "stopLoss", "tpslMode", "triggerPrice")


class OrderAmender:
    """Amends open limit orders of the ledger."""

    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger
        self._amends = count(1)

    def amend(self, body: Mapping[str, object]) -> dict[str, object]:
        ledger = self._ledger
        record = self._open_record(body)
        for name in NOT_AMENDABLE:
            if body.get(name) not in (None, ""):
                raise params_error(f"amending {name} is not supported by the emulator")
        if record.trigger_price:
            raise params_error("amending a conditional order is not supported by the emulator")
        qty = _optional(body, "qty") or record.qty
        price = _optional(body, "price") or record.price
        if (qty, price) == (record.qty, record.price):
            raise params_error(UNCHANGED)
        rules = ledger.rules_for(record.category, record.symbol)
        assert rules is not None  # noqa: S101 (an order exists only on a listed symbol)
        check_price_range(rules, price)
        check_quantities(record.category, rules.instrument, qty, price)
        if qty > rules.max_qty:
            raise params_error(f"Order quantity {qty} exceeds the maximum {rules.max_qty}")
        last = ledger.last_price(record.category, record.symbol)
        through = last is not None and marketable(record.side, price, last)
        if record.time_in_force == "PostOnly" and through:
            raise params_error("a PostOnly order amended through the market would take liquidity")
        self._replace(record, qty, price)
        return {"orderId": record.order_id, "orderLinkId": record.order_link_id}

    def _open_record(self, body: Mapping[str, object]) -> OrderRecord:
        category = category_of(body)
        symbol, order_id, link_id = (_text(body, k) for k in ("symbol", "orderId", "orderLinkId"))
        if not symbol:
            raise params_error("symbol is required")
        if not order_id and not link_id:
            raise params_error("orderId or orderLinkId is required")
        record = self._ledger.order(order_id, link_id)
        spot = category == "spot"
        if record is None or (record.category, record.symbol) != (category, symbol):
            raise BybitError(
                rc.SPOT_ORDER_NOT_FOUND if spot else rc.ORDER_NOT_FOUND, "Order does not exist."
            )
        if not record.is_open:
            raise BybitError(
                rc.SPOT_ORDER_NOT_FOUND if spot else rc.ORDER_CLOSED,
                "order not exists or too late to replace",
            )
        return record

    def _replace(self, record: OrderRecord, qty: Decimal, price: Decimal) -> None:
        ledger = self._ledger
        amended = replace(record, qty=qty, price=price, updated_ms=ledger.now_ms())
        outcome = self._swap(record, amended)
        if isinstance(outcome, BybitError) or outcome.status is OrderStatus.REJECTED:
            self._swap(amended, record)  # funds were just released: the original fits again
            reason = outcome.message if isinstance(outcome, BybitError) else outcome.reject_reason
            code = rc.SPOT_INSUFFICIENT if record.category == "spot" else rc.INSUFFICIENT_AB
            raise BybitError(code, f"Insufficient balance for the amended order. ({reason})")
        if outcome.status is OrderStatus.NEW:
            ledger.announce(amended)

    def _swap(self, old: OrderRecord, new: OrderRecord) -> Order | BybitError:
        """Withdraw `old`'s venue order and place `new` in its place: the venue's Order, or the
        BybitError the venue refused it with."""
        ledger = self._ledger
        old_venue_id = ledger.venue_id(old.order_id)
        venue_id = f"{old.order_id}-amend-{next(self._amends)}"
        ledger.rebind(old.order_id, venue_id)
        ledger.store(new)
        spot = old.category == "spot"
        if spot:
            ledger.spot.cancel_order_sync(old.symbol, old_venue_id)
        else:
            ledger.linear.cancel_order_sync(old.symbol, old_venue_id)
        request = OrderRequest(
            client_order_id=venue_id,
            symbol=new.symbol,
            side=new.side,
            type=OrderType.LIMIT,
            qty=new.qty,
            price=new.price,
            tag=new.order_link_id,
        )
        try:
            if spot:
                return ledger.spot.place_order_sync(request)
            return ledger.linear.place_order_sync(request, new.reduce_only)
        except BybitError as error:
            return error


def _optional(body: Mapping[str, object], name: str) -> Decimal | None:
    value = body.get(name)
    return None if value in (None, "") else decimal_param(value, name)


def _text(body: Mapping[str, object], key: str) -> str:
    value = body.get(key)
    return value if isinstance(value, str) else ""
