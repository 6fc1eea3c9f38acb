"""The market regime and each routed bot's strategy over a backtest, as the engine lived them.

`RegimeLog` listens to the engine's bus while the replay runs: the regime the classifier held
when the window began (warmed up on the history before it), then every `RegimeChanged` of the
replayed symbol, and every `StrategySwitched` of a bot: the timeline the engine acted on. When
the engine does not classify (a replay that passes over quiet candles drops the classifier of
a symbol no routed bot trades; a fast kernel has no engine), `regime_changes` computes the same
timeline from the same candles with `regime.regime_timeline`, the vectorised twin of the
classifier.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from traderagent.domain import Regime
from traderagent.domain.events import RegimeChanged, StrategySwitched
from traderagent.marketdata import CandleSeries
from traderagent.regime import RegimeConfig, regime_timeline

if TYPE_CHECKING:  # the bus (asyncio with it) is the engine path's, not `--fast`'s
    from traderagent.bus import EventBus

WARMING_UP = "warming up"
"""The label of the time before the classifier confirmed its first regime."""
WAITING = "waiting"
"""A routed bot's route before its first regime (it trades nothing)."""


@dataclass(frozen=True, slots=True)
class Change:
    """From `ts` (epoch ms, engine time) on, `label` holds (a regime, or a strategy kind)."""

    ts: int
    label: str


@dataclass(slots=True)
class RegimeLog:
    """The regime changes of `symbol` and the routed bots' strategy changes during a run."""

    symbol: str
    regimes: list[Change] = field(default_factory=list)
    routes: dict[str, list[Change]] = field(default_factory=dict)
    route_labels: dict[str, dict[Regime, str]] = field(default_factory=dict)
    """Per routed bot, each regime's route as the router names it (`grid, geometric`)."""
    unsubscribe: list[Callable[[], None]] = field(default_factory=list)

    @classmethod
    def listen(
        cls,
        bus: EventBus,
        symbol: str,
        start_ms: int,
        regime: Regime | None,
        routes: Mapping[str, tuple[str, Mapping[Regime, str]]],
        regimes: list[Change] | None = None,
    ) -> RegimeLog:
        """Start recording at `start_ms` with the current `regime` and, per routed bot, its
        current route and every regime's route label (`routes`); `regimes`: the timeline computed
        already when the engine does not classify this run's candles (then only the routes
        are recorded)."""
        log = cls(symbol, regimes if regimes is not None else [Change(start_ms, label(regime))])
        log.routes = {bot: [Change(start_ms, now)] for bot, (now, _) in routes.items()}
        log.route_labels = {bot: dict(labels) for bot, (_, labels) in routes.items()}
        log.unsubscribe = [bus.subscribe(StrategySwitched, log._switch)]
        if regimes is None:
            log.unsubscribe.append(bus.subscribe(RegimeChanged, log._regime))
        return log

    def stop(self) -> None:
        for unsubscribe in self.unsubscribe:
            unsubscribe()
        self.unsubscribe = []

    def _regime(self, event: RegimeChanged) -> None:
        if event.symbol == self.symbol:
            self.regimes.append(Change(event.ts, label(event.new)))

    def _switch(self, event: StrategySwitched) -> None:
        if event.bot in self.routes:
            route = self.route_labels[event.bot].get(event.regime, event.new)
            self.routes[event.bot].append(Change(event.ts, route))


def label(regime: Regime | None) -> str:
    return WARMING_UP if regime is None else regime.value


def regime_changes(
    candles: CandleSeries, config: RegimeConfig, history: CandleSeries | None = None
) -> list[Change]:
    """The regime timeline over `candles`, the classifier warmed up on `history` (the candles
    just before them) as the engine warms it: for a run whose engine did not classify (a fast
    kernel; a replay that skips quiet candles and routes no bot)."""
    if len(candles) == 0:
        return []
    start = int(candles.first_ts)
    series = candles if history is None or len(history) == 0 else _joined(history, candles)
    changes = [Change(start, WARMING_UP)]
    for segment in regime_timeline(series, config):
        if segment.start_ms <= start:
            changes[0] = Change(start, segment.regime.value)  # in force when the run began
        else:
            changes.append(Change(segment.start_ms, segment.regime.value))
    return changes


def _joined(history: CandleSeries, candles: CandleSeries) -> CandleSeries:
    def both(name: str) -> np.ndarray[Any, Any]:
        return np.concatenate((getattr(history, name), getattr(candles, name)))

    return CandleSeries(
        symbol=candles.symbol,
        interval_ms=candles.interval_ms,
        ts=both("ts"),
        open=both("open"),
        high=both("high"),
        low=both("low"),
        close=both("close"),
        volume=both("volume"),
    )
