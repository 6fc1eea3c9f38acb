"""ADX with +DI and -DI (Wilder's directional movement, seeded as TA-Lib does).

+DM is the rise of the high and -DM the fall of the low, whichever is larger (neither on a tie);
both and the true range are Wilder-smoothed (the first period - 1 moves are summed, then
S = S - S / period + move). DI = 100 * DM / TR, DX = 100 * |+DI - -DI| / (+DI + -DI), and the
ADX is the mean of the first `period` DX values, Wilder-smoothed after that. A bar without any
directional movement has DX 0 (TA-Lib keeps the previous ADX instead; real bars never differ).
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy.typing as npt

from traderagent.indicators.params import FloatArray, as_bars, check_period

NAN = math.nan


class AdxLines(NamedTuple):
    """ADX, +DI and -DI as arrays aligned to the input."""

    adx: FloatArray
    plus_di: FloatArray
    minus_di: FloatArray


def adx(high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike, period: int) -> AdxLines:
    """ADX (NaN for the first 2 * period - 1 bars) and the DI lines (NaN for the first `period`)."""
    from traderagent.indicators import kernels

    h, lo, c = as_bars(high, low, close)
    return AdxLines(*kernels.adx(h, lo, c, check_period("period", period)))


class Adx:
    """Incremental ADX: `update(high, low, close)` returns the ADX; `plus_di`, `minus_di` too."""

    __slots__ = (
        "_count",
        "_dx_total",
        "_minus_dm",
        "_plus_dm",
        "_prev_close",
        "_prev_high",
        "_prev_low",
        "_tr",
        "minus_di",
        "period",
        "plus_di",
        "value",
    )

    def __init__(self, period: int) -> None:
        self.period = check_period("period", period)
        self._count = 0
        self._prev_high = self._prev_low = self._prev_close = NAN
        self._plus_dm = self._minus_dm = self._tr = self._dx_total = 0.0
        self.value = self.plus_di = self.minus_di = NAN

    @property
    def ready(self) -> bool:
        return self._count >= 2 * self.period

    def update(self, high: float, low: float, close: float) -> float:
        count, period = self._count, self.period
        self._count = count + 1
        up, down = high - self._prev_high, self._prev_low - low
        prev_close = self._prev_close
        self._prev_high, self._prev_low, self._prev_close = high, low, close
        if count == 0:
            return self.value
        plus = up if up > 0.0 and up > down else 0.0
        minus = down if down > 0.0 and down > up else 0.0
        tr = max(high - low, abs(high - prev_close), abs(low - prev_close))
        if count < period:
            self._plus_dm += plus
            self._minus_dm += minus
            self._tr += tr
            return self.value
        plus_dm = self._plus_dm = self._plus_dm - self._plus_dm / period + plus
        minus_dm = self._minus_dm = self._minus_dm - self._minus_dm / period + minus
        tr = self._tr = self._tr - self._tr / period + tr
        plus_di = self.plus_di = 100.0 * plus_dm / tr if tr > 0.0 else 0.0
        minus_di = self.minus_di = 100.0 * minus_dm / tr if tr > 0.0 else 0.0
        total = plus_di + minus_di
        dx = 100.0 * abs(plus_di - minus_di) / total if total > 0.0 else 0.0
        if count < 2 * period - 1:
            self._dx_total += dx
        elif count == 2 * period - 1:
            self.value = (self._dx_total + dx) / period
        else:
            self.value = (self.value * (period - 1) + dx) / period
        return self.value
