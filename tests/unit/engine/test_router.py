"""The routing policy: first route at once, no switch inside the lock, none for the same config."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from traderagent.domain import Regime
from traderagent.engine.router import Route, StrategyRouter

HOUR = 3_600_000

CONFIGS = {
    Regime.TIGHT_RANGE: "grid-arith",
    Regime.WIDE_RANGE: "grid-geo",
    Regime.QUIET_TRANSITION: "grid-cautious",
    Regime.VOLATILE_TRANSITION: "dca-cautious",
    Regime.BULL_TREND: "trend",
    Regime.BEAR_TREND: "dca-accumulate",
}


def router(lock_ms: int = 2 * HOUR) -> StrategyRouter:
    return StrategyRouter(
        {regime: Route(regime, config, config) for regime, config in CONFIGS.items()}, lock_ms
    )


def test_every_regime_needs_a_route() -> None:
    with pytest.raises(ValueError, match="no route for BEAR_TREND"):
        StrategyRouter({r: Route(r, "x", "x") for r in Regime if r is not Regime.BEAR_TREND}, HOUR)


def test_the_first_confirmed_regime_is_routed_at_once() -> None:
    policy = router()
    assert policy.decide(None, 0) is None  # still warming up
    route = policy.decide(Regime.BULL_TREND, 0)
    assert route is not None and route.config == "trend"


def test_no_switch_inside_the_lock_then_switch_when_it_expires() -> None:
    policy = router()
    policy.switched(policy.route_for(Regime.TIGHT_RANGE), 0)
    assert policy.decide(Regime.BEAR_TREND, HOUR) is None
    assert policy.lock_remaining_ms(HOUR) == HOUR
    route = policy.decide(Regime.BEAR_TREND, 2 * HOUR)
    assert route is not None and route.regime is Regime.BEAR_TREND


def test_same_strategy_and_parameters_means_no_switch() -> None:
    policy = StrategyRouter({r: Route(r, "grid", "same") for r in Regime}, 0)
    policy.switched(policy.route_for(Regime.TIGHT_RANGE), 0)
    assert policy.decide(Regime.WIDE_RANGE, 10 * HOUR) is None


@given(st.lists(st.tuples(st.sampled_from(list(Regime)), st.integers(0, HOUR)), max_size=60))
def test_switches_are_at_least_a_lock_apart(steps: list[tuple[Regime, int]]) -> None:
    policy = router()
    now, switch_times = 0, []
    for regime, gap in steps:
        now += gap
        route = policy.decide(regime, now)
        if route is not None:
            policy.switched(route, now)
            switch_times.append(now)
    assert all(b - a >= 2 * HOUR for a, b in zip(switch_times, switch_times[1:], strict=False))
