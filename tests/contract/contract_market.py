"""The one price path every adapter in the contract suite trades against.

A sine wave of ±1 % around 20,000 with a 20-minute period, in one-minute candles: from the
first close it rises for five minutes, falls through 20,000 at minute 10 and bottoms at
minute 15, so a buy 0.3 % below the start fills before one 0.8 % below, and a buy 5 % below
never fills. Generated, not downloaded.
"""

from __future__ import annotations

import math

import numpy as np

from traderagent.domain import MINUTE_MS
from traderagent.marketdata import CandleSeries

SYMBOL = "BTCUSDT"
START_MS = 1_677_628_800_000  # 2023-03-01 00:00 UTC
CANDLES = 120


def closes(n: int = CANDLES) -> list[float]:
    return [round(20_000 + 200 * math.sin(2 * math.pi * k / 20), 2) for k in range(n)]


def contract_series(n: int = CANDLES) -> CandleSeries:
    close = np.array(closes(n))
    open_ = np.concatenate([[close[0]], close[:-1]])
    return CandleSeries(
        symbol=SYMBOL,
        interval_ms=MINUTE_MS,
        ts=np.arange(n, dtype=np.int64) * MINUTE_MS + START_MS,
        open=open_,
        high=np.maximum(open_, close) + 10,
        low=np.minimum(open_, close) - 10,
        close=close,
        volume=np.full(n, 5.0),
    )
