"""Market data and instrument value types."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_EVEN, Decimal

from traderagent.domain.enums import Side
from traderagent.domain.values import quick_init

MINUTE_MS = 60_000


@quick_init
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


@quick_init
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

    def market_price(self, price: float) -> Decimal:
        """A price read from market data (a float candle field) as an exact Decimal on the
        tick, half-even: how every venue, strategy and kernel reads a candle, so float noise
        (a close 1 ulp off the tick) never decides anything."""
        return _to_step(Decimal(repr(price)), self.tick_size, ROUND_HALF_EVEN)

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
        if price % self.tick_size != 0:  # is_price_on_tick, inlined: read at every order
            return f"price {price} is not a multiple of tick size {self.tick_size}"
        if qty % self.lot_size != 0:
            return f"quantity {qty} is not a multiple of lot size {self.lot_size}"
        if qty < self.min_qty:
            return f"quantity {qty} is below the minimum {self.min_qty}"
        if price * qty < self.min_notional:
            return f"notional {price * qty} is below the minimum {self.min_notional} {self.quote}"
        return None


def _to_step(value: Decimal, step: Decimal, rounding: str) -> Decimal:
    known = _POWERS_OF_TEN.get(id(step))
    if known is None or known[0] is not step:
        known = _learn_step(step)
    if known[1] and +value == value:
        # a step of 10^k (0.01, 1E-6) and a value within the context's precision: dividing,
        # rounding to a whole number of steps and scaling back is one `quantize`
        return value.quantize(step, rounding)
    units = (value / step).to_integral_value(rounding=rounding)
    return (units * step).quantize(step)


_POWERS_OF_TEN: dict[int, tuple[Decimal, bool]] = {}
"""Whether a step is 10^k, by the step object (an instrument's steps are read at every order;
keyed by identity: 0.01 and 0.010 are equal but only the first is a power of ten)."""


def _learn_step(step: Decimal) -> tuple[Decimal, bool]:
    """Remember whether `step` is a power of ten."""
    if len(_POWERS_OF_TEN) > 64:
        _POWERS_OF_TEN.clear()
    known = _POWERS_OF_TEN[id(step)] = (step, step.is_finite() and step.as_tuple().digits == (1,))
    return known
