"""Moving averages: EMA (seeded with the SMA of the first `period` values, as TA-Lib) and SMA."""

from __future__ import annotations

import math

import numpy.typing as npt

from traderagent.indicators.params import FloatArray, as_prices, check_period

NAN = math.nan


def ema(values: npt.ArrayLike, period: int) -> FloatArray:
    """Exponential moving average, alpha = 2 / (period + 1); NaN for the first period - 1 values."""
    from traderagent.indicators import kernels

    return kernels.ema(as_prices(values), check_period("period", period))


def sma(values: npt.ArrayLike, period: int) -> FloatArray:
    """Simple moving average over `period` values; NaN for the first period - 1 values."""
    from traderagent.indicators import kernels

    return kernels.sma(as_prices(values), check_period("period", period))


class Ema:
    """Incremental EMA: `update(x)` returns the EMA including x (NaN until `period` values)."""

    __slots__ = ("_alpha", "_count", "_keep", "_total", "period", "value")

    def __init__(self, period: int) -> None:
        self.period = check_period("period", period)
        self._alpha = 2.0 / (self.period + 1)
        self._keep = 1.0 - self._alpha
        self._count = 0
        self._total = 0.0
        self.value = NAN

    @property
    def ready(self) -> bool:
        return self._count >= self.period

    def update(self, x: float) -> float:
        if self._count >= self.period:
            self.value = self.value * self._keep + x * self._alpha
            return self.value
        self._count += 1
        self._total += x
        if self._count == self.period:
            self.value = self._total / self.period
        return self.value


class Sma:
    """Incremental SMA over the last `period` values (NaN until there are `period` of them)."""

    __slots__ = ("_count", "_total", "_window", "period", "value")

    def __init__(self, period: int) -> None:
        self.period = check_period("period", period)
        self._window = [0.0] * self.period
        self._count = 0
        self._total = 0.0
        self.value = NAN

    @property
    def ready(self) -> bool:
        return self._count >= self.period

    def update(self, x: float) -> float:
        slot = self._count % self.period
        self._total += x
        if self._count >= self.period:
            self._total -= self._window[slot]
        self._window[slot] = x
        self._count += 1
        if self._count >= self.period:
            self.value = self._total / self.period
        return self.value
