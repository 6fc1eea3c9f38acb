"""Quiet spans of a replay: which coming candles could change anything in the engine.

Between events (fills, order changes, strategy wake-ups, regime bars, risk checks) nothing in
the engine changes but the price. After each stepped candle every party says what would wake
it, and `QuietSpec` is the union: the paper book's band (a candle crossing a resting order's
price), each running strategy's `Wake`, a pair stop loss, the regime classifier's bar closes
(for routed bots, which act on them), a snapshot or book checkpoint coming due, and the
account's daily loss and drawdown limits (the equity is cash + base x close while nothing
fills, so a scan can find the first candle that could breach). Every condition is a superset:
a spurious wake costs one stepped candle, a missed one would change the result.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import TYPE_CHECKING, Protocol

from strategies.base import Wake, at_or_below, wake_of
from traderagent.clock import Clock
from traderagent.domain import Balance, BotState, Candle, Instrument
from traderagent.engine.account_risk import HALTABLE
from traderagent.engine.checkpoints import CheckpointedBot, SnapshotSchedule
from traderagent.engine.protocols import RegimeSource
from traderagent.engine.risk import EquityWatch, RiskGate

if TYPE_CHECKING:
    from traderagent.config.risk import RiskConfig

NEVER_MS = 2**62
"""`until_ms` when no timer wakes the engine."""
WATCHED = frozenset({BotState.RUNNING, BotState.PAUSED})
"""States in which a bot's stop loss is checked on every candle."""


class QuietVenue(Protocol):
    """A simulated venue that can say which candles could fill its resting orders."""

    def band(self, symbol: str) -> tuple[float, float]: ...

    def quiet_until_ms(self) -> int | None: ...

    def skip_quiet(self, symbol: str, close: float, close_time: int) -> None: ...


class QuietBot(CheckpointedBot, Protocol):
    """What a quiet span's scan reads of a bot (`QuietBot` is one)."""

    @property
    def symbol(self) -> str: ...

    @property
    def instrument(self) -> Instrument: ...

    @property
    def risk(self) -> RiskGate | None: ...

    def stopping_out(self) -> bool: ...


class QuietAccount(Protocol):
    """The engine's account and schedule as a quiet span sees them, whether it scans the
    span (`QuietEngine`) or passes over it (`skip.SkippingEngine`)."""

    @property
    def starting_equity(self) -> Decimal | None: ...

    @property
    def snapshots(self) -> SnapshotSchedule: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def equity_watch(self) -> EquityWatch | None: ...

    @property
    def balances(self) -> Mapping[str, Balance]: ...

    @property
    def prices(self) -> Mapping[str, Decimal]: ...


class QuietEngine(QuietAccount, Protocol):
    """What a quiet span's scan reads of the engine (`Engine` is one)."""

    @property
    def has_pending_updates(self) -> bool: ...

    @property
    def bots(self) -> Mapping[str, QuietBot]: ...

    @property
    def classifiers(self) -> Mapping[str, RegimeSource]: ...

    @property
    def equity(self) -> Decimal: ...


@dataclass(slots=True)
class EquityLimits:
    """The daily loss and drawdown limits as float figures for a scan; the account's equity
    over a quiet span is `base + qty x close`."""

    base: float
    qty: float
    peak: float
    day: int
    """UTC day being measured (-1 before the first)."""
    day_start: float
    max_loss: float
    max_drawdown_pct: float


@dataclass(slots=True)
class QuietSpec:
    """What wakes the engine next: `every` (the very next candle), a candle whose low is
    strictly below `low_below` or high strictly above `high_above`, one closing a bar of an
    interval in `bars`, one closing at or after `until_ms`, or one the equity limits may
    breach on. `absorbers` are shown each skipped candle (indicators that follow every one)."""

    every: bool = False
    low_below: float = -math.inf
    high_above: float = math.inf
    bars: tuple[int, ...] = ()
    until_ms: int = NEVER_MS
    absorbers: tuple[Callable[[Candle], object], ...] = ()
    equity: EquityLimits | None = None

    def add(self, wake: Wake, absorb: Callable[[Candle], object] | None = None) -> None:
        if wake.low_below > self.low_below:
            self.low_below = wake.low_below
        if wake.high_above < self.high_above:
            self.high_above = wake.high_above
        if wake.bar_ms and wake.bar_ms not in self.bars:
            self.bars = (*self.bars, wake.bar_ms)
        if wake.candles and absorb is not None:
            self.absorbers = (*self.absorbers, absorb)

    def wake_at(self, ms: int | None) -> None:
        if ms is not None:
            self.until_ms = min(self.until_ms, ms)


