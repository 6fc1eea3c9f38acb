"""Candle blocks for skipping quiet stretches: per block of `BLOCK` candles, the lowest low,
the highest high and the lowest and highest close.

A run whose book cannot cross anywhere in a block (best buy at or below its lowest low, best
sell at or above its highest high), whose stop cannot trigger there and whose equity (monotone
in the close, the base held being >= 0) stays within the drawdown's and the equity watch's
bounds at both close extremes changes nothing in the block but its equity: the kernel steps
over it. Float comparisons against the extremes are exact, so the run is the same.
"""

from __future__ import annotations

import numpy as np
from numba import njit

BLOCK = 32  # candles per block (a power of two: the kernel tests i & (BLOCK - 1))
B_LOW = 0
B_HIGH = 1
B_CMIN = 2
B_CMAX = 3
B_N = 4
B_END = 4  # `timed_blocks` only: the open time of the block's last candle, ms (exact in float64)
B_TIMED = 5


@njit(cache=True)
def candle_blocks(hi, lo, cl):  # type: ignore[no-untyped-def]
    """The (blocks, B_N) extremes of the candles, one row per block (the last may be short)."""
    n = cl.shape[0]
    bk = np.empty(((n + BLOCK - 1) // BLOCK, B_N), np.float64)
    for b in range(bk.shape[0]):
        start = b * BLOCK
        low, high, cmin, cmax = lo[start], hi[start], cl[start], cl[start]
        for i in range(start + 1, min(start + BLOCK, n)):
            low = min(low, lo[i])
            high = max(high, hi[i])
            cmin = min(cmin, cl[i])
            cmax = max(cmax, cl[i])
        bk[b, B_LOW], bk[b, B_HIGH], bk[b, B_CMIN], bk[b, B_CMAX] = low, high, cmin, cmax
    return bk


@njit(cache=True)
def with_ends(bk, ts):  # type: ignore[no-untyped-def]
    """`candle_blocks`' rows with the time of each block's last candle (B_END) added, or `bk`
    itself when it has it: a kernel testing whether a block ends before a day's end reads it
    next to the extremes, not from `ts` (a cache miss per block)."""
    if bk.shape[1] > B_END:
        return bk
    n = ts.shape[0]
    timed = np.empty((bk.shape[0], B_TIMED), np.float64)
    for b in range(bk.shape[0]):
        timed[b, :B_N] = bk[b, :B_N]
        timed[b, B_END] = ts[min((b + 1) * BLOCK, n) - 1]
    return timed


@njit(cache=True)
def timed_blocks(ts, hi, lo, cl):  # type: ignore[no-untyped-def]
    """`candle_blocks` with each block's end time (`with_ends`)."""
    return with_ends(candle_blocks(hi, lo, cl), ts)
