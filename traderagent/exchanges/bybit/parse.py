"""V5 JSON items to domain values: orders, executions, candles, instruments, balances.

Bybit sends numbers as strings; money becomes `Decimal` exactly as sent, candle prices become
float64 market data. Statuses map onto the six the engine knows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from traderagent.domain import (
    ZERO,
    Balance,
    Candle,
    Fill,
    FundingFee,
    Instrument,
    Liquidity,
    Order,
    OrderStatus,
    OrderType,
    Position,
    Side,
)
from traderagent.exchanges.bybit.errors import ProtocolError

Item = Mapping[str, Any]

ORDER_STATUSES: dict[str, OrderStatus] = {
    "Created": OrderStatus.NEW,
    "New": OrderStatus.NEW,
    "Untriggered": OrderStatus.NEW,
    "Triggered": OrderStatus.NEW,
    "Active": OrderStatus.NEW,
    "PartiallyFilled": OrderStatus.PARTIALLY_FILLED,
    "Filled": OrderStatus.FILLED,
    "Cancelled": OrderStatus.CANCELLED,
    "PartiallyFilledCanceled": OrderStatus.PARTIALLY_FILLED_CANCELLED,
    "Deactivated": OrderStatus.CANCELLED,
    "Rejected": OrderStatus.REJECTED,
}
INTERVALS: dict[int, str] = {
    60_000 * m: str(m) for m in (1, 3, 5, 15, 30, 60, 120, 240, 360, 720)
} | {86_400_000: "D", 604_800_000: "W"}


def dec(value: Any) -> Decimal:
    """A V5 number string as a Decimal; empty means zero."""
    if value.__class__ is str and value:  # the wire's form (most calls): no str() of a str
        try:
            return Decimal(value)
        except InvalidOperation as exc:
            raise ProtocolError(f"not a number: {value!r}") from exc
    if value in (None, ""):
        return ZERO
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise ProtocolError(f"not a number: {value!r}") from exc


_SIDES = {member.value: member for member in Side}
_TYPES = {member.value: member for member in OrderType}


def _side(raw: Any) -> Side:
    """`Side(raw)` through a dict first (an Enum call costs a microsecond per item)."""
    try:
        return _SIDES[raw]
    except (KeyError, TypeError):
        return Side(raw)  # ValueError, as the call itself


def _order_type(raw: Any) -> OrderType:
    try:
        return _TYPES[raw]
    except (KeyError, TypeError):
        return OrderType(raw)


def interval_code(interval_ms: int) -> str:
    """The V5 `interval` of a candle length in ms (`60000` -> `"1"`)."""
    try:
        return INTERVALS[interval_ms]
    except KeyError:
        known = ", ".join(f"{ms // 60_000}m" for ms in INTERVALS)
        raise ValueError(f"Bybit has no {interval_ms} ms candles (it has {known})") from None


def order_status(raw: str) -> OrderStatus:
    try:
        return ORDER_STATUSES[raw]
    except KeyError:
        raise ProtocolError(f"unknown orderStatus {raw!r}") from None


def parse_order(item: Item, bot: str = "", tag: str = "") -> Order:
    """An order object (REST realtime/history or the WS `order` topic). `qty` is always in the
    base coin, also for a spot market buy sized in the quote coin (see `base_qty`)."""
    order_type = _order_type(item["orderType"])
    price = dec(item.get("price"))
    trigger = dec(item.get("triggerPrice"))
    if order_type is OrderType.MARKET and trigger > 0:  # a conditional market order: a stop
        order_type, price = OrderType.STOP_MARKET, trigger
    avg = dec(item.get("avgPrice"))
    reason = str(item.get("rejectReason") or "")
    return Order(
        client_order_id=str(item.get("orderLinkId") or item["orderId"]),
        symbol=str(item["symbol"]),
        side=_side(item["side"]),
        type=order_type,
        qty=base_qty(item),
        price=price if order_type is not OrderType.MARKET and price else None,
        status=order_status(str(item["orderStatus"])),
        created_ms=int(item.get("createdTime") or 0),
        updated_ms=int(item.get("updatedTime") or item.get("createdTime") or 0),
        filled_qty=dec(item.get("cumExecQty")),
        avg_fill_price=avg if avg else None,
        exchange_order_id=str(item.get("orderId") or ""),
        reject_reason="" if reason in ("", "EC_NoError") else reason,
        bot=bot,
        tag=tag,
    )


def base_qty(item: Item) -> Decimal:
    """The order quantity in the base coin. With `marketUnit: quoteCoin` (Bybit's default for a
    spot market buy that this client did not place) `qty` is a quote amount, which has no exact
    base quantity: the order's quantity is then what executed (`cumExecQty`), final once the
    order is closed. (This client sends `marketUnit: baseCoin` itself.)"""
    if item.get("marketUnit") == "quoteCoin":
        return dec(item.get("cumExecQty"))
    return dec(item["qty"])


def parse_fill(item: Item, fee_asset: str, bot: str = "", tag: str = "") -> Fill:
    """An execution (REST execution/list or the WS `execution` topic). `fee_asset` is used
    when the item does not name its `feeCurrency`."""
    maker = item.get("isMaker")
    is_maker = maker is True or str(maker).lower() == "true"
    return Fill(
        fill_id=str(item["execId"]),
        client_order_id=str(item.get("orderLinkId") or item["orderId"]),
        symbol=str(item["symbol"]),
        side=_side(item["side"]),
        price=dec(item["execPrice"]),
        qty=dec(item["execQty"]),
        fee=dec(item.get("execFee")),
        fee_asset=str(item.get("feeCurrency") or fee_asset),
        liquidity=Liquidity.MAKER if is_maker else Liquidity.TAKER,
        ts=int(item["execTime"]),
        bot=bot,
        tag=tag,
    )


def parse_funding(item: Item, fee_asset: str) -> FundingFee:
    """A `Funding` execution: Bybit's execFee is what the account paid (negative: received)."""
    return FundingFee(
        funding_id=str(item["execId"]),
        symbol=str(item["symbol"]),
        position_side=Side(item["side"]),
        position_qty=dec(item["execQty"]),
        rate=dec(item.get("feeRate")),
        amount=dec(item.get("execFee")),
        asset=str(item.get("feeCurrency") or fee_asset),
        ts=int(item["execTime"]),
    )


