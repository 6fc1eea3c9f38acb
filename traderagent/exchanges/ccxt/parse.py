"""ccxt's unified structures (markets, orders, trades, balances) as domain values.

ccxt hands numbers over as floats; each becomes a Decimal through its shortest repr (the
number the exchange sent, as ccxt parsed it from a decimal string), never through binary
arithmetic. A symbol is the base and quote coins joined (`BTCUSDT`), on every exchange.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from traderagent.domain import (
    Balance,
    Candle,
    Fill,
    Instrument,
    Liquidity,
    Order,
    OrderStatus,
    OrderType,
    Side,
)
from traderagent.exchanges.ports import ExchangeError

Item = Mapping[str, Any]

TICK_SIZE, DECIMAL_PLACES = 4, 2
"""ccxt's `precisionMode` values for a step (`0.01`) and for a number of places (`2`)."""

_STATUS = {
    "open": OrderStatus.NEW,
    "closed": OrderStatus.FILLED,
    "canceled": OrderStatus.CANCELLED,
    "cancelled": OrderStatus.CANCELLED,
    "expired": OrderStatus.CANCELLED,
    "rejected": OrderStatus.REJECTED,
}


def dec(value: Any, default: Decimal | None = None) -> Decimal:
    """A ccxt number as an exact Decimal (a float through its shortest repr)."""
    if value is None or value == "":
        if default is None:
            raise ExchangeError("the exchange left out a number it must send")
        return default
    try:
        return Decimal(repr(value) if isinstance(value, float) else str(value))
    except InvalidOperation:
        raise ExchangeError(f"the exchange sent {value!r} for a number") from None


def symbol_of(market: Item) -> str:
    """Our name of a ccxt market: its base and quote coins joined (`BTC/USDT` -> `BTCUSDT`)."""
    return f"{market['base']}{market['quote']}"


def step(value: Any, precision_mode: int) -> Decimal:
    """A market's price or amount precision as a step size."""
    if value is None:
        raise ExchangeError("the market has no precision")
    if precision_mode == TICK_SIZE:
        return dec(value)
    if precision_mode == DECIMAL_PLACES:
        return Decimal(1).scaleb(-int(value))
    raise ExchangeError("the exchange states precision in significant digits (not supported)")


def parse_instrument(market: Item, precision_mode: int) -> Instrument:
    """Tick, lot and minimums from a ccxt market (for a swap: per contract of `contractSize`)."""
    precision, limits = market.get("precision") or {}, market.get("limits") or {}
    tick = step(precision.get("price"), precision_mode)
    lot = step(precision.get("amount"), precision_mode)
    min_qty = dec((limits.get("amount") or {}).get("min"), lot)
    return Instrument(
        symbol=symbol_of(market),
        base=str(market["base"]),
        quote=str(market["quote"]),
        tick_size=tick,
        lot_size=lot,
        min_qty=max(min_qty, lot),
        min_notional=dec((limits.get("cost") or {}).get("min"), Decimal(0)),
    )


def order_type(raw: Any) -> OrderType:
    return OrderType.MARKET if str(raw).lower() == "market" else OrderType.LIMIT


def order_status(item: Item) -> OrderStatus:
    status = _STATUS.get(str(item.get("status")).lower())
    if status is None:
        raise ExchangeError(f"order {item.get('id')}: unknown status {item.get('status')!r}")
    filled = dec(item.get("filled"), Decimal(0))
    if status is OrderStatus.NEW and filled > 0:
        return OrderStatus.PARTIALLY_FILLED
    if status is OrderStatus.CANCELLED and filled > 0:
        whole = filled >= dec(item.get("amount"), filled)
        return OrderStatus.FILLED if whole else OrderStatus.PARTIALLY_FILLED_CANCELLED
    return status


def parse_order(
    item: Item, symbol: str, client_order_id: str, bot: str = "", tag: str = ""
) -> Order:
    """A ccxt order as the domain's; `client_order_id` is ours (the wire id may differ)."""
    created = int(item.get("timestamp") or 0)
    updated = int(item.get("lastUpdateTimestamp") or item.get("lastTradeTimestamp") or created)
    average = item.get("average")
    price = item.get("price")
    kind = order_type(item.get("type"))
    trigger = item.get("triggerPrice") or item.get("stopPrice")
    if trigger and kind is OrderType.MARKET:  # a stop: its price is the trigger
        kind, price = OrderType.STOP_MARKET, trigger
    return Order(
        client_order_id=client_order_id,
        symbol=symbol,
        side=Side.BUY if str(item.get("side")).lower() == "buy" else Side.SELL,
        type=kind,
        qty=dec(item.get("amount")),
        price=dec(price) if price else None,
        status=order_status(item),
        created_ms=created,
        updated_ms=max(updated, created),
        filled_qty=dec(item.get("filled"), Decimal(0)),
        avg_fill_price=dec(average) if average else None,
        exchange_order_id=str(item.get("id") or ""),
        bot=bot,
        tag=tag,
    )


def parse_fill(
    item: Item, symbol: str, client_order_id: str, fee_asset: str, bot: str = "", tag: str = ""
) -> Fill:
    """A ccxt trade of this account; `fee_asset` when the trade does not name its fee coin."""
    fee = item.get("fee") or {}
    return Fill(
        fill_id=str(item["id"]),
        client_order_id=client_order_id,
        symbol=symbol,
        side=Side.BUY if str(item.get("side")).lower() == "buy" else Side.SELL,
        price=dec(item.get("price")),
        qty=dec(item.get("amount")),
        fee=abs(dec(fee.get("cost"), Decimal(0))),
        fee_asset=str(fee.get("currency") or fee_asset),
        liquidity=Liquidity.MAKER if item.get("takerOrMaker") == "maker" else Liquidity.TAKER,
        ts=int(item.get("timestamp") or 0),
        bot=bot,
        tag=tag,
    )


def parse_balances(item: Item) -> dict[str, Balance]:
    """ccxt's `fetch_balance` as free and locked per coin (coins holding nothing left out)."""
    free, used = item.get("free") or {}, item.get("used") or {}
    balances = {}
    for coin in sorted(set(free) | set(used)):
        balance = Balance(coin, dec(free.get(coin), Decimal(0)), dec(used.get(coin), Decimal(0)))
        if balance.total:
            balances[coin] = balance
    return balances


def parse_ohlcv(symbol: str, row: list[Any], interval_ms: int) -> Candle:
    ts, open_, high, low, close, volume = row[:6]
    return Candle(
        symbol,
        int(ts),
        float(open_),
        float(high),
        float(low),
        float(close),
        float(volume or 0),
        interval_ms,
    )
