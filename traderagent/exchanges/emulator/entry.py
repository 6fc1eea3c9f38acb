"""Order entry: an order/create body checked field by field, with the retCode Bybit gives.

Spot refusals use the 170xxx codes, linear ones 10001/1100xx (docs §4). Conditional market
orders (`triggerPrice`; spot with `orderFilter: StopOrder`, linear with `triggerDirection`) are
emulated as stop orders; conditional limits, TP/SL, hedge mode and spot margin are not and are
refused with a message saying so.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from traderagent.domain import Instrument, OrderType, Side
from traderagent.exchanges.emulator import errors as rc
from traderagent.exchanges.emulator.errors import BybitError, params_error
from traderagent.exchanges.emulator.instruments import ALL_CATEGORIES, CATEGORIES, MarketRules

LINK_ID = re.compile(r"^[A-Za-z0-9_-]{1,36}$")
TIME_IN_FORCE = ("GTC", "IOC", "FOK", "PostOnly")
UNSUPPORTED = ("takeProfit", "stopLoss", "tpslMode")
ORDER_FILTERS = ("Order", "StopOrder")
TYPE_ERROR = "Request parameter error."  # Bybit's retMsg for a number sent where a string goes

E = TypeVar("E", Side, OrderType)
RulesLookup = Callable[[str, str], MarketRules | None]


@dataclass(frozen=True, slots=True)
class Ticket:
    """A well-formed create request. `qty` is in quote coin for a spot market buy by default."""

    category: str
    symbol: str
    side: Side
    order_type: OrderType
    qty: Decimal
    price: Decimal | None
    time_in_force: str
    order_link_id: str
    reduce_only: bool
    market_unit: str
    trigger_price: Decimal | None = None  # a conditional (stop) order
    trigger_direction: int = 0  # 1: triggers on a rise to the trigger, 2: on a fall

    @property
    def qty_in_quote(self) -> bool:
        return (
            self.category == "spot"
            and self.order_type is OrderType.MARKET
            and self.side is Side.BUY
            and self.market_unit != "baseCoin"
        )


def listing_category(params: Mapping[str, object]) -> str:
    """A category of Bybit's for market data: inverse and option are valid and list nothing."""
    category = params.get("category")
    if category not in ALL_CATEGORIES:
        raise params_error(f"Illegal category {category!r}")
    return str(category)


def category_of(params: Mapping[str, object]) -> str:
    category = params.get("category")
    if category not in CATEGORIES:
        raise params_error(f"Illegal category {category!r}: the emulator serves spot and linear")
    return str(category)


def parse_ticket(body: Mapping[str, object], rules_for: RulesLookup) -> tuple[Ticket, MarketRules]:
    """Check a create body; BybitError with the code Bybit would use for the first problem."""
    category = category_of(body)
    spot = category == "spot"
    for name in UNSUPPORTED:
        if body.get(name) not in (None, ""):
            raise params_error(f"{name} is not supported by the emulator")
    if body.get("isLeverage") not in (None, 0, "0"):
        raise params_error("spot margin (isLeverage) is not supported by the emulator")
    symbol = body.get("symbol")
    rules = rules_for(category, symbol) if isinstance(symbol, str) else None
    if rules is None:
        raise (
            BybitError(rc.SPOT_INVALID_SYMBOL, "Invalid symbol.")
            if spot
            else params_error(f"params error: symbol invalid ({symbol!r})")
        )
    side = _choice(body.get("side"), Side, rc.SPOT_BAD_SIDE if spot else rc.PARAMS, "side")
    order_type = _choice(
        body.get("orderType"), OrderType, rc.SPOT_BAD_ORDER_TYPE if spot else rc.PARAMS, "orderType"
    )
    qty = decimal_param(body.get("qty"), "qty")
    price = None
    if order_type is OrderType.LIMIT:
        price = decimal_param(body.get("price"), "price")
    tif = body.get("timeInForce") or "GTC"
    if tif not in TIME_IN_FORCE:
        code = rc.SPOT_BAD_TIME_IN_FORCE if spot else rc.PARAMS
        raise BybitError(code, f"timeInForce {tif!r} is invalid (use {', '.join(TIME_IN_FORCE)})")
    if order_type is OrderType.MARKET:
        tif = "IOC"
    link = body.get("orderLinkId") or ""
    if link and (not isinstance(link, str) or not LINK_ID.match(link)):
        raise params_error("orderLinkId must be 1-36 characters of A-Z a-z 0-9 _ -")
    reduce_only = body.get("reduceOnly", False)
    if not isinstance(reduce_only, bool):
        raise params_error("reduceOnly must be a JSON boolean")
    if body.get("positionIdx") not in (None, 0, "0"):
        raise params_error("position idx not match position mode (the emulator is one-way)")
    unit = body.get("marketUnit") or ""
    if unit not in ("", "baseCoin", "quoteCoin") or (unit and not spot):
        raise params_error(f"marketUnit {unit!r} is invalid (spot only: baseCoin or quoteCoin)")
    trigger, direction = _trigger(body, spot, order_type)
    ticket = Ticket(
        category, rules.symbol, side, order_type, qty, price, str(tif), str(link),
        reduce_only and not spot, str(unit), trigger, direction,
    )  # fmt: skip
    return ticket, rules


