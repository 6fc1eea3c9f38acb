"""The regime timeline of a whole candle series, computed with the vectorised indicators."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from traderagent.domain import Regime
from traderagent.indicators import adx, atr, ema
from traderagent.marketdata import CandleSeries, resample
from traderagent.regime.config import RegimeConfig
from traderagent.regime.rules import RegimeInputs, RegimeLatch, propose


@dataclass(frozen=True, slots=True)
class RegimeSegment:
    """One stretch of a confirmed regime, [start_ms, end_ms) in epoch ms."""

    start_ms: int
    end_ms: int
    regime: Regime


def regime_timeline(series: CandleSeries, config: RegimeConfig) -> list[RegimeSegment]:
    """Consecutive segments of the confirmed regime; the warm-up is not a segment.

    Gives the same regimes, at the same times, as feeding the candles one by one to a
    RegimeClassifier (the vectorised indicators agree with the incremental ones).
    """
    bars = _finished_bars(series, config.interval_ms)
    if len(bars) == 0:
        return []
    h, lo, c = bars.high, bars.low, bars.close
    lines = adx(h, lo, c, config.adx_period)
    atr_pct = atr(h, lo, c, config.atr_period) / c * 100.0 * config.atr_pct_scale
    fast, slow = ema(c, config.ema_fast), ema(c, config.ema_slow)
    warm = ~(np.isnan(lines.adx) | np.isnan(atr_pct) | np.isnan(slow))
    latch = RegimeLatch(config.confirmations, config.min_dwell_ms)
    starts: list[tuple[int, Regime]] = []
    close_times = (bars.ts + bars.interval_ms).tolist()
    columns = (lines.adx, lines.plus_di, lines.minus_di, atr_pct, fast, slow)
    at = np.flatnonzero(warm)
    # the warm bars' values as Python floats, column by column (one tolist each, not a
    # float() per value: this loop is most of a fast backtest's regime log)
    warm_rows = zip(*(column[at].tolist() for column in columns), strict=True)
    for i, values in zip(at.tolist(), warm_rows, strict=True):
        inputs = RegimeInputs(*values)
        if latch.step(propose(inputs, latch.regime, config), close_times[i]):
            assert latch.regime is not None  # noqa: S101 - a change always lands on a regime
            starts.append((latch.since_ms, latch.regime))
    if not starts:
        return []
    ends = [start for start, _ in starts[1:]] + [close_times[-1]]
    return [RegimeSegment(s, e, r) for (s, r), e in zip(starts, ends, strict=True)]


def _finished_bars(series: CandleSeries, interval_ms: int) -> CandleSeries:
    """Classifier bars as CandleAggregator finishes them: every bucket with candles, except a
    last one that no candle has completed yet."""
    bars = resample(series, interval_ms, drop_partial=False)
    if len(bars) and series.last_ts + series.interval_ms < bars.last_ts + interval_ms:
        return bars.head(len(bars) - 1)
    return bars
