"""MarketReplay: the candles of one or more symbols, closed one timestamp at a time.

The replay's clock is market time: "now" is the close time of the last closed step. Nothing
after it is ever visible (klines, tickers, fills), so a client sees the market as it would have
unfolded. `warmup` steps are closed before the emulator starts serving, so there is a last price
and some history from the first request on.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from traderagent.domain import Candle
from traderagent.marketdata import CandleSeries


class MarketReplay:
    """A merged timeline of several series with the same interval; steps close candles."""

    def __init__(self, series: Sequence[CandleSeries], warmup: int = 1) -> None:
        if not series:
            raise ValueError("the replay needs at least one candle series")
        symbols = [s.symbol for s in series]
        if len(set(symbols)) != len(symbols):
            raise ValueError(f"each symbol may be replayed once, got {', '.join(symbols)}")
        intervals = {s.interval_ms for s in series}
        if len(intervals) != 1:
            raise ValueError("all replayed series must share one candle interval")
        if any(len(s) == 0 for s in series):
            raise ValueError("a replayed candle series is empty")
        self.interval_ms = intervals.pop()
        self._series = {s.symbol: s for s in series}
        self._timeline = np.unique(np.concatenate([s.ts for s in series]))
        self._closed = dict.fromkeys(self._series, 0)  # candles closed, per symbol
        self._cursor = 0
        if not 1 <= warmup <= len(self._timeline):
            raise ValueError(f"warmup must be between 1 and {len(self._timeline)}, got {warmup}")
        self.warmup = warmup

    @property
    def symbols(self) -> list[str]:
        return list(self._series)

    @property
    def steps(self) -> int:
        """How many steps the whole replay has."""
        return len(self._timeline)

    @property
    def cursor(self) -> int:
        """How many steps are closed."""
        return self._cursor

    @property
    def finished(self) -> bool:
        return self._cursor >= len(self._timeline)

    def now_ms(self) -> int:
        """Market time: the close of the last closed step (the first open before any)."""
        if self._cursor == 0:
            return int(self._timeline[0])
        return int(self._timeline[self._cursor - 1]) + self.interval_ms

    def next_close_ms(self) -> int | None:
        """When the next step closes, in market time; None at the end."""
        if self.finished:
            return None
        return int(self._timeline[self._cursor]) + self.interval_ms

    def advance(self) -> list[Candle]:
        """Close the next step and return its candles (one per symbol that has one)."""
        if self.finished:
            return []
        ts = int(self._timeline[self._cursor])
        self._cursor += 1
        candles = []
        for symbol, series in self._series.items():
            i = self._closed[symbol]
            if i < len(series) and int(series.ts[i]) == ts:
                candles.append(series.candle(i))
                self._closed[symbol] = i + 1
        return candles

    def closed(self, symbol: str) -> CandleSeries:
        """The closed candles of `symbol` so far (a view, no copy)."""
        return self._series[symbol].head(self._closed[symbol])

    def typical_price(self, symbol: str) -> float:
        """A price level for deriving trading rules: the first close."""
        return float(self._series[symbol].close[0])