def _trigger(
    body: Mapping[str, object], spot: bool, order_type: OrderType
) -> tuple[Decimal | None, int]:
    """The conditional part of a create body: (trigger price, direction), or (None, 0)."""
    order_filter = body.get("orderFilter") or ""
    if order_filter and (not spot or order_filter not in ORDER_FILTERS):
        raise params_error(
            f"orderFilter {order_filter!r} is not supported by the emulator "
            "(spot: Order or StopOrder; linear: none)"
        )
    raw = body.get("triggerPrice")
    if raw in (None, "", "0"):
        if order_filter == "StopOrder":
            raise params_error("triggerPrice is required for orderFilter StopOrder")
        return None, 0
    if order_type is not OrderType.MARKET:
        raise params_error("conditional limit orders are not supported by the emulator")
    trigger = decimal_param(raw, "triggerPrice")
    if spot:
        if order_filter != "StopOrder":
            raise params_error("a spot conditional order needs orderFilter StopOrder")
        return trigger, 0
    direction = body.get("triggerDirection")
    if direction not in (1, 2):
        raise params_error("triggerDirection must be 1 (rise) or 2 (fall) with triggerPrice")
    return trigger, int(str(direction))


def check_quantities(category: str, inst: Instrument, qty: Decimal, price: Decimal) -> None:
    """Tick, lot, minimum quantity and minimum value, in that order (price: limit or last)."""
    spot = category == "spot"
    if not inst.is_price_on_tick(price):
        code = rc.SPOT_PRICE_DECIMALS if spot else rc.PARAMS
        raise BybitError(code, f"Order price {price} is not a multiple of tick {inst.tick_size}.")
    if not inst.is_qty_on_lot(qty):
        code = rc.SPOT_QTY_DECIMALS if spot else rc.PARAMS
        raise BybitError(code, f"Order quantity {qty} is not a multiple of {inst.lot_size}.")
    if qty < inst.min_qty:
        code = rc.SPOT_QTY_TOO_LOW if spot else rc.PARAMS
        raise BybitError(code, f"Order quantity {qty} is below the lower limit {inst.min_qty}.")
    if qty * price < inst.min_notional:
        code = rc.SPOT_VALUE_TOO_LOW if spot else rc.NOTIONAL_TOO_LOW
        raise BybitError(
            code, f"Order value {qty * price} is below the minimum {inst.min_notional}{inst.quote}."
        )


def check_price_range(rules: MarketRules, price: Decimal | None) -> None:
    """A linear limit or trigger price inside [minPrice, maxPrice] of instruments-info."""
    if rules.category != "linear" or price is None:
        return
    if not rules.min_price <= price <= rules.max_price:
        raise BybitError(
            rc.PRICE_OUT_OF_RANGE,
            f"Order price {price} is out of the permissible range "
            f"[{rules.min_price}, {rules.max_price}]",
        )


def _choice(value: object, kind: type[E], code: int, name: str) -> E:
    for member in kind:
        if value == member.value:
            return member
    allowed = " or ".join(m.value for m in kind)
    raise BybitError(code, f"{name} {value!r} is invalid (use {allowed})")


def decimal_param(value: object, name: str) -> Decimal:
    """A positive number sent as a string, as Bybit requires: a JSON number is refused with
    the message Bybit gives for a mistyped field."""
    if value is None or value == "":
        raise params_error(f"{name} is missing")
    if not isinstance(value, str):
        raise params_error(TYPE_ERROR)
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise params_error(f"{name} {value!r} is not a number") from None
    if not number.is_finite() or number <= 0:
        raise params_error(f"{name} {value!r} must be a positive number")
    return number
