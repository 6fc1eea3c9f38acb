"""A fast run's per-candle figures in numba, bit for bit as `backtest.equity` and
`backtest.metrics` compute them with numpy.

`equity_values` is `equity_curve`'s `cash + held x close` after each candle's fills;
`curve_figures` the drawdown and the per-candle returns' mean and deviations, with numpy's
own summation order (`pairwise_sum`: numpy adds float64 arrays pairwise, in blocks of 128
with eight partial sums), so the Sharpe and Sortino ratios are numpy's to the last bit.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

BLOCK = 128  # numpy's PW_BLOCKSIZE


@njit(cache=True)
def block_sum(a, first, n):  # type: ignore[no-untyped-def]
    """numpy's sum of a block of at most `BLOCK` values: eight partial sums, then the rest."""
    if n < 8:
        total = 0.0
        for i in range(first, first + n):
            total += a[i]
        return total
    r0, r1, r2, r3 = a[first], a[first + 1], a[first + 2], a[first + 3]
    r4, r5, r6, r7 = a[first + 4], a[first + 5], a[first + 6], a[first + 7]
    i = 8
    end = n - n % 8
    while i < end:
        j = first + i
        r0 += a[j]
        r1 += a[j + 1]
        r2 += a[j + 2]
        r3 += a[j + 3]
        r4 += a[j + 4]
        r5 += a[j + 5]
        r6 += a[j + 6]
        r7 += a[j + 7]
        i += 8
    total = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        total += a[first + i]
        i += 1
    return total


@njit(cache=True)
def pairwise_sum(a, first, n):  # type: ignore[no-untyped-def]
    """numpy's pairwise sum of a[first:first + n]: a block is summed by `block_sum`, a longer
    run as the sum of its halves (the first rounded down to a multiple of 8). Iterative, with
    its own stack: numba's cache cannot hold a recursive function safely."""
    starts = np.empty(192, np.int64)
    sizes = np.empty(192, np.int64)
    joins = np.empty(192, np.bool_)
    sums = np.empty(96, np.float64)
    top, held = 1, 0
    starts[0], sizes[0], joins[0] = first, n, False
    while top > 0:
        top -= 1
        if joins[top]:  # both halves are summed: right on top of left
            held -= 1
            sums[held - 1] = sums[held - 1] + sums[held]
            continue
        start, size = starts[top], sizes[top]
        if size <= BLOCK:
            sums[held] = block_sum(a, start, size)
            held += 1
            continue
        half = size // 2
        half -= half % 8
        starts[top], sizes[top], joins[top] = start, size, True
        starts[top + 1], sizes[top + 1], joins[top + 1] = start + half, size - half, False
        starts[top + 2], sizes[top + 2], joins[top + 2] = start, half, False
        top += 3
    return sums[0]


@njit(cache=True)
def numpy_sum(a):  # type: ignore[no-untyped-def]
    """`a.sum()` as numpy computes it for a contiguous float64 array."""
    return pairwise_sum(a, 0, a.shape[0])


@njit(cache=True)
def equity_values(cash, held, fill_candles, closes):  # type: ignore[no-untyped-def]
    """Equity after each candle: the cash and base after the fills made up to its step
    (`cash[k]`, `held[k]`: after k fills) valued at its close."""
    n = closes.shape[0]
    out = np.empty(n, np.float64)
    made, count = 0, fill_candles.shape[0]
    for i in range(n):
        while made < count and fill_candles[made] <= i:
            made += 1
        out[i] = cash[made] + held[made] * closes[i]
    return out


@njit(cache=True)
def curve_figures(start, values):  # type: ignore[no-untyped-def]
    """(max drawdown %, mean return, sample deviation or NaN, downside deviation or NaN,
    returns) of the curve [start, values...], as `backtest.metrics` computes them."""
    n = values.shape[0]
    returns = np.empty(n, np.float64)
    before = start
    peak, worst = start, 0.0
    for i in range(n):
        after = values[i]
        returns[i] = after / before - 1.0 if before != 0.0 else 0.0
        before = after
    # drawdown: running peak (the start first), falls where the peak is positive
    for i in range(-1, n):
        value = start if i < 0 else values[i]
        if value > peak:
            peak = value
        if peak > 0.0:
            fall = (peak - value) / peak
            if fall > worst:
                worst = fall
    if n == 0:
        return worst * 100.0, 0.0, math.nan, math.nan, 0
    mean = numpy_sum(returns) / n
    deviation, downside = math.nan, math.nan
    if n >= 2:
        squares = np.empty(n, np.float64)
        negatives = np.empty(n, np.float64)
        for i in range(n):
            x = returns[i] - mean
            squares[i] = x * x
            low = min(returns[i], 0.0)
            negatives[i] = low * low
        deviation = math.sqrt(numpy_sum(squares) / (n - 1))
        downside = math.sqrt(numpy_sum(negatives) / n)
    return worst * 100.0, mean, deviation, downside, n
