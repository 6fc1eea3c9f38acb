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


PLAIN, SQUARED_FROM, NEGATIVE_SQUARED = 0, 1, 2
"""What a sum adds of each value x: x, (x - centre)^2 or min(x, 0)^2 (numpy would add the
elements of an array holding those; the values are the same, so is the sum)."""


@njit(cache=True, inline="always")
def term(x, mode, centre):  # type: ignore[no-untyped-def]
    if mode == SQUARED_FROM:
        d = x - centre
        return d * d
    if mode == NEGATIVE_SQUARED:
        low = min(x, 0.0)
        return low * low
    return x


@njit(cache=True)
def block_sum(a, first, n, mode, centre):  # type: ignore[no-untyped-def]
    """numpy's sum of a block of at most `BLOCK` terms: eight partial sums, then the rest."""
    if n < 8:
        total = 0.0
        for i in range(first, first + n):
            total += term(a[i], mode, centre)
        return total
    r0, r1 = term(a[first], mode, centre), term(a[first + 1], mode, centre)
    r2, r3 = term(a[first + 2], mode, centre), term(a[first + 3], mode, centre)
    r4, r5 = term(a[first + 4], mode, centre), term(a[first + 5], mode, centre)
    r6, r7 = term(a[first + 6], mode, centre), term(a[first + 7], mode, centre)
    i = 8
    end = n - n % 8
    while i < end:
        j = first + i
        r0 += term(a[j], mode, centre)
        r1 += term(a[j + 1], mode, centre)
        r2 += term(a[j + 2], mode, centre)
        r3 += term(a[j + 3], mode, centre)
        r4 += term(a[j + 4], mode, centre)
        r5 += term(a[j + 5], mode, centre)
        r6 += term(a[j + 6], mode, centre)
        r7 += term(a[j + 7], mode, centre)
        i += 8
    total = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    while i < n:
        total += term(a[first + i], mode, centre)
        i += 1
    return total


@njit(cache=True)
def pairwise_sum(a, first, n, mode, centre):  # type: ignore[no-untyped-def]
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
            sums[held] = block_sum(a, start, size, mode, centre)
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
    return pairwise_sum(a, 0, a.shape[0], PLAIN, 0.0)


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
    for i in range(n):  # the returns, and the drawdown from the running peak (start first)
        after = values[i]
        returns[i] = after / before - 1.0 if before != 0.0 else 0.0
        before = after
        if after > peak:
            peak = after
        elif peak > 0.0:
            fall = (peak - after) / peak
            if fall > worst:
                worst = fall
    if n == 0:
        return worst * 100.0, 0.0, math.nan, math.nan, 0
    mean = numpy_sum(returns) / n
    deviation, downside = math.nan, math.nan
    if n >= 2:
        squares = pairwise_sum(returns, 0, n, SQUARED_FROM, mean)
        negatives = pairwise_sum(returns, 0, n, NEGATIVE_SQUARED, 0.0)
        deviation = math.sqrt(squares / (n - 1))
        downside = math.sqrt(negatives / n)
    return worst * 100.0, mean, deviation, downside, n
