"""The engine's own replay of a `CandleSeries` at full speed on a simulated venue, every candle
stepped, the quiet ones without a step of their own.

A candle that cannot change anything observable (no resting order, stop or liquidation in the
venue's band trades in its range, no strategy or stop loss wakes on it, no snapshot, book
checkpoint or account limit is due: `quiet.quiet_spec`, scanned by `quiet_scan`) is stepped
synchronously with the quiet ones after it, as a span (`skip`): the candle count, prices and
clock move, the bots' candle memories take the span, the venue records its close, the equity
points and the account's peak and day move as stepping would have moved them. Unlike a
fast-forward, the regime classifier of every traded symbol is fed every candle (in bulk between
its bar closes; each bar close classified as `EngineLoop.classify` does, its readings, changes
and log line published at that candle's close), so the stepped replay shows what it always
showed. Whatever a quiet span cannot stand for is stepped through `EngineLoop.step`: the first
candle, a candle a `CandleClosed` listener waits for, an outage, a restart, a lease, an
account risk store, a bot unsure of an order or owing a resync, a routed bot's classifier bar.
`Engine.quiet_steps = False` steps every candle (the reference the equivalence tests use).
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Mapping
from typing import Literal, Protocol, cast

import numpy as np
import numpy.typing as npt
from numba import njit

from traderagent.bus import EventBus
from traderagent.clock import Clock, ReplayClock
from traderagent.domain import Candle, TradingMode
from traderagent.domain.events import CandleClosed
from traderagent.engine.account_risk import AccountRisk
from traderagent.engine.health import HealthMonitor
from traderagent.engine.history import span_candles
from traderagent.engine.lease_guard import LeaseGuard
from traderagent.engine.outage import Outage
from traderagent.engine.protocols import RegimeSource
from traderagent.engine.quiet import QuietBot, QuietEngine, QuietVenue, quiet_spec
from traderagent.engine.quiet_scan import first_quiet_wake
from traderagent.engine.router import RouterBinding
from traderagent.engine.skip import SkippedBot, SkippingEngine, skip_quiet
from traderagent.engine.unsure import UnsureOrders
from traderagent.marketdata.series import CandleSeries

MAX_SPAN = 16_384
"""Candles passed in one span at most (the clock, and with it the event loop, moves on)."""
LIVE_MODES = frozenset({TradingMode.LIVE, TradingMode.DEMO})
VENUE_METHODS = ("band", "quiet_until_ms", "skip_quiet")

WINDOW = 4_096
"""Candles of the series a classifier feed holds as Python numbers at a time."""

Columns = tuple[list[int], list[float], list[float], list[float], list[float], list[float]]
"""A stretch of a series' ts, open, high, low, close and volume as Python numbers."""
Classify = Callable[[Candle], object]
"""`EngineLoop.classify`: a candle to the symbol's classifier, its reading published."""


class SteppedBot(QuietBot, SkippedBot, Protocol):
    """A bot of the replay (`BotRuntime` is one)."""

    @property
    def router(self) -> RouterBinding | None: ...

    @property
    def unsure(self) -> UnsureOrders: ...

    @property
    def resync_due(self) -> bool: ...


class SteppedEngine(QuietEngine, SkippingEngine, Protocol):
    """What the stepped replay reads of the engine (`Engine` is one)."""

    @property
    def bots(self) -> Mapping[str, SteppedBot]: ...

    @property
    def candles(self) -> int: ...

    @property
    def stopping(self) -> bool: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def bus(self) -> EventBus: ...

    @property
    def outage(self) -> Outage: ...

    @property
    def health(self) -> HealthMonitor: ...

    @property
    def guard(self) -> LeaseGuard | None: ...

    @property
    def account_risk(self) -> AccountRisk: ...

    @property
    def venue_status(self) -> str: ...

    @property
    def mode(self) -> TradingMode: ...

    @property
    def feed(self) -> Iterable[Candle] | AsyncIterable[Candle]: ...


