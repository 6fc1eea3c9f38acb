"""The pure decision step: which regime one bar's indicators propose, and when to adopt it."""

from __future__ import annotations

from typing import NamedTuple

from traderagent.domain import Regime
from traderagent.regime.config import RegimeConfig

TRENDS = frozenset({Regime.BULL_TREND, Regime.BEAR_TREND})
RANGES = frozenset({Regime.TIGHT_RANGE, Regime.WIDE_RANGE})
TRANSITIONS = frozenset({Regime.QUIET_TRANSITION, Regime.VOLATILE_TRANSITION})


class RegimeInputs(NamedTuple):
    """The indicator values of one classifier bar (a tuple: `regime_timeline` makes one per
    bar of a year, ~35,000, and a frozen dataclass cost 1 us each to build)."""

    adx: float
    plus_di: float
    minus_di: float
    atr_pct: float
    """ATR% per the configured horizon (see RegimeConfig.atr_pct_horizon)."""
    ema_fast: float
    ema_slow: float


def propose(inputs: RegimeInputs, current: Regime | None, config: RegimeConfig) -> Regime | None:
    """The regime this bar alone points to, or None (inside the range/transition ADX gap, or a
    trend whose EMAs and DI lines disagree on its direction).

    Entering a trend takes ADX above `trend_adx_above`; a current trend stays proposed until
    ADX falls below `trend_exit_adx_below`. ATR% thresholds have a relative band
    (`atr_pct_band`) around them in which the current side (TIGHT/WIDE, QUIET/VOLATILE) holds.
    """
    adx = inputs.adx
    trending = current in TRENDS
    trend_floor = config.trend_exit_adx_below if trending else config.trend_adx_above
    if adx > trend_floor or (trending and adx == trend_floor):
        return _trend_direction(inputs, config)
    if adx >= config.transition_adx_from:
        held = current is Regime.VOLATILE_TRANSITION if current in TRANSITIONS else None
        volatile = _at_or_above(inputs.atr_pct, config.quiet_atr_pct_below, config, held)
        return Regime.VOLATILE_TRANSITION if volatile else Regime.QUIET_TRANSITION
    if adx < config.range_adx_below:
        held = current is Regime.WIDE_RANGE if current in RANGES else None
        wide = _at_or_above(inputs.atr_pct, config.tight_atr_pct_below, config, held)
        return Regime.WIDE_RANGE if wide else Regime.TIGHT_RANGE
    return None


def _trend_direction(inputs: RegimeInputs, config: RegimeConfig) -> Regime | None:
    bull = inputs.ema_fast > inputs.ema_slow
    if config.trend_needs_di_agreement and bull != (inputs.plus_di > inputs.minus_di):
        return None
    return Regime.BULL_TREND if bull else Regime.BEAR_TREND


def _at_or_above(value: float, threshold: float, config: RegimeConfig, held: bool | None) -> bool:
    """value >= threshold, except that inside the band the side held so far (if any) wins."""
    if held is None:
        return value >= threshold
    if held:
        return value >= threshold * (1.0 - config.atr_pct_band)
    return value >= threshold * (1.0 + config.atr_pct_band)


class RegimeLatch:
    """Holds the confirmed regime: a new one is adopted only after `confirmations` consecutive
    bars propose it, and (except for the first regime) once `min_dwell_ms` has passed since the
    current one began. A bar proposing nothing, or the current regime, breaks the streak."""

    __slots__ = ("confirmations", "min_dwell_ms", "regime", "since_ms", "_candidate", "_streak")

    def __init__(self, confirmations: int, min_dwell_ms: int) -> None:
        if confirmations < 1:
            raise ValueError(f"confirmations must be at least 1, got {confirmations}")
        if min_dwell_ms < 0:
            raise ValueError(f"min_dwell_ms must not be negative, got {min_dwell_ms}")
        self.confirmations = confirmations
        self.min_dwell_ms = min_dwell_ms
        self.regime: Regime | None = None
        self.since_ms = 0
        self._candidate: Regime | None = None
        self._streak = 0

    def step(self, candidate: Regime | None, ts: int) -> bool:
        """Count one bar (closing at `ts`) proposing `candidate`; True if the regime changed."""
        if candidate is None or candidate == self.regime:
            self._candidate, self._streak = None, 0
            return False
        self._streak = self._streak + 1 if candidate == self._candidate else 1
        self._candidate = candidate
        dwelt = self.regime is None or ts - self.since_ms >= self.min_dwell_ms
        if self._streak < self.confirmations or not dwelt:
            return False
        self.regime, self.since_ms = candidate, ts
        self._candidate, self._streak = None, 0
        return True
