"""The numba loops behind the vectorised indicators (imported on first use: numba is slow to load).

Each loop does the same float operations, in the same order, as the matching incremental class,
so the two forms agree to rounding. Inputs are contiguous float64 arrays and checked periods.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from traderagent.indicators.params import FloatArray


@njit(cache=True)
def ema(x: FloatArray, period: int) -> FloatArray:
    out = np.empty(x.size)
    out[: period - 1] = np.nan
    if x.size < period:
        out[:] = np.nan
        return out
    total = 0.0
    for i in range(period):
        total += x[i]
    value = total / period
    out[period - 1] = value
    alpha = 2.0 / (period + 1)
    keep = 1.0 - alpha
    for i in range(period, x.size):
        value = value * keep + x[i] * alpha  # x * alpha is off the dependency chain
        out[i] = value
    return out


@njit(cache=True)
def sma(x: FloatArray, period: int) -> FloatArray:
    out = np.full(x.size, np.nan)
    total = 0.0
    for i in range(x.size):
        total += x[i]
        if i >= period:
            total -= x[i - period]
        if i >= period - 1:
            out[i] = total / period
    return out


@njit(cache=True)
def true_range(h: float, lo: float, prev_close: float) -> float:
    return max(h - lo, abs(h - prev_close), abs(lo - prev_close))


@njit(cache=True)
def atr(h: FloatArray, lo: FloatArray, c: FloatArray, period: int) -> FloatArray:
    out = np.full(c.size, np.nan)
    if c.size <= period:
        return out
    total = 0.0
    for i in range(1, period + 1):
        total += true_range(h[i], lo[i], c[i - 1])
    value = total / period
    out[period] = value
    for i in range(period + 1, c.size):
        value = (value * (period - 1) + true_range(h[i], lo[i], c[i - 1])) / period
        out[i] = value
    return out


@njit(cache=True)
def rsi_from(gain: float, loss: float) -> float:
    total = gain + loss
    return 100.0 * gain / total if total > 0.0 else 50.0


@njit(cache=True)
def rsi(x: FloatArray, period: int) -> FloatArray:
    out = np.full(x.size, np.nan)
    if x.size <= period:
        return out
    gain = 0.0
    loss = 0.0
    for i in range(1, period + 1):
        change = x[i] - x[i - 1]
        if change < 0.0:
            loss -= change
        else:
            gain += change
    gain /= period
    loss /= period
    out[period] = rsi_from(gain, loss)
    for i in range(period + 1, x.size):
        change = x[i] - x[i - 1]
        gain *= period - 1
        loss *= period - 1
        if change < 0.0:
            loss -= change
        else:
            gain += change
        gain /= period
        loss /= period
        out[i] = rsi_from(gain, loss)
    return out


@njit(cache=True)
def directional_move(up: float, down: float) -> tuple[float, float]:
    """(+DM, -DM) of one bar from the high's rise and the low's fall."""
    if up > 0.0 and up > down:
        return up, 0.0
    if down > 0.0 and down > up:
        return 0.0, down
    return 0.0, 0.0


@njit(cache=True)
def dx_from(plus_di: float, minus_di: float) -> float:
    total = plus_di + minus_di
    return 100.0 * abs(plus_di - minus_di) / total if total > 0.0 else 0.0


@njit(cache=True)
def adx(
    h: FloatArray, lo: FloatArray, c: FloatArray, period: int
) -> tuple[FloatArray, FloatArray, FloatArray]:
    n = c.size
    adx_out, plus_out, minus_out = np.full(n, np.nan), np.full(n, np.nan), np.full(n, np.nan)
    plus_dm = minus_dm = tr = dx_total = adx_value = 0.0
    for i in range(1, n):
        plus, minus = directional_move(h[i] - h[i - 1], lo[i - 1] - lo[i])
        bar_tr = true_range(h[i], lo[i], c[i - 1])
        if i < period:  # the first period - 1 moves are summed (TA-Lib's seed)
            plus_dm += plus
            minus_dm += minus
            tr += bar_tr
            continue
        plus_dm = plus_dm - plus_dm / period + plus
        minus_dm = minus_dm - minus_dm / period + minus
        tr = tr - tr / period + bar_tr
        plus_di = 100.0 * plus_dm / tr if tr > 0.0 else 0.0
        minus_di = 100.0 * minus_dm / tr if tr > 0.0 else 0.0
        plus_out[i] = plus_di
        minus_out[i] = minus_di
        dx = dx_from(plus_di, minus_di)
        if i < 2 * period - 1:
            dx_total += dx
        elif i == 2 * period - 1:
            adx_value = (dx_total + dx) / period
            adx_out[i] = adx_value
        else:
            adx_value = (adx_value * (period - 1) + dx) / period
            adx_out[i] = adx_value
    return adx_out, plus_out, minus_out


@njit(cache=True)
def rolling_mean_std(x: FloatArray, period: int) -> tuple[FloatArray, FloatArray]:
    """Mean and population standard deviation over a sliding window: Welford's add-and-drop
    update, re-anchored with an exact two-pass sum every `period` values so rounding cannot
    pile up (the same steps as the incremental Bollinger)."""
    mean_out, std_out = np.full(x.size, np.nan), np.full(x.size, np.nan)
    mean = 0.0
    m2 = 0.0
    for i in range(x.size):
        value = x[i]
        if i < period:
            delta = value - mean
            mean += delta / (i + 1)
            m2 += delta * (value - mean)
        else:
            old = x[i - period]
            new_mean = mean + (value - old) / period
            m2 += (value - old) * (value - new_mean + old - mean)
            mean = new_mean
        if (i + 1) % period == 0:
            total = 0.0
            for j in range(i + 1 - period, i + 1):
                total += x[j]
            mean = total / period
            m2 = 0.0
            for j in range(i + 1 - period, i + 1):
                m2 += (x[j] - mean) * (x[j] - mean)
        if i >= period - 1:
            mean_out[i] = mean
            std_out[i] = math.sqrt(max(m2, 0.0) / period)
    return mean_out, std_out
