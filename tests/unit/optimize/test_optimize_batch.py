"""Batched trials: many points per kernel call, float64 estimates that match the exact
metrics, and exact metrics for every trial a report shows."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from traderagent.config import load_config
from traderagent.optimize.batch import ESTIMATED, KernelBatches
from traderagent.optimize.evaluation import EvaluationSetup, TrialEvaluator
from traderagent.optimize.objectives import OBJECTIVES
from traderagent.optimize.run import SearchPlan, run_search
from traderagent.optimize.space import Choice, FloatRange, IntRange, SearchSpace

START, END = datetime(2023, 3, 6, tzinfo=UTC), datetime(2023, 3, 10, tzinfo=UTC)
GRID = SearchSpace(
    "grid",
    (
        FloatRange("lower", 20000.0, 23000.0, 500.0),
        IntRange("levels", 11, 31),
        Choice("spacing", ("arithmetic", "geometric")),
    ),
)
DCA = SearchSpace(
    "dca",
    (
        FloatRange("price_deviation", 0.5, 3.0, 0.5),
        FloatRange("take_profit", 0.5, 3.0, 0.5),
        IntRange("max_safety_orders", 2, 8),
    ),
)
GRID_POINTS = [
    {"lower": 22000.0, "levels": 21, "spacing": "geometric"},
    {"lower": 20000.0, "levels": 31, "spacing": "arithmetic"},
    {"lower": 23000.0, "levels": 11, "spacing": "arithmetic"},
    {"lower": 26000.0, "levels": 11, "spacing": "arithmetic"},  # upper below lower: an error
]
DCA_POINTS = [
    {"price_deviation": 0.5, "take_profit": 0.5, "max_safety_orders": 8},
    {"price_deviation": 1.5, "take_profit": 1.0, "max_safety_orders": 4},
    {"price_deviation": 3.0, "take_profit": 3.0, "max_safety_orders": 2},
]


def _evaluator(kind: str) -> TrialEvaluator:
    if kind == "grid":
        setup = EvaluationSetup(load_config("configs/default.yaml"), "grid-btc", GRID, "bundled")
    else:
        setup = EvaluationSetup(load_config("configs/dca.yaml"), "dca-btc", DCA, "bundled")
    return TrialEvaluator(replace(setup, start=START, end=END, evaluation="kernel"))


@pytest.mark.parametrize(("kind", "points"), [("grid", GRID_POINTS), ("dca", DCA_POINTS)])
def test_the_batch_estimates_are_the_exact_metrics_to_float_precision(
    kind: str, points: list[dict[str, object]]
) -> None:
    evaluator = _evaluator(kind)
    batch = KernelBatches(evaluator, 1, stats=True)
    estimated = batch(points)
    assert len(estimated) == len(points)
    ran = 0
    for point, outcome in zip(points, estimated, strict=True):
        exact = evaluator.evaluate(point)
        assert outcome.params == point
        if exact.metrics is None:  # an invalid point ends as the exact evaluator ends it
            assert outcome == exact
            continue
        ran += 1
        got = outcome.metrics
        assert outcome.evaluator == ESTIMATED and got is not None
        want = exact.metrics
        counts = ("candles", "orders", "fills", "trades", "grid_cycles", "rejected_orders")
        for name in counts:
            assert getattr(got, name) == getattr(want, name), name
        assert (got.halted is None) == (want.halted is None)
        for name in ("fees", "net_pnl", "final_equity"):
            assert float(getattr(got, name)) == pytest.approx(float(getattr(want, name)), abs=1e-6)
        floats = ("return_pct", "max_drawdown_pct", "sharpe", "sortino", "win_rate")
        for name in (*floats, "profit_factor"):
            a, b = getattr(got, name), getattr(want, name)
            assert (a is None) == (b is None), name
            if a is not None:
                assert math.isclose(a, b, rel_tol=1e-7, abs_tol=1e-9), (name, a, b)
    assert ran >= 2


def test_without_return_statistics_the_batch_leaves_sharpe_undefined() -> None:
    outcome = KernelBatches(_evaluator("grid"), 1, stats=False)(GRID_POINTS[:1])[0]
    assert outcome.metrics is not None
    assert outcome.metrics.sharpe is None and outcome.metrics.sortino is None
    assert outcome.metrics.trades > 0


@pytest.mark.parametrize("method", ["grid", "tpe"])
def test_every_reported_trial_is_exact(method: str) -> None:
    evaluator = _evaluator("grid")
    plan = SearchPlan(method, 24, (OBJECTIVES["return"],), report=5)
    result = run_search(evaluator.setup, plan, evaluator=evaluator)
    assert len(result.records) == 24
    assert {r.evaluator for r in result.records} >= {ESTIMATED}  # the rest stay estimates
    shown = [r for r in result.records[:5] if r.metrics is not None]
    assert shown and result.best is not None and result.best is result.records[0]
    for record in shown:
        assert record.evaluator == "kernel"
        exact = evaluator.evaluate(record.params).metrics
        assert exact is not None and record.metrics is not None
        assert replace(record.metrics, elapsed_s=0.0) == replace(exact, elapsed_s=0.0)
