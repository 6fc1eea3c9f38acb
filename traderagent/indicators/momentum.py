"""RSI with Wilder's smoothing (as TA-Lib; a market that has not moved reads 50, not 0)."""

from __future__ import annotations

import math

import numpy.typing as npt

from traderagent.indicators.params import FloatArray, as_prices, check_period


def rsi(values: npt.ArrayLike, period: int) -> FloatArray:
    """Relative strength index, 0..100; NaN for the first `period` values."""
    from traderagent.indicators import kernels

    return kernels.rsi(as_prices(values), check_period("period", period))


class Rsi:
    """Incremental RSI: the first reading comes with the (period + 1)-th value."""

    __slots__ = ("_count", "_gain", "_loss", "_prev", "period", "value")

    def __init__(self, period: int) -> None:
        self.period = check_period("period", period)
        self._count = 0
        self._prev = math.nan
        self._gain = 0.0
        self._loss = 0.0
        self.value = math.nan

    @property
    def ready(self) -> bool:
        return self._count > self.period

    def update(self, x: float) -> float:
        count, period = self._count, self.period
        self._count = count + 1
        if count == 0:
            self._prev = x
            return self.value
        change = x - self._prev
        self._prev = x
        gain, loss = self._gain, self._loss
        if count > period:
            gain *= period - 1
            loss *= period - 1
        if change < 0.0:
            loss -= change
        else:
            gain += change
        if count >= period:
            gain /= period
            loss /= period
            total = gain + loss
            self.value = 100.0 * gain / total if total > 0.0 else 50.0
        self._gain, self._loss = gain, loss
        return self.value
