"""Volatility: ATR with Wilder's smoothing, and Bollinger bands (population standard deviation)."""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy.typing as npt

from traderagent.indicators.params import (
    FloatArray,
    as_bars,
    as_prices,
    check_multiplier,
    check_period,
)

NAN = math.nan


class Bands(NamedTuple):
    """Bollinger bands as arrays aligned to the input."""

    middle: FloatArray
    upper: FloatArray
    lower: FloatArray


class Band(NamedTuple):
    """Bollinger bands at one bar."""

    middle: float
    upper: float
    lower: float


def true_range(high: float, low: float, prev_close: float) -> float:
    """The bar's range, stretched to include the previous close."""
    return max(high - low, abs(high - prev_close), abs(low - prev_close))


def atr(high: npt.ArrayLike, low: npt.ArrayLike, close: npt.ArrayLike, period: int) -> FloatArray:
    """Average true range (Wilder); NaN for the first `period` bars (bar 0 has no true range)."""
    from traderagent.indicators import kernels

    h, lo, c = as_bars(high, low, close)
    return kernels.atr(h, lo, c, check_period("period", period))


def bollinger(values: npt.ArrayLike, period: int, k: float) -> Bands:
    """SMA(period) +- k population standard deviations; NaN for the first period - 1 values."""
    from traderagent.indicators import kernels

    mean, std = kernels.rolling_mean_std(as_prices(values), check_period("period", period))
    width = check_multiplier("k", k) * std
    return Bands(mean, mean + width, mean - width)


class Atr:
    """Incremental ATR: `update(high, low, close)`; the first reading comes with bar period + 1."""

    __slots__ = ("_count", "_prev_close", "_total", "period", "value")

    def __init__(self, period: int) -> None:
        self.period = check_period("period", period)
        self._count = 0
        self._prev_close = NAN
        self._total = 0.0
        self.value = NAN

    @property
    def ready(self) -> bool:
        return self._count > self.period

    def update(self, high: float, low: float, close: float) -> float:
        count, period = self._count, self.period
        self._count = count + 1
        prev, self._prev_close = self._prev_close, close
        if count == 0:
            return self.value
        tr = max(high - low, abs(high - prev), abs(low - prev))
        if count > period:
            self.value = (self.value * (period - 1) + tr) / period
        else:
            self._total += tr
            if count == period:
                self.value = self._total / period
        return self.value


class Bollinger:
    """Incremental Bollinger bands over the last `period` values: Welford's add-and-drop update,
    re-anchored on an exact two-pass sum every `period` values."""

    __slots__ = ("_count", "_m2", "_mean", "_window", "k", "period", "value")

    def __init__(self, period: int, k: float) -> None:
        self.period = check_period("period", period)
        self.k = check_multiplier("k", k)
        self._window = [0.0] * self.period
        self._count = 0
        self._mean = 0.0
        self._m2 = 0.0
        self.value = Band(NAN, NAN, NAN)

    @property
    def ready(self) -> bool:
        return self._count >= self.period

    def update(self, x: float) -> Band:
        count, period = self._count, self.period
        slot = count % period
        mean = self._mean
        if count < period:
            delta = x - mean
            mean += delta / (count + 1)
            self._m2 += delta * (x - mean)
        else:
            old = self._window[slot]
            new_mean = mean + (x - old) / period
            self._m2 += (x - old) * (x - new_mean + old - mean)
            mean = new_mean
        self._window[slot] = x
        self._count = count + 1
        if slot == period - 1:  # the window is in time order: re-anchor on an exact two-pass sum
            mean = self._reanchor()
        self._mean = mean
        if count + 1 >= period:
            width = self.k * math.sqrt(max(self._m2, 0.0) / period)
            self.value = Band(mean, mean + width, mean - width)
        return self.value

    def _reanchor(self) -> float:
        total = 0.0
        for value in self._window:
            total += value
        mean = total / self.period
        m2 = 0.0
        for value in self._window:
            m2 += (value - mean) * (value - mean)
        self._m2 = m2
        return mean
