"""CandleSeries: an immutable, validated, columnar run of OHLCV candles of one symbol."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from traderagent.domain import Candle
from traderagent.marketdata.errors import MarketDataError

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]

_PRICE_FIELDS = ("open", "high", "low", "close", "volume")


@dataclass(frozen=True, slots=True, eq=False, repr=False)
class CandleSeries:
    """OHLCV columns of one symbol at one interval; `ts` is each candle's open time, epoch ms UTC.

    The arrays are read-only copies, so a series never changes once built. Slicing
    (`between`, `head`) returns views that share memory with the parent.
    """

    symbol: str
    interval_ms: int
    ts: IntArray
    open: FloatArray
    high: FloatArray
    low: FloatArray
    close: FloatArray
    volume: FloatArray

    def __post_init__(self) -> None:
        if self.interval_ms <= 0:
            raise MarketDataError(f"interval must be positive, got {self.interval_ms} ms")
        _freeze(self, "ts", np.int64)
        for name in _PRICE_FIELDS:
            _freeze(self, name, np.float64)
        _validate(self)

    def __len__(self) -> int:
        return int(self.ts.shape[0])

    def __iter__(self) -> Iterator[Candle]:
        # tolist() turns whole columns into Python numbers at once: far faster than numpy scalars
        symbol, interval = self.symbol, self.interval_ms
        columns = (self.ts, self.open, self.high, self.low, self.close, self.volume)
        for ts, o, h, lo, c, v in zip(*(col.tolist() for col in columns), strict=True):
            yield Candle(symbol, ts, o, h, lo, c, v, interval)

    def __repr__(self) -> str:
        span = f", {_iso(self.first_ts)} .. {_iso(self.last_ts)}" if len(self) else ""
        return f"CandleSeries({self.symbol}, {self.interval_ms} ms, {len(self)} candles{span})"

    def candle(self, i: int) -> Candle:
        """The i-th candle (negative counts from the end)."""
        n = len(self)
        if not -n <= i < n:
            raise IndexError(f"candle index {i} out of range for {n} candles")
        return Candle(
            self.symbol,
            int(self.ts[i]),
            float(self.open[i]),
            float(self.high[i]),
            float(self.low[i]),
            float(self.close[i]),
            float(self.volume[i]),
            self.interval_ms,
        )

    @property
    def first_ts(self) -> int:
        """Open time of the first candle (epoch ms); MarketDataError if the series is empty."""
        return int(self._nonempty().ts[0])

    @property
    def last_ts(self) -> int:
        """Open time of the last candle (epoch ms); MarketDataError if the series is empty."""
        return int(self._nonempty().ts[-1])

    def between(self, start_ms: int | None, end_ms: int | None) -> CandleSeries:
        """Candles opening in [start_ms, end_ms); None leaves that side open."""
        lo = 0 if start_ms is None else int(np.searchsorted(self.ts, start_ms, side="left"))
        hi = len(self) if end_ms is None else int(np.searchsorted(self.ts, end_ms, side="left"))
        return self._slice(slice(lo, max(lo, hi)))

    def head(self, n: int) -> CandleSeries:
        """The first n candles (all of them if there are fewer)."""
        if n < 0:
            raise ValueError(f"head() needs n >= 0, got {n}")
        return self._slice(slice(0, n))

    def _nonempty(self) -> CandleSeries:
        if not len(self):
            raise MarketDataError(f"the {self.symbol} series is empty")
        return self

    def _slice(self, window: slice) -> CandleSeries:
        # a slice of a valid series is valid: skip re-validation and share the read-only memory
        part = object.__new__(CandleSeries)
        object.__setattr__(part, "symbol", self.symbol)
        object.__setattr__(part, "interval_ms", self.interval_ms)
        for name in ("ts", *_PRICE_FIELDS):
            object.__setattr__(part, name, getattr(self, name)[window])
        return part


def _freeze(series: CandleSeries, name: str, dtype: type[Any]) -> None:
    array = np.array(getattr(series, name), dtype=dtype)
    if array.ndim != 1:
        raise MarketDataError(f"column {name} must be one-dimensional, got shape {array.shape}")
    array.setflags(write=False)
    object.__setattr__(series, name, array)


def _validate(s: CandleSeries) -> None:
    n = len(s)
    for name in _PRICE_FIELDS:
        if getattr(s, name).shape[0] != n:
            size = getattr(s, name).shape[0]
            raise MarketDataError(f"column {name} has {size} values but ts has {n}")
    if n > 1:
        _fail_at(s, np.diff(s.ts) <= 0, "open time is not after the previous candle's", offset=1)
    # written as negations so that NaN prices fail too
    _fail_at(s, ~(s.high >= np.maximum(s.open, s.close)), "high is below max(open, close)")
    _fail_at(s, ~(s.low <= np.minimum(s.open, s.close)), "low is above min(open, close)")
    _fail_at(s, ~(s.volume >= 0), "volume is negative or missing")


def check_tradeable(s: CandleSeries) -> CandleSeries:
    """`s` if a market could have printed it: every price above zero and finite, every volume
    finite. Candle files and the store are read through this (synthetic series in tests and
    kernels may hold any numbers)."""
    _fail_at(s, ~(s.low > 0), "a price is zero or negative")
    _fail_at(s, ~np.isfinite(s.high), "a price is infinite")
    _fail_at(s, ~np.isfinite(s.volume), "volume is infinite")
    return s


def _fail_at(s: CandleSeries, bad: npt.NDArray[np.bool_], problem: str, offset: int = 0) -> None:
    hits = np.flatnonzero(bad)
    if hits.size:
        i = int(hits[0]) + offset
        row = f"o={s.open[i]} h={s.high[i]} l={s.low[i]} c={s.close[i]} v={s.volume[i]}"
        raise MarketDataError(f"candle {i} ({_iso(int(s.ts[i]))}): {problem} [{row}]")


def _iso(ts_ms: int) -> str:
    try:
        return datetime.fromtimestamp(ts_ms / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except (OverflowError, OSError, ValueError):  # a time no calendar holds: show the number
        return f"{ts_ms} ms"
