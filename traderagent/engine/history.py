"""A bot's memory of recent closed candles, cheap to extend by candles a replay skipped.

A replay that fast-forwards through quiet candles never turns them into `Candle` objects: it
records them here as an index range of their series, and they become candles only when
something reads the history (a strategy primed at a regime switch, the console's chart).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice
from typing import overload

from traderagent.domain import Candle
from traderagent.marketdata.series import CandleSeries

Span = tuple[CandleSeries, int, int]
"""Candles [lo, hi) of a series."""


class CandleHistory(Sequence[Candle]):
    """The last `maxlen` candles appended, oldest first (a bounded deque of candles that also
    takes whole spans of a series). Older ones are let go in batches, not one per append."""

    __slots__ = ("_len", "_parts", "maxlen")

    def __init__(self, maxlen: int) -> None:
        if maxlen < 1:
            raise ValueError(f"a candle history keeps at least one candle, not {maxlen}")
        self.maxlen = maxlen
        self._parts: deque[Candle | Span] = deque()
        self._len = 0

    def append(self, candle: Candle) -> None:
        self._parts.append(candle)
        self._len += 1
        if self._len > 2 * self.maxlen:
            self._trim()

    def extend(self, candles: Iterable[Candle]) -> None:
        """Append `candles` (another history's spans are shared, not built)."""
        if isinstance(candles, CandleHistory):
            for part in list(candles._parts):
                if isinstance(part, Candle):
                    self.append(part)
                else:
                    self.extend_span(*part)
            return
        for candle in candles:
            self.append(candle)

    def extend_span(self, series: CandleSeries, lo: int, hi: int) -> None:
        """Remember candles [lo, hi) of `series` without building them."""
        if hi <= lo:
            return
        lo = max(lo, hi - self.maxlen)  # older ones would fall out at once
        self._parts.append((series, lo, hi))
        self._len += hi - lo
        if self._len > 2 * self.maxlen:
            self._trim()

    def clear(self) -> None:
        self._parts.clear()
        self._len = 0

    def __len__(self) -> int:
        return min(self._len, self.maxlen)

    def __iter__(self) -> Iterator[Candle]:
        if self._len > self.maxlen:
            self._trim()
        for part in self._parts:
            if isinstance(part, Candle):
                yield part
            else:
                yield from span_candles(*part)

    @overload
    def __getitem__(self, index: int) -> Candle: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Candle]: ...

    def __getitem__(self, index: int | slice) -> Candle | Sequence[Candle]:
        if isinstance(index, slice):
            return list(self)[index]
        size = len(self)
        position = index + size if index < 0 else index
        if not 0 <= position < size:
            raise IndexError(f"candle {index} of a history of {size}")
        return next(islice(self, position, None))

    def _trim(self) -> None:
        excess = self._len - self.maxlen
        parts = self._parts
        while excess > 0:
            first = parts[0]
            if isinstance(first, Candle):
                parts.popleft()
                excess -= 1
                self._len -= 1
                continue
            series, lo, hi = first
            drop = min(excess, hi - lo)
            if drop == hi - lo:
                parts.popleft()
            else:
                parts[0] = (series, lo + drop, hi)
            excess -= drop
            self._len -= drop


def span_candles(series: CandleSeries, lo: int, hi: int) -> Iterator[Candle]:
    """Candles [lo, hi) of `series`, built as `CandleSeries.__iter__` builds them."""
    symbol, interval = series.symbol, series.interval_ms
    columns = (series.ts, series.open, series.high, series.low, series.close, series.volume)
    rows = zip(*(column[lo:hi].tolist() for column in columns), strict=True)
    for ts, o, h, low, c, v in rows:
        yield Candle(symbol, ts, o, h, low, c, v, interval)
