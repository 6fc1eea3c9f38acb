"""A year of one-minute candles from the bundled real sample, for benchmarks and sweeps.

The bundled three weeks are tiled end to end. Each copy is scaled so that it opens where the
previous one closed (no price jump at a seam) and every other copy is mirrored in time, so the
year is not one trend repeated seventeen times. Deterministic: no seed, no download.
"""

from __future__ import annotations

import numpy as np

from traderagent.marketdata.bundled import load_bundled
from traderagent.marketdata.series import CandleSeries, FloatArray

YEAR_MINUTES = 525_600


def year_of_candles(minutes: int = YEAR_MINUTES) -> CandleSeries:
    """`minutes` consecutive 1m candles (a year by default) built from the bundled sample."""
    sample = load_bundled()
    n = len(sample)
    opens, highs, lows, closes, volumes = [], [], [], [], []
    level = float(sample.open[0])
    made = 0
    copy = 0
    while made < minutes:
        take = min(n, minutes - made)
        o, h, lo, c = sample.open, sample.high, sample.low, sample.close
        if copy % 2 == 1:  # mirrored in time: a candle's close becomes its open
            o, h, lo, c = c[::-1], h[::-1], lo[::-1], o[::-1]
        scale = level / float(o[0])
        opens.append(o[:take] * scale)
        highs.append(h[:take] * scale)
        lows.append(lo[:take] * scale)
        closes.append(c[:take] * scale)
        volumes.append(sample.volume[:take] if copy % 2 == 0 else sample.volume[::-1][:take])
        level = float(closes[-1][-1])
        made += take
        copy += 1
    start = int(sample.ts[0])
    ts = start + np.arange(minutes, dtype=np.int64) * sample.interval_ms

    def cents(parts: list[FloatArray]) -> FloatArray:
        return np.round(np.concatenate(parts), 2).astype(np.float64)

    return CandleSeries(
        sample.symbol,
        sample.interval_ms,
        ts,
        cents(opens),
        cents(highs),
        cents(lows),
        cents(closes),
        np.concatenate(volumes).astype(np.float64),
    )
