"""`sweep_grid`: many grid configurations over one candle series in one call, reduced metrics
only, parallel over configurations (numba `prange`), with no Python per configuration.

Each row of `params` is one grid (columns `SWEEP_COLUMNS`): lower and upper bound (prices),
levels, spacing (0 arithmetic, 1 geometric), quote amount per level and `stop_outside_pct`
(NaN: none). Levels and slot quantities are built inside the kernel the way `strategies.grid`
builds them: arithmetic levels exactly (integer arithmetic on ticks), geometric ones in
float64 (the same tick unless a level lies within ~1e-9 tick of a rounding boundary). A row
whose grid cannot trade (levels closer than a tick, an order below the venue minimum) gets
`valid` 0. The venue, account and risk settings come from a config, as for `run_fast`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace
from typing import cast

import numpy as np
import numpy.typing as npt
from numba import njit, prange

from traderagent.backtest.kernels.api import market_arrays
from traderagent.backtest.kernels.blocks import candle_blocks
from traderagent.backtest.kernels.exact import dd_div, two_prod
from traderagent.backtest.kernels.grid import (
    GP_ABOVE,
    GP_ABOVE_HI,
    GP_ABOVE_LO,
    GP_BELOW,
    GP_BELOW_HI,
    GP_BELOW_LO,
    GP_N,
    GP_STOP,
)
from traderagent.backtest.kernels.layout import (
    M_N,
    M_VALID,
    PF_LIN,
    PF_TICK_DEN,
    PF_TICK_NUM,
    PF_UNIT,
    PI_INTERVAL,
)
from traderagent.backtest.kernels.params import (
    UnsupportedFast,
    VenueArrays,
    bot_config,
    venue_arrays,
)
from traderagent.backtest.kernels.run_grid import grid_run
from traderagent.backtest.kernels.venue import check_order
from traderagent.config import AppConfig
from traderagent.domain import MINUTE_MS
from traderagent.marketdata import CandleSeries

SWEEP_COLUMNS = ("lower", "upper", "levels", "geometric", "amount_per_level", "stop_outside_pct")
SUB = 10_000  # sub-ticks per tick: bounds with up to 4 more decimals than the tick are exact


@njit(cache=True)
def _rational(x):  # type: ignore[no-untyped-def]
    """x as num / 10**k with the fewest decimals (up to 6)."""
    den = 1.0
    for _ in range(7):
        num = np.rint(x * den)
        if abs(x * den - num) < 1e-9 * max(1.0, abs(x * den)):
            return num, den
        den *= 10.0
    return x * den, den


@njit(cache=True)
def _bound(level, pct, sign):  # type: ignore[no-untyped-def]
    """level x (1 + sign x pct / 100) in ticks, as a double-double."""
    num, den = _rational(pct)
    hi, lo = two_prod(level * 1.0, 100.0 * den + sign * num)
    return dd_div(hi, lo, 100.0 * den)


@njit(cache=True)
def grid_setup(row, pi, pf):  # type: ignore[no-untyped-def]
    """Levels (ticks), slot quantities (lots) and stop bounds of one row; valid flag."""
    n = int(row[2])
    lv = np.zeros(max(n, 2), np.int64)
    qt = np.zeros(max(n - 1, 1), np.int64)
    gp = np.zeros(GP_N, np.float64)
    scale = pf[PF_TICK_DEN] / pf[PF_TICK_NUM]
    lower, upper = int(np.rint(row[0] * scale * SUB)), int(np.rint(row[1] * scale * SUB))
    if n < 2 or lower <= 0 or upper <= lower:
        return lv, qt, gp, False
    ratio = (row[1] / row[0]) ** (1.0 / (n - 1))
    for k in range(n):
        if k == n - 1:
            num, den = upper, SUB
        elif row[3] == 1:
            num, den = int(np.rint(lower * ratio**k)), SUB
        else:
            num, den = lower * (n - 1) + (upper - lower) * k, (n - 1) * SUB
        q, r = num // den, num % den
        lv[k] = q + 1 if 2 * r > den or (2 * r == den and q % 2 == 1) else q
        if k > 0 and lv[k] <= lv[k - 1]:
            return lv, qt, gp, False
    amount = int(np.rint(row[4] / pf[PF_UNIT]))
    for k in range(n - 1):
        qt[k] = amount // lv[k]
        if not check_order(pi, lv[k], qt[k]):
            return lv, qt, gp, False
    pct = row[5]
    if pct == pct:
        gp[GP_STOP] = 1
        gp[GP_BELOW_HI], gp[GP_BELOW_LO] = _bound(lv[0], pct, -1.0)
        gp[GP_ABOVE_HI], gp[GP_ABOVE_LO] = _bound(lv[n - 1], pct, 1.0)
        gp[GP_BELOW] = gp[GP_BELOW_HI] / scale
        gp[GP_ABOVE] = gp[GP_ABOVE_HI] / scale
    else:
        gp[GP_BELOW], gp[GP_ABOVE] = -math.inf, math.inf
    return lv, qt, gp, True


@njit(cache=True, parallel=True)
def _sweep(ts, op, hi, lo, cl, pi, pf, params):  # type: ignore[no-untyped-def]
    out = np.zeros((params.shape[0], M_N))
    none = np.zeros(0, np.float64)
    bk = candle_blocks(hi, lo, cl)  # shared by every configuration
    for c in prange(params.shape[0]):
        lv, qt, gp, valid = grid_setup(params[c], pi, pf)
        if valid:
            m, rows, fees = grid_run(
                ts, op, hi, lo, cl, pi, pf, lv, qt, gp, 4 * qt.shape[0] + 16, 0, none, bk
            )
            out[c, :] = m
        else:
            out[c, M_VALID] = 0.0
    return out


def sweep_venue(
    config: AppConfig, bot: str, interval_ms: int = MINUTE_MS, price_level: float | None = None
) -> VenueArrays:
    """The venue, account and risk settings a sweep runs on: those of `bot` in `config` (its
    own strategy settings are replaced by each row of the sweep). `price_level`, the first
    close of the candles swept, derives the rules of a symbol without known ones. Linear
    perpetuals are refused: the sweep runs the spot grid (no funding, no liquidation watch);
    `run_fast` runs a linear grid."""
    venue = venue_arrays(config, bot_config(config, bot), interval_ms, price_level)
    if venue.pf[PF_LIN] == 1.0:
        raise UnsupportedFast("the grid sweep trades spot only: run linear grids with run_fast")
    return venue


def sweep_grid(
    candles: CandleSeries, params: npt.ArrayLike, venue: VenueArrays
) -> npt.NDArray[np.float64]:
    """Reduced metrics (columns `layout.METRIC_NAMES`) of each grid row of `params` (columns
    `SWEEP_COLUMNS`) over `candles`, on the venue and account of `venue` (`sweep_venue`)."""
    if venue.pi[PI_INTERVAL] != candles.interval_ms:
        venue = replace(venue, pi=venue.pi.copy())
        venue.pi[PI_INTERVAL] = candles.interval_ms
    table = np.ascontiguousarray(params, dtype=np.float64)
    if table.ndim != 2 or table.shape[1] != len(SWEEP_COLUMNS):
        raise ValueError(f"params must have one row per grid and columns {SWEEP_COLUMNS}")
    run = cast(Callable[..., npt.NDArray[np.float64]], _sweep)
    return run(*market_arrays(candles), venue.pi, venue.pf, table)