def quiet_spec(engine: QuietEngine, symbol: str, venue: QuietVenue) -> QuietSpec:
    """The union of every party's wake condition after the last stepped candle."""
    spec = QuietSpec()
    if engine.starting_equity is None or engine.has_pending_updates:
        spec.every = True
        return spec
    spec.low_below, spec.high_above = venue.band(symbol)
    spec.wake_at(venue.quiet_until_ms())
    bots = [bot for bot in engine.bots.values() if bot.symbol == symbol]
    classifier = engine.classifiers.get(symbol)
    if classifier is not None and any(bot.router is not None for bot in bots):
        bar_ms = getattr(classifier, "bar_ms", None)  # routed bots act on its readings
        if not isinstance(bar_ms, int):
            spec.every = True
            return spec
        spec.add(Wake(bar_ms=bar_ms, candles=True), classifier.update)
    for bot in bots:
        _bot_wake(spec, bot)
        if spec.every:
            return spec
    spec.wake_at(engine.snapshots.quiet_until(engine.bots.values(), engine.clock.now_ms()))
    for bot in engine.bots.values():
        if bot.state in HALTABLE:
            spec.equity = _equity_limits(engine, symbol, bots)
            break
    return spec


def _bot_wake(spec: QuietSpec, bot: QuietBot) -> None:
    state = bot.state
    if state is BotState.STARTING:
        spec.every = True  # it starts (or retries its reconcile) on the next candle
        return
    tick = float(bot.instrument.tick_size)
    if bot.risk is not None and state in WATCHED and not bot.stopping_out():
        level = bot.risk.stop_level(bot.position.qty, bot.position.avg_price)
        if level is not None:
            spec.add(within_a_tick(Wake(low_below=at_or_below(level)), tick))
    if state is BotState.RUNNING:
        wake = wake_of(bot.strategy)
        if wake is None:
            spec.every = True
            return
        absorb: Callable[[Candle], object] | None = getattr(bot.strategy, "absorb", None)
        spec.add(within_a_tick(wake, tick), absorb)


def within_a_tick(wake: Wake, tick: float) -> Wake:
    """`wake`, also for candles a tick short of its levels: a bot reads prices on the tick
    (`Instrument.market_price`, half-even), so a low a hair above a level may round onto it."""
    if wake.low_below == -math.inf and wake.high_above == math.inf:
        return wake
    return replace(wake, low_below=wake.low_below + tick, high_above=wake.high_above - tick)


def _equity_limits(engine: QuietEngine, symbol: str, bots: list[QuietBot]) -> EquityLimits | None:
    watch = engine.equity_watch
    if watch is None or not bots:
        return None
    limits = _limit_floats(watch.config)
    if limits is None:
        return None
    held = engine.balances.get(bots[0].instrument.base)
    price = engine.prices.get(symbol)
    # a new Decimal after every fill: converted, not remembered
    qty = float(held.total) if held is not None and price is not None else 0.0
    # floats for a scan with slack: the equity less the traded base's share of it
    base = _float(engine.equity) - (qty * _float(price) if price is not None else 0.0)
    return EquityLimits(
        base,
        qty,
        _float(watch.peak),
        watch.day if watch.day is not None else -1,
        _float(watch.day_start),
        *limits,
    )


_limits: tuple[RiskConfig, tuple[float, float] | None] | None = None


def _limit_floats(config: RiskConfig) -> tuple[float, float] | None:
    """(max daily loss, max drawdown %) as floats (inf: not set) for the risk config in force
    (remembered: read after every event), or None when neither is set."""
    global _limits  # noqa: PLW0603 - one entry: the config object in force
    known = _limits
    if known is not None and known[0] is config:
        return known[1]
    loss, drawdown = config.max_daily_loss, config.max_drawdown_pct
    floats = (
        None
        if loss is None and drawdown is None
        else (
            math.inf if loss is None else float(loss),
            math.inf if drawdown is None else float(drawdown),
        )
    )
    _limits = (config, floats)
    return floats


_floats: dict[int, tuple[Decimal, float]] = {}


def _float(value: Decimal) -> float:
    """float(value), remembered for the same Decimal object (a limit, a peak, a price are read
    again after every event, and float(Decimal) goes through text)."""
    known = _floats.get(id(value))
    if known is not None and known[0] is value:
        return known[1]
    if len(_floats) > 64:
        _floats.clear()
    result = float(value)
    _floats[id(value)] = (value, result)
    return result
