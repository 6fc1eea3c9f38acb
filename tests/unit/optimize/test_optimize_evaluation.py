"""Evaluating one point: the kernel where it applies, the engine otherwise, the same metrics."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from traderagent.backtest.inputs import BacktestError
from traderagent.backtest.preset import preset_config
from traderagent.backtest.runner import run_backtest_sync
from traderagent.config import load_config
from traderagent.optimize.evaluation import EvaluationSetup, TrialEvaluator
from traderagent.optimize.space import Choice, FloatRange, IntRange, SearchSpace

START, END = datetime(2023, 3, 6, tzinfo=UTC), datetime(2023, 3, 7, tzinfo=UTC)
SPACE = SearchSpace(
    "grid",
    (
        FloatRange("lower", 20000.0, 23000.0, 500.0),
        IntRange("levels", 11, 31),
        Choice("spacing", ("arithmetic", "geometric")),
    ),
)


def setup(config: str = "configs/default.yaml", **changes: object) -> EvaluationSetup:
    base = EvaluationSetup(load_config(config), "grid-btc", SPACE, "bundled", START, END)
    return replace(base, **changes)  # type: ignore[arg-type]


def test_a_grid_point_runs_on_the_kernel_with_the_engines_metrics() -> None:
    evaluator = TrialEvaluator(setup())
    point = {"lower": 22000.0, "levels": 21, "spacing": "geometric"}
    outcome = evaluator.evaluate(point)
    assert outcome.evaluator == "kernel" and not outcome.error and outcome.metrics is not None
    overrides = {"strategy.lower": "22000", "strategy.levels": 21, "strategy.spacing": "geometric"}
    engine = run_backtest_sync(
        preset_config(load_config("configs/default.yaml"), "grid-btc", overrides),
        start=START,
        end=END,
    )
    assert replace(engine.metrics, elapsed_s=0.0) == replace(outcome.metrics, elapsed_s=0.0)
    forced = TrialEvaluator(setup(evaluation="engine")).evaluate(point)
    assert forced.evaluator == "engine"
    assert replace(forced.metrics, elapsed_s=0.0) == replace(outcome.metrics, elapsed_s=0.0)  # type: ignore[arg-type]


def test_an_invalid_combination_is_an_outcome_with_the_reason() -> None:
    outcome = TrialEvaluator(setup()).evaluate(
        {"lower": 26000.0, "levels": 11, "spacing": "arithmetic"}
    )
    assert outcome.metrics is None and "upper (25000) must be above lower (26000)" in outcome.error


def test_the_kernel_is_refused_only_when_it_was_demanded() -> None:
    trend = SearchSpace("trend", (IntRange("fast_ema", 10, 30),))
    auto = TrialEvaluator(setup("configs/trend.yaml", bot="trend-btc", space=trend))
    assert not auto.kernel
    assert auto.evaluate({"fast_ema": 10}).evaluator == "engine"
    with pytest.raises(BacktestError, match="the fast kernel runs grid and dca bots"):
        TrialEvaluator(
            setup("configs/trend.yaml", bot="trend-btc", space=trend, evaluation="kernel")
        )