class ClassifierFeed:
    """The classifier of the replay's symbol over quiet spans (`skip.SpanRegime`): fed the
    candles between its bar closes as columns, each candle that may close a bar as a candle."""

    def __init__(
        self, classify: Classify, classifier: RegimeSource, series: CandleSeries, bar_ms: int
    ) -> None:
        self.classify_candle = classify
        self.classifier = classifier
        self.series = series
        events = bar_events(series.ts, series.interval_ms, bar_ms)
        self.events: list[int] = events.tolist()
        self.at = 0  # events[:at] are before the last candle asked about
        ends = series.ts % bar_ms + series.interval_ms >= bar_ms
        fresh, highs, lows, volumes = bar_runs(events, ends, series.high, series.low, series.volume)
        self.runs = (fresh.tolist(), highs.tolist(), lows.tolist(), volumes.tolist())
        """Per event: the candles since the event before it start a bar, and their high, low
        and volume (what absorbing them one by one makes of a bar)."""
        self.base = 0
        self.columns: Columns = ([], [], [], [], [], [])
        absorb = getattr(classifier, "absorb", None)
        self.absorb_columns = absorb if callable(absorb) else None

    def next_event(self, k: int) -> int:
        events, at = self.events, self.at
        if at and events[at - 1] >= k:  # asked about an earlier candle (never, in a replay)
            at = 0
        n = len(events)
        while at < n and events[at] < k:
            at += 1
        self.at = at
        return events[at] if at < n else len(self.series)

    def absorb(self, lo: int, hi: int) -> None:
        if hi <= lo:
            return
        if self.absorb_columns is not None:
            base, (ts, opens, highs, lows, closes, volumes) = self.window(lo, hi)
            a, b = lo - base, hi - base
            at, events = self.at, self.events
            fresh, run_highs, run_lows, run_volumes = self.runs
            if at < len(events) and events[at] == hi and fresh[at] and events[at - 1] == lo - 1:
                # the run between two bar closes: its bar made once for the whole series
                highs, lows, volumes = [run_highs[at]], [run_lows[at]], [run_volumes[at]]
            else:
                highs, lows, volumes = highs[a:b], lows[a:b], volumes[a:b]
            try:  # checked before it changes anything
                self.absorb_columns(
                    (ts[a], opens[a]),
                    ts[b - 1],
                    self.series.interval_ms,
                    highs,
                    lows,
                    closes[b - 1],
                    volumes,
                )
                return
            except ValueError:  # not a run it can take as columns: candle by candle
                pass
        for candle in span_candles(self.series, lo, hi):  # (none finishes a bar)
            self.classify_candle(candle)

    def classify(self, k: int) -> None:
        base, (ts, opens, highs, lows, closes, volumes) = self.window(k, k + 1)
        i, s = k - base, self.series
        self.classify_candle(
            Candle(
                s.symbol, ts[i], opens[i], highs[i], lows[i], closes[i], volumes[i], s.interval_ms
            )
        )

    def window(self, lo: int, hi: int) -> tuple[int, Columns]:
        """The series' columns as Python numbers over a window holding candles [lo, hi)."""
        base, columns = self.base, self.columns
        if lo < base or hi > base + len(columns[0]):
            s = self.series
            base, end = lo, max(hi, min(len(s), lo + WINDOW))
            parts = (s.ts, s.open, s.high, s.low, s.close, s.volume)
            columns = cast(Columns, tuple(part[base:end].tolist() for part in parts))
            self.base, self.columns = base, columns
        return base, columns


@njit(cache=True, nogil=True)
def bar_runs(
    events: npt.NDArray[np.int64],
    ends: npt.NDArray[np.bool_],
    high: npt.NDArray[np.float64],
    low: npt.NDArray[np.float64],
    volume: npt.NDArray[np.float64],
) -> tuple[
    npt.NDArray[np.bool_], npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.float64]
]:
    """Per event (a candle that may finish a bar): whether the candles since the event before
    it are some and start a bar (that one reached its bucket's end), and their highest high,
    lowest low and volume summed one by one, in order (as a bar takes them)."""
    n = len(events)
    fresh = np.zeros(n, dtype=np.bool_)
    highs, lows, volumes = np.zeros(n), np.zeros(n), np.zeros(n)
    for j in range(1, n):
        lo, hi = events[j - 1] + 1, events[j]
        if hi <= lo or not ends[events[j - 1]]:
            continue
        h, lw, v = high[lo], low[lo], volume[lo]
        for k in range(lo + 1, hi):
            if high[k] > h:
                h = high[k]
            if low[k] < lw:
                lw = low[k]
            v += volume[k]
        fresh[j], highs[j], lows[j], volumes[j] = True, h, lw, v
    return fresh, highs, lows, volumes


