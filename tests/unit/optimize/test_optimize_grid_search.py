"""Coarse-to-fine grid search on a synthetic objective with a known optimum."""

from __future__ import annotations

import pytest
from unit.optimize.synthetic import SyntheticEvaluator, bowl

from traderagent.optimize.grid_search import (
    SearchError,
    grid_search,
    lattice_counts,
    point_key,
)
from traderagent.optimize.objectives import OBJECTIVES, parse_constraint
from traderagent.optimize.space import Choice, FloatRange, IntRange, SearchSpace
from traderagent.optimize.trials import TrialLog

SPACE = SearchSpace(
    "grid",
    (IntRange("x", 0, 100), FloatRange("y", 0.0, 1.0, 0.01), Choice("c", ("a", "b"))),
)
RETURN = [OBJECTIVES["return"]]


def search(
    budget: int, constraints: list[str] = (), batch: int = 1
) -> tuple[TrialLog, SyntheticEvaluator]:  # type: ignore[assignment]
    log = TrialLog(RETURN, [parse_constraint(c) for c in constraints])
    evaluate = SyntheticEvaluator(bowl, batch_size=batch)
    grid_search(SPACE, budget, evaluate, log)
    return log, evaluate


def test_coarse_to_fine_finds_the_known_optimum() -> None:
    log, evaluate = search(150)
    best = log.ranked()[0]
    assert best.params == {"c": "b", "x": 37, "y": 0.62}
    assert best.values == (0.0,)
    assert len(evaluate.asked) <= 150


def test_the_coarse_lattice_spans_the_space_before_any_refinement() -> None:
    _, evaluate = search(150)
    coarse = evaluate.asked[:72]  # 2 choices x 6 x 6 fits in half the budget
    assert {p["x"] for p in coarse} == {0, 20, 40, 60, 80, 100}
    assert {p["y"] for p in coarse} == {0.0, 0.2, 0.4, 0.6, 0.8, 1.0}
    assert {p["c"] for p in coarse} == {"a", "b"}
    assert lattice_counts(SPACE.numeric, 2, 75) == [6, 6]


def test_every_point_is_evaluated_once_and_the_search_is_deterministic() -> None:
    _, first = search(90)
    _, again = search(90)
    assert first.asked == again.asked
    keys = [point_key(p) for p in first.asked]
    assert len(keys) == len(set(keys)) == 90


def test_batches_of_workers_evaluate_the_same_points() -> None:
    _, single = search(90)
    _, batched = search(90, batch=4)
    assert batched.asked == single.asked


def test_constraints_are_respected_and_infeasible_trials_never_win() -> None:
    log, _ = search(150, ["max_drawdown_pct<=15"])  # drawdown = x / 2: x <= 30
    order = log.ranked()
    assert order[0].feasible and order[0].params["x"] == 30 and order[0].params["y"] == 0.62
    flags = [r.feasible for r in order]
    assert flags == sorted(flags, reverse=True)  # every feasible trial before any infeasible
    assert any(not f for f in flags)


def test_a_small_range_stops_refining_once_its_step_is_reached() -> None:
    space = SearchSpace("grid", (IntRange("x", 30, 40), Choice("c", ("a", "b"))))
    evaluate = SyntheticEvaluator(lambda p: (-abs(float(p["x"]) - 37), 0.0))  # type: ignore[arg-type]
    log = TrialLog(RETURN, [])
    grid_search(space, 500, evaluate, log)
    assert len(evaluate.asked) == 22  # every value once, then nothing finer exists
    assert log.ranked()[0].params["x"] == 37


def test_too_many_choices_for_the_budget_is_an_error() -> None:
    space = SearchSpace("grid", (Choice("a", tuple(range(5))), Choice("b", tuple(range(5)))))
    with pytest.raises(SearchError, match="25 combinations, more than the 20 trials"):
        grid_search(space, 20, SyntheticEvaluator(lambda p: (0.0, 0.0)), TrialLog(RETURN, []))


def test_a_cancelled_search_stops_between_batches() -> None:
    log = TrialLog(RETURN, [])
    evaluate = SyntheticEvaluator(bowl, batch_size=5)
    seen: list[int] = []
    grid_search(SPACE, 150, evaluate, log, progress=seen.append, cancelled=lambda: len(seen) >= 3)
    assert len(log.records) == 15 and seen == [5, 10, 15]
