"""Funding marks of linear perpetuals, and replay time laid onto the wall clock.

Funding: every 8 hours (00:00, 08:00 and 16:00 UTC, Bybit's `fundingInterval` 480) each open
linear position pays or receives `size x mark x rate` (longs pay a positive rate), booked as an
execution of execType `Funding`; the marks and the amount are the shared linear model's
(`traderagent.exchanges.paper.linear.funding`). The rate is one configurable number for every
symbol, shown as the tickers' `fundingRate`; it is 0 (no funding) by default, so the
emulator's fills stay those of the paper venue unless a test asks for funding.

Wall-clock alignment: the replayed candles are moved in time by a whole number of candle
intervals so that the replay's "now" after the warm-up lies within one interval before the
wall clock. A client asking for `since = now - 1h` then finds the candles it expects; with
`speed=1` the market keeps pace with the wall clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

import numpy as np

from traderagent.exchanges.paper.linear.funding import FUNDING_INTERVAL_MS, funding_times
from traderagent.marketdata import CandleSeries

__all__ = ["DEFAULT_FUNDING_RATE", "FUNDING_INTERVAL_MS", "aligned_to_wall", "funding_times"]

DEFAULT_FUNDING_RATE = Decimal(0)  # off unless asked for: fills then equal the paper venue's


def aligned_to_wall(
    series: Sequence[CandleSeries], warmup: int, wall_ms: int
) -> list[CandleSeries]:
    """`series` moved so that the close of the warm-up's last step is at most one candle
    interval before `wall_ms` (a whole number of intervals, so bar alignment holds)."""
    if not series:
        return []
    interval = series[0].interval_ms
    timeline = np.unique(np.concatenate([s.ts for s in series]))
    if not 1 <= warmup <= len(timeline):
        return list(series)  # MarketReplay explains the bad warm-up
    now = int(timeline[warmup - 1]) + interval
    shift = (wall_ms - now) // interval * interval
    return [
        CandleSeries(
            s.symbol, s.interval_ms, s.ts + shift, s.open, s.high, s.low, s.close, s.volume
        )
        for s in series
    ]
