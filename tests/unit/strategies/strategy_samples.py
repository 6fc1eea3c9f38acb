"""Hand-built contexts, candles and fills for the strategy tests."""

from __future__ import annotations

from decimal import Decimal

from kit.factories import BTCUSDT

from strategies.base import StrategyContext
from traderagent.domain import (
    MINUTE_MS,
    ZERO,
    Candle,
    Fill,
    Liquidity,
    Order,
    OrderStatus,
    PlaceOrder,
    Side,
)

D = Decimal
T0 = 1_677_628_800_000  # 2023-03-01 00:00 UTC


def ctx(
    price: str | Decimal,
    live: frozenset[str] | set[str] = frozenset(),
    position: str | Decimal = "0",
    avg: str | Decimal | None = None,
    equity: str | Decimal = "0",
    budget: str | Decimal | None = None,
    ts: int = T0,
    fee_reserve: str | Decimal = "0",
) -> StrategyContext:
    return StrategyContext(
        BTCUSDT,
        D(price),
        ts,
        frozenset(live),
        D(position),
        None if avg is None else D(avg),
        D(equity),
        None if budget is None else D(budget),
        fee_reserve=D(fee_reserve),
    )


def candle(
    minute: int, o: float, h: float, lo: float, c: float, interval_ms: int = MINUTE_MS
) -> Candle:
    return Candle("BTCUSDT", T0 + minute * MINUTE_MS, o, h, lo, c, 1.0, interval_ms)


def flat(minute: int, price: float) -> Candle:
    return candle(minute, price, price, price, price)


def fill(
    order: PlaceOrder,
    qty: Decimal | None = None,
    price: Decimal | None = None,
    filled_before: Decimal = ZERO,
    fee_rate: Decimal = ZERO,
) -> tuple[Fill, Order]:
    """A fill of `qty` (default: all that is left) and the order's state after it; with a
    `fee_rate`, charged as Bybit spot charges it (a buy in BTC, a sell in USDT)."""
    qty = order.qty - filled_before if qty is None else qty
    at = price if price is not None else (order.price or D(22500))
    done = filled_before + qty
    status = OrderStatus.FILLED if done >= order.qty else OrderStatus.PARTIALLY_FILLED
    buy = order.side is Side.BUY
    fee = qty * fee_rate if buy else qty * at * fee_rate
    f = Fill(
        "f", "c", "BTCUSDT", order.side, at, qty, fee, "BTC" if buy and fee_rate else "USDT",
        Liquidity.MAKER, 0, tag=order.tag,
    )  # fmt: skip
    state = Order(
        "c",
        "BTCUSDT",
        order.side,
        order.type,
        order.qty,
        order.price,
        status,
        0,
        0,
        filled_qty=done,
        avg_fill_price=at,
        tag=order.tag,
    )
    return f, state


def places(intents: list[object]) -> list[PlaceOrder]:
    return [i for i in intents if isinstance(i, PlaceOrder)]
