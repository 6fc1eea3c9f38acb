"""Exact steps of the engine's Decimal arithmetic, done in float64 inside numba.

Prices are whole ticks and quantities whole lots (int64), so the venue's sums are exact. Where
the engine divides Decimals (a DCA plan, a take-profit price), the kernel works in double-double
(a value as hi + lo, about 32 significant digits) and floors or ceils with a tolerance far below
what the engine's 28-digit Decimals can tell apart, so both land on the same tick or lot.
"""

from __future__ import annotations

import math
from decimal import Decimal

import numpy as np
from numba import njit

SPLIT = 134217729.0  # 2**27 + 1: Dekker's split of a double into two 26-bit halves
NEAR = 1e-29
"""Relative tolerance under which a double-double counts as the integer next to it."""


def dd(value: Decimal) -> tuple[float, float]:
    """A Decimal as a double-double (hi + lo)."""
    hi = float(value)
    return hi, float(value - Decimal(hi))


@njit(cache=True, inline="always")
def two_sum(a: float, b: float) -> tuple[float, float]:
    s = a + b
    v = s - a
    return s, (a - (s - v)) + (b - v)


@njit(cache=True, inline="always")
def two_prod(a: float, b: float) -> tuple[float, float]:
    p = a * b
    t = SPLIT * a
    ah = t - (t - a)
    al = a - ah
    t = SPLIT * b
    bh = t - (t - b)
    bl = b - bh
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


@njit(cache=True)
def dd_mul(hi: float, lo: float, x: float) -> tuple[float, float]:
    """(hi + lo) * x for an exact double x (an integer count of ticks or lots)."""
    p, e = two_prod(hi, x)
    return two_sum(p, e + lo * x)


@njit(cache=True)
def dd_mul_dd(ah: float, al: float, bh: float, bl: float) -> tuple[float, float]:
    p, e = two_prod(ah, bh)
    return two_sum(p, e + ah * bl + al * bh)


@njit(cache=True)
def dd_div(hi: float, lo: float, x: float) -> tuple[float, float]:
    """(hi + lo) / x."""
    q = hi / x
    p, e = two_prod(q, x)
    r = ((hi - p) - e + lo) / x
    return two_sum(q, r)


@njit(cache=True)
def dd_add(ah: float, al: float, bh: float, bl: float) -> tuple[float, float]:
    s, e = two_sum(ah, bh)
    return two_sum(s, e + al + bl)


@njit(cache=True)
def floor_dd(hi: float, lo: float) -> int:
    """floor(hi + lo); a value a hair below an integer (as Decimal rounds it) counts as it."""
    k = math.floor(hi)
    if hi == k and lo < -NEAR * max(abs(hi), 1.0):
        k -= 1
    return int(k)


@njit(cache=True)
def ceil_dd(hi: float, lo: float) -> int:
    """ceil(hi + lo); a value a hair above an integer counts as it."""
    k = math.ceil(hi)
    if hi == k and lo > NEAR * max(abs(hi), 1.0):
        k += 1
    return int(k)


@njit(cache=True, inline="always")
def price_of(ticks: int, tick_num: float, tick_den: float) -> float:
    """The float a Decimal price of `ticks` ticks converts to (correctly rounded)."""
    return (ticks * tick_num) / tick_den


@njit(cache=True)
def ticks_of(price: float, tick_num: float, tick_den: float) -> int:
    """`Instrument.market_price(price)` in ticks: Decimal(repr(price)) on the tick, half-even
    (how the engine reads every candle price)."""
    y = price * tick_den / tick_num
    r = np.rint(y)
    if (r * tick_num) / tick_den == price:
        return int(r)
    # off the grid: compare with the float of the exact half-way decimal, k + 1/2 ticks (the
    # price's shortest decimal is that decimal, a tie, only when the price is that float)
    k = math.floor(y)
    half = ((2 * k + 1) * tick_num) / (2 * tick_den)
    if price > half:
        return int(k + 1)
    if price < half:
        return int(k)
    return int(k + (k % 2))  # a decimal tie: half-even


@njit(cache=True, inline="always")
def on_tick(price: float, tick_num: float, tick_den: float) -> float:
    """`float(Instrument.market_price(price))`: the price's float on the tick."""
    return price_of(ticks_of(price, tick_num, tick_den), tick_num, tick_den)
