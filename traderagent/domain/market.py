"""Market data and instrument value types."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal

from traderagent.domain.enums import Side

MINUTE_MS = 60_000


@dataclass(frozen=True, slots=True)
class Candle:
    """One OHLCV bar. Prices are float64 market data; `ts` is the open time in epoch ms (UTC)."""

    symbol: str
    ts: int
    open: float
    high: float
    low: float
    close: float
    volume: float
    interval_ms: int = MINUTE_MS

    @property
    def close_time(self) -> int:
        return self.ts + self.interval_ms


@dataclass(frozen=True, slots=True)
class Instrument:
    """Trading rules of one symbol: every price and quantity sent anywhere is quantised by these."""

    symbol: str
    base: str
    quote: str
    tick_size: Decimal
    lot_size: Decimal
    min_qty: Decimal
    min_notional: Decimal

    def round_price(self, price: Decimal, side: Side | None = None) -> Decimal:
        """Quantise to the tick: buys round down, sells round up (never more aggressive)."""
        if side is Side.BUY:
            rounding = ROUND_FLOOR
        elif side is Side.SELL:
            rounding = ROUND_CEILING
        else:
            rounding = ROUND_HALF_EVEN
        return _to_step(price, self.tick_size, rounding)

    def floor_qty(self, qty: Decimal) -> Decimal:
        """Quantise a quantity down to the lot step (never more than asked for)."""
        return _to_step(qty, self.lot_size, ROUND_FLOOR)

    def is_price_on_tick(self, price: Decimal) -> bool:
        return price % self.tick_size == 0

    def is_qty_on_lot(self, qty: Decimal) -> bool:
        return qty % self.lot_size == 0

    def check_order(self, price: Decimal, qty: Decimal) -> str | None:
        """The reason an exchange would reject this price/qty, or None if it is acceptable."""
        if qty <= 0:
            return f"quantity {qty} must be positive"
        if price <= 0:
            return f"price {price} must be positive"
        if not self.is_price_on_tick(price):
            return f"price {price} is not a multiple of tick size {self.tick_size}"
        if not self.is_qty_on_lot(qty):
            return f"quantity {qty} is not a multiple of lot size {self.lot_size}"
        if qty < self.min_qty:
            return f"quantity {qty} is below the minimum {self.min_qty}"
        if price * qty < self.min_notional:
            return f"notional {price * qty} is below the minimum {self.min_notional} {self.quote}"
        return None


def _to_step(value: Decimal, step: Decimal, rounding: str) -> Decimal:
    units = (value / step).to_integral_value(rounding=rounding)
    return (units * step).quantize(step)
