"""Aggregate candles to a coarser interval, and read interval names like "15m" or "4h"."""

from __future__ import annotations

import re

import numpy as np

from traderagent.marketdata.errors import MarketDataError
from traderagent.marketdata.series import CandleSeries

_UNIT_MS = {"m": 60_000, "h": 3_600_000, "d": 86_400_000}
_INTERVAL = re.compile(r"(\d+)([mhd])")


def parse_interval(text: str) -> int:
    """Interval name to milliseconds: "1m" -> 60_000, "4h" -> 14_400_000, "1d" -> 86_400_000."""
    match = _INTERVAL.fullmatch(text.strip())
    if match is None or int(match.group(1)) == 0:
        raise MarketDataError(
            f"bad interval {text!r}: expected a positive whole number followed by "
            "m (minutes), h (hours) or d (days), e.g. 1m, 15m, 1h, 4h, 1d"
        )
    return int(match.group(1)) * _UNIT_MS[match.group(2)]


def resample(series: CandleSeries, interval_ms: int, *, drop_partial: bool = True) -> CandleSeries:
    """Candles of `interval_ms`, bucketed at epoch multiples of it (floor(ts / interval)).

    open = first, high = max, low = min, close = last, volume = sum. Buckets without source
    candles are absent (nothing is invented across gaps). With `drop_partial`, a last bucket
    holding fewer than interval / source-interval candles (still forming) is dropped.
    """
    source = series.interval_ms
    if interval_ms <= 0 or interval_ms % source:
        raise MarketDataError(
            f"cannot resample {series.symbol} from {source} ms to {interval_ms} ms: "
            "the target must be a positive multiple of the source interval"
        )
    if interval_ms == source or len(series) == 0:
        return series if interval_ms == source else _empty(series.symbol, interval_ms)
    buckets = series.ts // interval_ms
    starts = np.flatnonzero(np.concatenate(([True], buckets[1:] != buckets[:-1])))
    ends = np.append(starts[1:], len(series))
    if drop_partial and ends[-1] - starts[-1] < interval_ms // source:
        starts, ends = starts[:-1], ends[:-1]
    if starts.size == 0:
        return _empty(series.symbol, interval_ms)
    kept = slice(0, int(ends[-1]))
    return CandleSeries(
        series.symbol,
        interval_ms,
        buckets[starts] * interval_ms,
        series.open[starts],
        np.maximum.reduceat(series.high[kept], starts),
        np.minimum.reduceat(series.low[kept], starts),
        series.close[ends - 1],
        np.add.reduceat(series.volume[kept], starts),
    )


def _empty(symbol: str, interval_ms: int) -> CandleSeries:
    none_f = np.empty(0, dtype=np.float64)
    return CandleSeries(
        symbol, interval_ms, np.empty(0, np.int64), none_f, none_f, none_f, none_f, none_f
    )
