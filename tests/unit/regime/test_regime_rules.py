"""The pure decision step: each regime's entry thresholds, the hysteresis bands, the latch."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from traderagent.domain import Regime
from traderagent.regime import RegimeConfig, RegimeInputs, RegimeLatch, propose

CONFIG = RegimeConfig()  # ADX 18 / 22 / 32 (trend kept down to 28), ATR% 1 and 2, band 10 %
BAR = 15 * 60_000


def bar(adx: float, atr_pct: float = 0.5, bull: bool = True, di_agree: bool = True) -> RegimeInputs:
    fast, slow = (101.0, 100.0) if bull else (99.0, 100.0)
    plus, minus = (30.0, 10.0) if bull == di_agree else (10.0, 30.0)
    return RegimeInputs(adx, plus, minus, atr_pct, fast, slow)


@pytest.mark.parametrize(
    ("inputs", "expected"),
    [
        (bar(adx=17.9, atr_pct=0.99), Regime.TIGHT_RANGE),
        (bar(adx=10.0, atr_pct=1.0), Regime.WIDE_RANGE),
        (bar(adx=22.0, atr_pct=1.99), Regime.QUIET_TRANSITION),
        (bar(adx=32.0, atr_pct=2.0), Regime.VOLATILE_TRANSITION),
        (bar(adx=32.1, bull=True), Regime.BULL_TREND),
        (bar(adx=45.0, bull=False), Regime.BEAR_TREND),
        (bar(adx=18.0), None),  # the 18-22 gap proposes nothing
        (bar(adx=21.99), None),
    ],
)
def test_entry_thresholds_of_each_regime(inputs: RegimeInputs, expected: Regime | None) -> None:
    assert propose(inputs, None, CONFIG) == expected


def test_equal_emas_read_as_bearish() -> None:
    level = RegimeInputs(40.0, 10.0, 30.0, 0.5, 100.0, 100.0)
    assert propose(level, None, CONFIG) is Regime.BEAR_TREND


def test_a_trend_is_kept_until_adx_falls_below_the_exit_band() -> None:
    for trend, bull in ((Regime.BULL_TREND, True), (Regime.BEAR_TREND, False)):
        assert propose(bar(adx=30.0, bull=bull), trend, CONFIG) is trend
        assert propose(bar(adx=28.0, bull=bull), trend, CONFIG) is trend
        assert propose(bar(adx=27.9, bull=bull), trend, CONFIG) is Regime.QUIET_TRANSITION
    # outside a trend, the same ADX is only a transition
    assert propose(bar(adx=30.0), Regime.QUIET_TRANSITION, CONFIG) is Regime.QUIET_TRANSITION


def test_a_trend_whose_di_lines_disagree_with_the_emas_proposes_nothing() -> None:
    assert propose(bar(adx=40.0, di_agree=False), None, CONFIG) is None
    lenient = CONFIG.model_copy(update={"trend_needs_di_agreement": False})
    assert propose(bar(adx=40.0, di_agree=False), None, lenient) is Regime.BULL_TREND


def test_atr_thresholds_hold_the_current_side_inside_their_band() -> None:
    # range: TIGHT below 1.0; within 0.9..1.1 the current side holds
    assert propose(bar(adx=10, atr_pct=1.05), Regime.TIGHT_RANGE, CONFIG) is Regime.TIGHT_RANGE
    assert propose(bar(adx=10, atr_pct=1.1), Regime.TIGHT_RANGE, CONFIG) is Regime.WIDE_RANGE
    assert propose(bar(adx=10, atr_pct=0.95), Regime.WIDE_RANGE, CONFIG) is Regime.WIDE_RANGE
    assert propose(bar(adx=10, atr_pct=0.89), Regime.WIDE_RANGE, CONFIG) is Regime.TIGHT_RANGE
    # transition: QUIET below 2.0, band 1.8..2.2
    volatile, quiet = Regime.VOLATILE_TRANSITION, Regime.QUIET_TRANSITION
    assert propose(bar(adx=25, atr_pct=1.85), volatile, CONFIG) is volatile
    assert propose(bar(adx=25, atr_pct=2.15), quiet, CONFIG) is quiet
    # arriving from another family, the plain threshold decides
    assert propose(bar(adx=10, atr_pct=1.05), Regime.QUIET_TRANSITION, CONFIG) is Regime.WIDE_RANGE


def test_the_latch_adopts_a_regime_after_n_bars_and_the_dwell() -> None:
    latch = RegimeLatch(confirmations=3, min_dwell_ms=8 * BAR)
    steps = [latch.step(Regime.TIGHT_RANGE, i * BAR) for i in range(1, 4)]
    assert steps == [False, False, True]  # the first regime needs confirmations, no dwell
    assert (latch.regime, latch.since_ms) == (Regime.TIGHT_RANGE, 3 * BAR)
    switched = [latch.step(Regime.BEAR_TREND, i * BAR) for i in range(4, 14)]
    assert switched.index(True) + 4 == 11  # confirmed at bar 6, but the dwell ends at bar 11
    assert (latch.regime, latch.since_ms) == (Regime.BEAR_TREND, 11 * BAR)


def test_a_gap_bar_or_another_candidate_restarts_the_count() -> None:
    latch = RegimeLatch(confirmations=2, min_dwell_ms=0)
    latch.step(Regime.TIGHT_RANGE, 1)
    latch.step(Regime.TIGHT_RANGE, 2)
    assert not latch.step(Regime.WIDE_RANGE, 3)
    assert not latch.step(None, 4)
    assert not latch.step(Regime.WIDE_RANGE, 5)
    assert not latch.step(Regime.BULL_TREND, 6)
    assert latch.step(Regime.BULL_TREND, 7) and latch.regime is Regime.BULL_TREND


@settings(max_examples=300, deadline=None)
@given(
    candidates=st.lists(st.sampled_from([None, *Regime]), max_size=120),
    confirmations=st.integers(1, 6),
    dwell_bars=st.integers(0, 20),
)
def test_no_change_inside_the_dwell_or_without_n_confirmations(
    candidates: list[Regime | None], confirmations: int, dwell_bars: int
) -> None:
    latch = RegimeLatch(confirmations, dwell_bars * BAR)
    for i, candidate in enumerate(candidates):
        before, since, ts = latch.regime, latch.since_ms, (i + 1) * BAR
        changed = latch.step(candidate, ts)
        assert changed == (latch.regime != before)
        if not changed:
            continue
        assert i + 1 >= confirmations
        assert candidates[i + 1 - confirmations : i + 1] == [latch.regime] * confirmations
        assert before is None or ts - since >= dwell_bars * BAR
        assert latch.since_ms == ts


@settings(max_examples=100, deadline=None)
@given(
    first=st.sampled_from(list(Regime)),
    second=st.sampled_from(list(Regime)),
    confirmations=st.integers(1, 6),
    dwell_bars=st.integers(0, 20),
)
def test_a_steady_new_candidate_is_adopted_as_soon_as_allowed(
    first: Regime, second: Regime, confirmations: int, dwell_bars: int
) -> None:
    latch = RegimeLatch(confirmations, dwell_bars * BAR)
    for i in range(1, confirmations + 1):
        latch.step(first, i * BAR)
    assert (latch.regime, latch.since_ms) == (first, confirmations * BAR)
    changes = [i for i in range(1, 60) if latch.step(second, (confirmations + i) * BAR)]
    expected = [] if second is first else [max(confirmations, dwell_bars)]
    assert changes == expected
