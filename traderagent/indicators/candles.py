"""Build higher-interval candles (15m, 1h, ...) from finished lower-interval ones, one at a time."""

from __future__ import annotations

from collections.abc import Sequence
from functools import reduce
from operator import add

from traderagent.domain import Candle
from traderagent.indicators.params import check_period


class CandleAggregator:
    """Buckets at epoch multiples of `interval_ms` (15m bars open at :00, :15, :30, :45).

    A bucket is finished when a candle reaching its end arrives, or, if a gap cut it short, when
    the first candle of a later bucket arrives. Nothing is invented for buckets without candles.
    """

    __slots__ = ("_bar", "_last_ts", "_start", "_symbol", "interval_ms")

    def __init__(self, interval_ms: int) -> None:
        self.interval_ms = check_period("interval_ms", interval_ms)
        self._bar: list[float] = []  # open, high, low, close, volume of the forming bucket
        self._last_ts: int | None = None
        self._symbol = ""
        self._start = 0

    def update(self, candle: Candle) -> Candle | None:
        """The bar this candle finishes, or None. In the rare case that it finishes two (it
        follows a gap-shortened bucket and completes its own), the newer one; see `update_all`."""
        finished = self.update_all(candle)
        return finished[-1] if finished else None

    def update_all(self, candle: Candle) -> list[Candle]:
        """Every bar this candle finishes, oldest first (none, one, or two after a gap)."""
        self._check(candle)
        finished: list[Candle] = []
        start = candle.ts - candle.ts % self.interval_ms
        if self._bar and start != self._start:
            finished.append(self._emit())
        if self._bar:
            bar = self._bar
            bar[1] = max(bar[1], candle.high)
            bar[2] = min(bar[2], candle.low)
            bar[3] = candle.close
            bar[4] += candle.volume
        else:
            self._symbol, self._start = candle.symbol, start
            self._bar = [candle.open, candle.high, candle.low, candle.close, candle.volume]
        self._last_ts = candle.ts
        if candle.ts + candle.interval_ms >= start + self.interval_ms:
            finished.append(self._emit())
        return finished

    def absorb(  # noqa: PLR0913 - a run of candles as its columns
        self,
        symbol: str,
        first: tuple[int, float],
        last_ts: int,
        interval_ms: int,
        highs: Sequence[float],
        lows: Sequence[float],
        last_close: float,
        volumes: Sequence[float],
    ) -> None:
        """Candles of `symbol` (`interval_ms` long, oldest first: the first opening at
        `first[0]` at price `first[1]`, the last at `last_ts`) that finish no bar: they go on
        with the forming bar, or start one, in one bucket. The state `update_all` would leave
        taking them one by one (the same high, low, close, and the volume summed in the same
        order). ValueError, before anything changes, when one would finish a bar."""
        if not volumes:
            return
        first_ts, first_open = first
        start = first_ts - first_ts % self.interval_ms
        bar = self._bar
        if bar and (start != self._start or symbol != self._symbol):
            raise ValueError("absorbed candles must go on with the forming bar's bucket")
        if self._last_ts is not None and first_ts <= self._last_ts:
            raise ValueError(f"candle at {first_ts} ms is not after the previous one")
        if self.interval_ms % interval_ms or last_ts + interval_ms >= start + self.interval_ms:
            raise ValueError("an absorbed candle would finish the bar")
        if bar:
            high, low, volume, rest = bar[1], bar[2], bar[4], 0
        else:
            high, low, volume, rest = highs[0], lows[0], volumes[0], 1
            self._symbol, self._start = symbol, start
            bar = self._bar = [first_open, high, low, last_close, volume]
        if len(highs) > rest:  # `max` and `min` pick what the one-by-one comparisons pick
            high = max(high, max(highs[rest:]))
            low = min(low, min(lows[rest:]))
            volume = reduce(add, volumes[rest:], volume)  # one by one: the same rounding
        bar[1], bar[2], bar[3], bar[4] = high, low, last_close, volume
        self._last_ts = last_ts

    @property
    def forming(self) -> Candle | None:
        """The unfinished bucket so far (None if no candle is waiting)."""
        if not self._bar:
            return None
        o, h, lo, c, v = self._bar
        return Candle(self._symbol, self._start, o, h, lo, c, v, self.interval_ms)

    def _emit(self) -> Candle:
        bar = self.forming
        assert bar is not None  # noqa: S101 - callers check that a bucket is forming
        self._bar = []
        return bar

    def _check(self, candle: Candle) -> None:
        if self.interval_ms % candle.interval_ms:
            raise ValueError(
                f"cannot build {self.interval_ms} ms bars from {candle.interval_ms} ms candles: "
                "the bar interval must be a whole multiple of the candle interval"
            )
        if self._last_ts is not None and candle.ts <= self._last_ts:
            raise ValueError(
                f"candle at {candle.ts} ms is not after the previous one at {self._last_ts} ms"
            )
        if self._bar and candle.symbol != self._symbol:
            raise ValueError(f"candle of {candle.symbol} in a {self._symbol} bar")
