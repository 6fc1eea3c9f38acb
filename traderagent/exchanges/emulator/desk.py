"""OrderDesk: the trade and position endpoints' actions on the ledger (create, cancel, leverage).

Create and cancel answer with an acknowledgement only (`orderId`, `orderLinkId`); the state
change goes out as private pushes. Refusals Bybit makes synchronously (bad parameters, a
duplicate orderLinkId, too little balance) raise BybitError and leave no order behind. An order
that is accepted and then dies on arrival (a PostOnly that would take, an IOC with nothing to
fill against) is acknowledged with retCode 0 and pushed as Cancelled with its rejectReason.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from decimal import Decimal, InvalidOperation

from traderagent.domain import OrderRequest, OrderStatus, OrderType, Side
from traderagent.exchanges.emulator import errors as rc
from traderagent.exchanges.emulator.entry import (
    Ticket,
    category_of,
    check_price_range,
    check_quantities,
    parse_ticket,
)
from traderagent.exchanges.emulator.errors import BybitError, params_error
from traderagent.exchanges.emulator.instruments import MarketRules
from traderagent.exchanges.emulator.ledger import Ledger
from traderagent.exchanges.emulator.records import OrderRecord
from traderagent.exchanges.paper.admission import marketable

MAX_OPEN_ORDERS = 500


class OrderDesk:
    """Order entry and position settings of the emulated account."""

    def __init__(self, ledger: Ledger) -> None:
        self._ledger = ledger

    def create(self, body: Mapping[str, object]) -> dict[str, object]:
        ledger = self._ledger
        ticket, rules = parse_ticket(body, ledger.rules_for)
        spot = ticket.category == "spot"
        if ticket.order_link_id and ledger.link_used(ticket.order_link_id):
            if spot:
                raise BybitError(rc.SPOT_DUPLICATE_LINK_ID, "Duplicate clientOrderId.")
            raise BybitError(rc.DUPLICATE_LINK_ID, "OrderLinkedID is duplicate")
        last = ledger.last_price(ticket.category, ticket.symbol)
        if last is None:
            raise params_error(f"no market price for {ticket.symbol} yet")
        inst = rules.instrument
        qty = inst.floor_qty(ticket.qty / last) if ticket.qty_in_quote else ticket.qty
        check_price_range(rules, ticket.price)
        check_price_range(rules, ticket.trigger_price)
        if ticket.trigger_price is not None:
            _check_trigger(ticket, last)
        check_quantities(ticket.category, inst, qty, ticket.trigger_price or ticket.price or last)
        if qty > rules.max_qty:
            raise params_error(f"Order quantity {qty} exceeds the maximum {rules.max_qty}")
        open_orders = [o for o in ledger.orders() if o.is_open and o.category == ticket.category]
        if len(open_orders) >= MAX_OPEN_ORDERS:
            raise BybitError(rc.TOO_MANY_ORDERS, "Too many open orders: at most 500")
        record = self._record(ticket, rules, qty, last)
        # the paper venue's rule: strictly through the last price (at it, a limit rests)
        through = ticket.price is not None and marketable(ticket.side, ticket.price, last)
        limit = ticket.order_type is OrderType.LIMIT
        refusal = ""
        if limit and ticket.time_in_force == "PostOnly" and through:
            refusal = "EC_PostOnlyWillTakeLiquidity"
        elif limit and ticket.time_in_force in ("IOC", "FOK") and not through:
            refusal = "EC_NoImmediateQtyToFill"
        if refusal:
            ledger.announce(replace(record, status="Cancelled", reject_reason=refusal))
            return _ack(record)
        immediate = not limit or ticket.time_in_force in ("IOC", "FOK")
        order_type = OrderType.MARKET if immediate else OrderType.LIMIT
        price = None if immediate else ticket.price
        if ticket.trigger_price is not None:  # a stop: it rests untriggered
            order_type, price = OrderType.STOP_MARKET, ticket.trigger_price
        request = OrderRequest(
            client_order_id=record.order_id,
            symbol=ticket.symbol,
            side=ticket.side,
            type=order_type,
            qty=qty,
            price=price,
            tag=ticket.order_link_id,
        )
        ledger.store(record)
        try:
            if spot:
                order = ledger.spot.place_order_sync(request)
            else:
                order = ledger.linear.place_order_sync(request, ticket.reduce_only)
        except BybitError:
            ledger.forget(record)
            raise
        if order.status is OrderStatus.REJECTED:
            ledger.forget(record)
            code = rc.SPOT_INSUFFICIENT if "insufficient" in order.reject_reason else rc.PARAMS
            raise BybitError(code, f"Insufficient balance. ({order.reject_reason})")
        if order.status is OrderStatus.NEW:
            ledger.announce(replace(record, qty=order.qty))
        return _ack(record)

    def _stop_filter_matches(self, record: OrderRecord, body: Mapping[str, object]) -> bool:
        """Spot cancels find a conditional order only with `orderFilter: StopOrder` (and an
        active one only without it), as on Bybit."""
        if record.category != "spot":
            return True
        wants_stop = _text(body, "orderFilter") == "StopOrder"
        return wants_stop == (record.trigger_price > 0)

    def cancel(self, body: Mapping[str, object]) -> dict[str, object]:
        category = category_of(body)
        symbol = _text(body, "symbol")
        order_id, link_id = _text(body, "orderId"), _text(body, "orderLinkId")
        if not symbol:
            raise params_error("symbol is required")
        if not order_id and not link_id:
            raise params_error("orderId or orderLinkId is required")
        record = self._ledger.order(order_id, link_id)
        not_found = rc.SPOT_ORDER_NOT_FOUND if category == "spot" else rc.ORDER_NOT_FOUND
        if record is None or (record.category, record.symbol) != (category, symbol):
            raise BybitError(not_found, "Order does not exist.")
        if not self._stop_filter_matches(record, body):
            raise BybitError(not_found, "Order does not exist.")
        if not record.is_open:
            raise BybitError(not_found, "order not exists or too late to cancel")
        self._cancel(record)
        return _ack(record)

    def cancel_all(self, body: Mapping[str, object]) -> dict[str, object]:
        category = category_of(body)
        symbol, base, settle = (_text(body, k) for k in ("symbol", "baseCoin", "settleCoin"))
        if category == "linear" and not (symbol or base or settle):
            raise params_error("symbol, baseCoin or settleCoin is required for linear")
        done = []
        for record in self._ledger.orders():
            rules = self._ledger.rules_for(record.category, record.symbol)
            inst = rules.instrument if rules is not None else None
            if not record.is_open or record.category != category or inst is None:
                continue
            if symbol and record.symbol != symbol:
                continue
            if (base and inst.base != base) or (settle and inst.quote != settle):
                continue
            self._cancel(record)
            done.append(_ack(record))
        return {"list": done, "success": "1"}

    def set_leverage(self, body: Mapping[str, object]) -> dict[str, object]:
        if category_of(body) != "linear":
            raise params_error("set-leverage: the emulator has leverage on linear only")
        symbol = _text(body, "symbol")
        rules = self._ledger.rules_for("linear", symbol)
        if rules is None:
            raise params_error(f"params error: symbol invalid ({symbol!r})")
        buy, sell = _text(body, "buyLeverage"), _text(body, "sellLeverage")
        if buy != sell:
            raise params_error("buyLeverage must equal sellLeverage in one-way mode")
        try:
            leverage = Decimal(buy)
        except InvalidOperation:
            raise params_error(f"buyLeverage {buy!r} is not a number") from None
        if not 1 <= leverage <= rules.max_leverage or leverage != leverage.quantize(
            Decimal("0.01")
        ):
            raise params_error(
                f"leverage {buy} is outside [1, {rules.max_leverage}] or not in 0.01 steps"
            )
        position = self._ledger.linear.position(symbol)
        if position.leverage == leverage:
            raise BybitError(rc.LEVERAGE_NOT_MODIFIED, "Set leverage has not been modified")
        self._ledger.linear.set_leverage(symbol, leverage)
        return {}

    def _cancel(self, record: OrderRecord) -> None:
        venue_id = self._ledger.venue_id(record.order_id)
        if record.category == "spot":
            self._ledger.spot.cancel_order_sync(record.symbol, venue_id)
        else:
            self._ledger.linear.cancel_order_sync(record.symbol, venue_id)

    def _record(
        self, ticket: Ticket, rules: MarketRules, qty: Decimal, last: Decimal
    ) -> OrderRecord:
        now = self._ledger.now_ms()
        fee_coin = self._ledger.fees(ticket.category).fee_asset(ticket.side, rules.instrument)
        return OrderRecord(
            order_id=self._ledger.next_order_id(),
            order_link_id=ticket.order_link_id,
            category=ticket.category,
            symbol=ticket.symbol,
            side=ticket.side,
            order_type=ticket.order_type,
            qty=qty,
            price=ticket.price or Decimal(0),
            time_in_force=ticket.time_in_force,
            status="New" if ticket.trigger_price is None else "Untriggered",
            created_ms=now,
            updated_ms=now,
            last_price_on_created=last,
            fee_currency=fee_coin,
            reduce_only=ticket.reduce_only,
            market_unit=ticket.market_unit,
            trigger_price=ticket.trigger_price or Decimal(0),
            trigger_direction=_direction(ticket, last),
        )


def _direction(ticket: Ticket, last: Decimal) -> int:
    """The trigger's direction: given (linear), or as spot infers it from the last price."""
    trigger = ticket.trigger_price
    if trigger is None:
        return 0
    return ticket.trigger_direction or (1 if trigger > last else 2)


def _check_trigger(ticket: Ticket, last: Decimal) -> None:
    """A trigger must lie the way its direction says; the emulator's conditional orders are
    stops (a sell triggering on a fall, a buy on a rise)."""
    trigger = ticket.trigger_price
    assert trigger is not None  # noqa: S101 (called for conditional tickets only)
    direction = _direction(ticket, last)
    if direction == 1 and trigger <= last:
        raise BybitError(
            rc.TRIGGER_EXPECT_RISING,
            f"expect Rising, but trigger_price[{trigger}] <= current[{last}]",
        )
    if direction == 2 and trigger >= last:
        raise BybitError(
            rc.TRIGGER_EXPECT_FALLING,
            f"expect Falling, but trigger_price[{trigger}] >= current[{last}]",
        )
    if direction != (2 if ticket.side is Side.SELL else 1):
        raise params_error(
            "the emulator's conditional orders are stops: a Sell triggering on a fall "
            "(triggerDirection 2), a Buy on a rise (1)"
        )


def _ack(record: OrderRecord) -> dict[str, object]:
    return {"orderId": record.order_id, "orderLinkId": record.order_link_id}


def _text(body: Mapping[str, object], key: str) -> str:
    value = body.get(key)
    return value if isinstance(value, str) else ""
