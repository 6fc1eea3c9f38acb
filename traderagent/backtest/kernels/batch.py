"""Many grid or DCA runs in one call, parallel over runs (numba `prange`), float64 metrics only.

`traderagent optimize` evaluates its trials here: each run is the kernel `run_fast` would
call with the same arrays (`grid_run` / `dca_run`, the same fills), without the equity curve
and with the fills kept only long enough to reduce them. Each run's row is the kernel's
`layout.METRIC_NAMES` followed by `BATCH_EXTRA`: the round trips read from its fills as
`backtest.trades.round_trips` reads them (in float64), and, when `stats` is set, the
per-candle returns' mean, deviations and the curve's drawdown as `backtest.metrics` computes
them. A run whose fills overflow the record gets `X_TRIPS_OK` 0 (its round trips unknown).

The figures are float64 estimates of the exact `Metrics`: good for ranking trials, not for
reporting money; the caller recomputes exactly the trials it reports.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from traderagent.backtest.kernels.blocks import candle_blocks, timed_blocks
from traderagent.backtest.kernels.dca import DQ_ACTIVE, DQ_MAX_SO
from traderagent.backtest.kernels.layout import (
    BUY,
    F_BFEE,
    F_LOTS,
    F_SIDE,
    F_TICKS,
    M_FILLS,
    M_N,
    M_START,
    PF_BUNIT,
    PF_LOT,
    PF_TICK_DEN,
    PF_TICK_NUM,
)
from traderagent.backtest.kernels.run_dca import dca_run
from traderagent.backtest.kernels.run_grid import grid_run

X_TRIPS_OK = M_N  # 1 when every fill was recorded (the round trips below are known)
X_TRADES = M_N + 1  # round trips
X_WINS = M_N + 2  # round trips with PnL > 0
X_GROSS_WIN = M_N + 3  # their PnL
X_GROSS_LOSS = M_N + 4  # minus the PnL of the losing ones
X_STATS = M_N + 5  # 1 when the return figures below were computed
X_RETURNS = M_N + 6  # per-candle returns (candles: the first against the starting equity)
X_MEAN = M_N + 7
X_STD = M_N + 8  # sample deviation (ddof 1)
X_DOWN = M_N + 9  # sqrt(mean(min(r, 0)^2))
X_DD_PCT = M_N + 10  # drawdown of the curve with the starting equity first, percent
X_N = M_N + 11
BATCH_EXTRA = (
    "trips_known",
    "trades",
    "wins",
    "gross_win",
    "gross_loss",
    "stats",
    "returns",
    "mean_return",
    "std_return",
    "downside",
    "curve_drawdown_pct",
)


@njit(cache=True)
def trip_figures(rows, fees, count, pf, out):  # type: ignore[no-untyped-def]
    """`round_trips` over the first `count` fill rows, as float64: trades, wins, gross win and
    gross loss into `out` (a row of the batch's matrix)."""
    tick = pf[PF_TICK_NUM] / pf[PF_TICK_DEN]
    lot, bunit = pf[PF_LOT], pf[PF_BUNIT]
    qty, avg, buy_fees = 0.0, 0.0, 0.0
    trades, wins, gross_win, gross_loss = 0, 0, 0.0, 0.0
    for k in range(count):
        price = rows[k, F_TICKS] * tick
        filled = rows[k, F_LOTS] * lot
        if rows[k, F_SIDE] == BUY:
            fee_base = rows[k, F_BFEE] * bunit
            credited = filled - fee_base
            held = qty + credited
            avg = (avg * qty + price * credited) / held if held != 0.0 else 0.0
            qty = held
            buy_fees += fee_base * price
            continue
        closed = min(filled, qty)
        if closed <= 0.0:
            continue
        share = buy_fees * closed / qty
        pnl = (price - avg) * closed - fees[k] - share
        trades += 1
        if pnl > 0.0:
            wins += 1
            gross_win += pnl
        elif pnl < 0.0:
            gross_loss -= pnl
        buy_fees -= share
        qty -= closed
        if qty <= 0.0:
            qty, avg, buy_fees = 0.0, 0.0, 0.0
    out[X_TRADES], out[X_WINS] = trades, wins
    out[X_GROSS_WIN], out[X_GROSS_LOSS] = gross_win, gross_loss


@njit(cache=True)
def curve_figures(curve, start, out):  # type: ignore[no-untyped-def]
    """The per-candle returns of [start, curve...] and its drawdown (`backtest.metrics`)."""
    n = curve.shape[0]
    total, before = 0.0, start
    for i in range(n):
        total += curve[i] / before - 1.0 if before != 0.0 else 0.0
        before = curve[i]
    mean = total / n if n > 0 else 0.0
    squares, down, before = 0.0, 0.0, start
    peak, worst = start, 0.0
    for i in range(n):
        r = curve[i] / before - 1.0 if before != 0.0 else 0.0
        before = curve[i]
        squares += (r - mean) * (r - mean)
        if r < 0.0:
            down += r * r
        if curve[i] > peak:
            peak = curve[i]
        elif peak > 0.0 and (peak - curve[i]) / peak > worst:
            worst = (peak - curve[i]) / peak
    out[X_STATS], out[X_RETURNS], out[X_MEAN] = 1.0, n, mean
    out[X_STD] = math.sqrt(squares / (n - 1)) if n >= 2 else math.nan
    out[X_DOWN] = math.sqrt(down / n) if n > 0 else math.nan
    out[X_DD_PCT] = worst * 100.0


@njit(cache=True, inline="always")
def _reduce(m, rows, fees, curve, pf, fill_capacity, stats, out):  # type: ignore[no-untyped-def]
    out[:M_N] = m
    if m[M_FILLS] <= fill_capacity:
        out[X_TRIPS_OK] = 1.0
        trip_figures(rows, fees, np.int64(m[M_FILLS]), pf, out)
    if stats:
        curve_figures(curve, m[M_START], out)


@njit(cache=True, parallel=True)
def grid_batch(ts, op, hi, lo, cl, pi, pf, lv, lv_at, qt, qt_at, gps, fill_capacity, stats):  # type: ignore[no-untyped-def]
    """One `grid_run` per grid: grid c's levels are `lv[lv_at[c]:lv_at[c + 1]]`, its slot
    quantities `qt[qt_at[c]:qt_at[c + 1]]`, its stop `gps[c]`. Returns (grids, X_N)."""
    runs = gps.shape[0]
    out = np.zeros((runs, X_N))
    bk = candle_blocks(hi, lo, cl)  # shared by every run
    length = cl.shape[0] if stats else 0
    for c in prange(runs):
        levels = lv[lv_at[c] : lv_at[c + 1]].copy()
        quantities = qt[qt_at[c] : qt_at[c + 1]].copy()
        curve = np.empty(length, np.float64)
        orders = 4 * quantities.shape[0] + 16
        m, rows, fees = grid_run(
            ts, op, hi, lo, cl, pi, pf, levels, quantities, gps[c].copy(), orders,
            fill_capacity, curve, bk,
        )  # fmt: skip
        _reduce(m, rows, fees, curve, pf, fill_capacity, stats, out[c])
    return out


@njit(cache=True, parallel=True)
def dca_batch(ts, op, hi, lo, cl, pi, pf, dq, dp, fac, fac_at, fill_capacity, stats):  # type: ignore[no-untyped-def]
    """One `dca_run` per plan: plan c's constants are `dq[c]`, `dp[c]` and the factor rows
    `fac[fac_at[c]:fac_at[c + 1]]`. Returns (plans, X_N)."""
    runs = dq.shape[0]
    out = np.zeros((runs, X_N))
    bk = timed_blocks(ts, hi, lo, cl)  # shared by every run
    length = cl.shape[0] if stats else 0
    for c in prange(runs):
        q, p = dq[c].copy(), dp[c].copy()
        factors = fac[fac_at[c] : fac_at[c + 1]].copy()
        curve = np.empty(length, np.float64)
        orders = 2 * (q[DQ_MAX_SO] + q[DQ_ACTIVE]) + 16  # as `run_fast` sizes the pool
        m, rows, fees = dca_run(
            ts, op, hi, lo, cl, pi, pf, q, p, factors, orders, fill_capacity, curve, bk
        )
        _reduce(m, rows, fees, curve, pf, fill_capacity, stats, out[c])
    return out
