"""The scan of a quiet span: from a candle on, the first candle of a replayed `CandleSeries`
that could wake anything in the engine (`QuietSpec`), found by a numba kernel over the float64
columns. The fast-forward (`traderagent.backtest.fastforward`) and the engine's own stepped
replay (`quiet_steps`) both pass what lies before it as a quiet span (`skip`)."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numba import njit

from traderagent.engine.quiet import QuietSpec
from traderagent.engine.risk.equity_watch import DAY_MS
from traderagent.marketdata.series import CandleSeries

NO_BARS = np.zeros(0, dtype=np.int64)
LIMIT_TOLERANCE = 1e-7
"""Relative slack of the float equity scan against the exact Decimal limits: a candle within
it of a limit is stepped, and the engine's own check decides."""


@njit(cache=True, nogil=True)
def first_wake(  # noqa: PLR0913 - a kernel takes plain scalars
    ts: npt.NDArray[np.int64],
    low: npt.NDArray[np.float64],
    high: npt.NDArray[np.float64],
    close: npt.NDArray[np.float64],
    start: int,
    candle_ms: int,
    low_below: float,
    high_above: float,
    bars: npt.NDArray[np.int64],
    until_ms: int,
    watch: bool,
    base: float,
    qty: float,
    peak: float,
    day: int,
    day_start: float,
    max_loss: float,
    max_drawdown_pct: float,
) -> int:
    """The first index >= `start` whose candle wakes anything (len(ts) if none does)."""
    n = len(ts)
    for k in range(start, n):
        if low[k] < low_below or high[k] > high_above:
            return k
        t = ts[k]
        if t + candle_ms >= until_ms:
            return k
        for b in bars:
            if t % b + candle_ms >= b:
                return k  # it closes a bar
            if k > 0:
                before = ts[k - 1]
                if before // b != t // b and before % b + candle_ms < b:
                    return k  # a gap cut the last bar short: this candle finishes it
        if watch:
            equity = base + qty * close[k]
            d = t // DAY_MS
            if d != day:
                day = d
                day_start = equity
            peak = max(peak, equity)
            slack = LIMIT_TOLERANCE * (abs(equity) + 1.0)
            if day_start - equity > max_loss - slack:
                return k
            if peak > 0 and (peak - equity) / peak * 100.0 > max_drawdown_pct - LIMIT_TOLERANCE:
                return k
    return n


def first_quiet_wake(series: CandleSeries, spec: QuietSpec, start: int) -> int:
    """The first index >= `start` of `series` whose candle could wake anything that `spec`
    describes (len(series) if none could)."""
    s = series
    bars = np.array(spec.bars, dtype=np.int64) if spec.bars else NO_BARS
    e = spec.equity
    watch = e is not None  # None when neither limit is set
    return int(
        first_wake(
            s.ts,
            s.low,
            s.high,
            s.close,
            start,
            s.interval_ms,
            spec.low_below,
            spec.high_above,
            bars,
            spec.until_ms,
            watch,
            e.base if e is not None else 0.0,
            e.qty if e is not None else 0.0,
            e.peak if e is not None else 0.0,
            e.day if e is not None else -1,
            e.day_start if e is not None else 0.0,
            e.max_loss if e is not None else np.inf,
            e.max_drawdown_pct if e is not None else np.inf,
        ),
    )
