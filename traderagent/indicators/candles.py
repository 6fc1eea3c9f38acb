"""Build higher-interval candles (15m, 1h, ...) from finished lower-interval ones, one at a time."""

from __future__ import annotations

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