def bar_events(ts: npt.NDArray[np.int64], candle_ms: int, bar_ms: int) -> npt.NDArray[np.int64]:
    """Indices of the candles that may finish a bar of `bar_ms`: the first, each one reaching
    its bucket's end, each one opening in another bucket than the candle before it when that
    one did not reach its own end (it finishes a bar a gap cut short)."""
    if not len(ts):
        return np.zeros(0, dtype=np.int64)
    ends = ts % bar_ms + candle_ms >= bar_ms
    may = ends.copy()
    may[0] = True
    bucket = ts // bar_ms
    may[1:] |= (bucket[1:] != bucket[:-1]) & ~ends[:-1]
    return np.flatnonzero(may).astype(np.int64)


class QuietSteps:
    """The candles of the engine's replay that need a step of their own (yielded), every
    other one passed synchronously in quiet spans."""

    def __init__(
        self, engine: SteppedEngine, series: CandleSeries, venue: QuietVenue, classify: Classify
    ) -> None:
        self.engine = engine
        self.series = series
        self.venue = venue
        self.classify = classify
        gaps = np.diff(series.ts)
        self.spacing_ms = int(gaps.min()) if len(gaps) else series.interval_ms
        self.feeds: dict[int, ClassifierFeed] = {}
        self.stepped = 0
        self.passed = 0

    async def candles(self) -> AsyncIterator[Candle]:
        engine, series = self.engine, self.series
        n, i = len(series), 0
        while i < n and not engine.stopping:
            j = i
            regime = self.regime() if self.may_pass() else False
            if regime is not False:
                j = await self.pass_quiet(i, regime)
                if self.stopped():
                    return
            if j >= n:
                return
            self.stepped += 1
            yield series.candle(j)
            i = j + 1

    async def pass_quiet(self, i: int, regime: ClassifierFeed | None) -> int:
        """Pass the quiet candles from `i` on; the next candle to step (len: none)."""
        engine, series, venue = self.engine, self.series, self.venue
        spec = quiet_spec(engine, series.symbol, venue)
        if spec.every:
            return i
        j = min(first_quiet_wake(series, spec, i), i + MAX_SPAN)
        if j > i:
            await skip_quiet(engine, venue, series, i, j, spec, self.spacing_ms, regime)
            self.passed += j - i
        return j

    def stopped(self) -> bool:
        return self.engine.stopping

    def may_pass(self) -> bool:
        """Nothing but the candles themselves is waiting on a step: a quiet span may stand
        for the next candles."""
        e = self.engine
        if e.candles == 0 or e.bus.wants(CandleClosed) or e.guard is not None:
            return False
        clock = e.clock
        if not isinstance(clock, ReplayClock) or clock.speed is not None:
            return False  # paced: each candle waits its turn
        if e.outage.active or e.outage.reason or e.venue_status or e.health.restarts_pending:
            return False
        if e.account_risk.store is not None:
            return False
        symbol = self.series.symbol
        for bot in e.bots.values():
            if bot.symbol == symbol and (bot.unsure.since or bot.resync_due):
                return False
        return True

    def regime(self) -> ClassifierFeed | Literal[False] | None:
        """How the replay's classifier goes through a quiet span: fed by a `ClassifierFeed`,
        by the span's scan (a routed bot's bars wake it: None), not at all (no classifier:
        None); False when it cannot be fed without steps."""
        e, symbol = self.engine, self.series.symbol
        classifier = e.classifiers.get(symbol)
        if classifier is None:
            return None
        if any(bot.router is not None for bot in e.bots.values() if bot.symbol == symbol):
            return None  # `quiet_spec` wakes on its bars and feeds it the others
        known = self.feeds.get(id(classifier))
        if known is not None and known.classifier is classifier:
            return known
        bar_ms = getattr(classifier, "bar_ms", None)
        if not isinstance(bar_ms, int) or bar_ms <= 0:
            return False
        feed = ClassifierFeed(self.classify, classifier, self.series, bar_ms)
        self.feeds[id(classifier)] = feed
        return feed


def quiet_steps(engine: SteppedEngine, venue: object, classify: Classify) -> QuietSteps | None:
    """The quiet steps of `engine`'s replay, if it runs one they can stand for: a
    `CandleSeries` on a replay clock (paced candles are stepped one by one while it paces) on
    a simulated venue that can tell its quiet band. None (every candle stepped) otherwise."""
    feed = engine.feed
    if engine.mode in LIVE_MODES or not isinstance(feed, CandleSeries):
        return None
    if not isinstance(engine.clock, ReplayClock):
        return None
    if not all(callable(getattr(venue, m, None)) for m in VENUE_METHODS):
        return None
    return QuietSteps(engine, feed, cast(QuietVenue, venue), classify)
