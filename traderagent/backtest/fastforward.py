"""Fast-forward: a replay on the event-driven engine that steps only the candles that matter.

The engine, its bots, strategies, risk, the paper exchange and its matcher run exactly as
live; what changes is which candles go through `Engine._step`. After each stepped candle the
parties say what would wake them (`traderagent.engine.quiet`), a numba kernel scans the
float64 columns from there to the first candle that could wake any of them, and the engine is
brought past the quiet ones in bulk (`traderagent.engine.skip`): those never become `Candle`
objects. The result is the same fills, orders and equity as stepping every candle; the
equivalence test (`tests/integration/test_fastforward_equivalence.py`) holds it to that.

Only a replay of a `CandleSeries` at full speed on a simulated venue is fast-forwarded: never
a live feed, never a paced replay. No `CandleClosed` event is published for a skipped candle,
and the regime classifier of a symbol that no routed bot trades (it only informs the screen)
is not fed while fast-forwarding.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, cast

import numpy as np

from traderagent.clock import ReplayClock
from traderagent.domain import Candle, TradingMode
from traderagent.engine.quiet import QuietVenue, quiet_spec
from traderagent.engine.quiet_scan import first_quiet_wake
from traderagent.engine.quiet_scan import first_wake as first_wake  # re-exported (tests)
from traderagent.engine.skip import skip_quiet
from traderagent.marketdata.series import CandleSeries

if TYPE_CHECKING:
    from traderagent.engine.orchestrator import Engine

LIVE_MODES = frozenset({TradingMode.LIVE, TradingMode.DEMO})


class FastForward:
    """Feeds a replayed `CandleSeries` to an engine (its `driver`), stepping only the
    candles that can change something. `every_candle` steps them all (the reference run).
    Counts and times what it did: `stepped`, `skipped`, `scan_s` (finding wakes and passing
    quiet spans) and `step_s` (the engine's own steps)."""

    def __init__(self, series: CandleSeries, venue: QuietVenue, every_candle: bool = False):
        self.series = series
        self.venue = venue
        gaps = np.diff(series.ts)
        self.spacing_ms = int(gaps.min()) if len(gaps) else series.interval_ms
        self.every_candle = every_candle
        self.stepped = 0
        self.skipped = 0
        self.scan_s = 0.0
        self.step_s = 0.0

    async def candles(self, engine: Engine) -> AsyncIterator[Candle]:
        series = self.series
        n = len(series)
        i = 0
        while i < n and not engine.stopping:
            began = time.perf_counter()
            spec = quiet_spec(engine, series.symbol, self.venue)
            j = i if spec.every or self.every_candle else first_quiet_wake(series, spec, i)
            if j > i:
                await skip_quiet(engine, self.venue, series, i, j, spec, self.spacing_ms)
                self.skipped += j - i
            stepping = time.perf_counter()
            self.scan_s += stepping - began
            if j >= n:
                break
            yield series.candle(j)
            self.step_s += time.perf_counter() - stepping
            self.stepped += 1
            i = j + 1


def enable_fast_forward(engine: Engine, every_candle: bool = False) -> FastForward | None:
    """Make `engine` fast-forward its replay, if it runs one: a `CandleSeries` at full speed
    on a simulated venue that can tell its quiet band. None (the engine unchanged) otherwise:
    a live feed or a paced replay is never fast-forwarded."""
    feed, clock, venue = engine.feed, engine.clock, engine.exchange
    if engine.mode in LIVE_MODES or not isinstance(feed, CandleSeries):
        return None
    if not isinstance(clock, ReplayClock) or clock.speed is not None:
        return None
    if not all(callable(getattr(venue, m, None)) for m in ("band", "quiet_until_ms", "skip_quiet")):
        return None
    driver = FastForward(feed, cast(QuietVenue, venue), every_candle)
    # a classifier of an unrouted symbol would see only the stepped candles: it goes
    routed = {bot.symbol for bot in engine.bots.values() if bot.router is not None}
    engine.drive_with(driver, classified=None if every_candle else routed)
    return driver