def default_fee_asset(category: str, side: Side, instrument: Instrument) -> str:
    """Where Bybit charges a fee it does not name: spot buys pay in base, the rest in quote."""
    if category == "spot" and side is Side.BUY:
        return instrument.base
    return instrument.quote


def parse_kline_row(symbol: str, row: Sequence[str], interval_ms: int) -> Candle:
    """A REST kline row `[start, open, high, low, close, volume, turnover]`."""
    start, open_, high, low, close, volume = row[:6]
    return Candle(
        symbol,
        int(start),
        float(open_),
        float(high),
        float(low),
        float(close),
        float(volume),
        interval_ms,
    )


def parse_ws_kline(symbol: str, item: Item, interval_ms: int) -> Candle:
    """A WS `kline.{interval}.{symbol}` data item."""
    row = [item[k] for k in ("start", "open", "high", "low", "close", "volume")]
    return parse_kline_row(symbol, [str(v) for v in row], interval_ms)


def parse_instrument(item: Item) -> Instrument:
    """Linear items step quantities by `qtyStep`; spot items by `basePrecision` and set the
    minimum notional by `minOrderAmt` (bybit_v5.md §3)."""
    lot = item["lotSizeFilter"]
    step = lot.get("qtyStep") or lot.get("basePrecision")
    if not step:
        raise ProtocolError(f"instrument {item.get('symbol')!r} has no qtyStep/basePrecision")
    return Instrument(
        symbol=str(item["symbol"]),
        base=str(item["baseCoin"]),
        quote=str(item["quoteCoin"]),
        tick_size=dec(item["priceFilter"]["tickSize"]),
        lot_size=dec(step),
        min_qty=dec(lot.get("minOrderQty")),
        min_notional=dec(lot.get("minNotionalValue") or lot.get("minOrderAmt")),
    )


def parse_wallet(result: Item) -> dict[str, Balance]:
    """Per-coin balances of the UNIFIED account: `locked` is what orders and positions hold
    (spot locks plus order and position margin), `free` the rest of the wallet balance."""
    balances: dict[str, Balance] = {}
    for account in result.get("list") or []:
        for coin in account.get("coin") or []:
            wallet = dec(coin.get("walletBalance"))
            held = sum(
                (dec(coin.get(k)) for k in ("locked", "totalOrderIM", "totalPositionIM")), ZERO
            )
            locked = min(max(held, ZERO), max(wallet, ZERO))
            balances[str(coin["coin"])] = Balance(str(coin["coin"]), wallet - locked, locked)
    return balances


def parse_liquidation(item: Item) -> Decimal | None:
    """A position's liquidation price (`liqPrice`); None when flat or not given ('' or 0)."""
    text = item.get("liqPrice")
    price = dec(text) if text not in (None, "") else ZERO
    return price if price > 0 else None


def parse_position(item: Item) -> Position:
    """A derivatives position: `qty` is signed (negative when short). REST calls the entry
    price `avgPrice`, the WS topic `entryPrice`."""
    size = dec(item.get("size"))
    qty = -size if item.get("side") == "Sell" else size
    entry = item.get("avgPrice") or item.get("entryPrice")
    return Position(
        symbol=str(item["symbol"]),
        qty=qty,
        avg_price=dec(entry) if qty else ZERO,
        realised_pnl=dec(item.get("cumRealisedPnl")),
    )
