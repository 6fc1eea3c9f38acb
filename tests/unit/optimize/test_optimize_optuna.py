"""TPE and NSGA-II searches: seeded, constrained, multi-objective, on a shared storage."""

from __future__ import annotations

from pathlib import Path

from unit.optimize.synthetic import SyntheticEvaluator, bowl

from traderagent.optimize.objectives import parse_constraint, parse_objectives
from traderagent.optimize.optuna_search import OptunaPlan, optuna_search, population_size
from traderagent.optimize.space import Choice, FloatRange, IntRange, SearchSpace
from traderagent.optimize.trials import Outcome, TrialLog, best_trial, pareto_front

SPACE = SearchSpace(
    "grid",
    (IntRange("x", 0, 100), FloatRange("y", 0.0, 1.0, 0.01), Choice("c", ("a", "b"))),
)


def run(
    method: str = "tpe",
    seed: int | None = 7,
    trials: int = 30,
    objectives: str = "return",
    constraints: tuple[str, ...] = (),
    storage: str | None = None,
    batch: int = 1,
) -> tuple[TrialLog, SyntheticEvaluator]:
    log = TrialLog(parse_objectives(objectives), [parse_constraint(c) for c in constraints])
    evaluate = SyntheticEvaluator(bowl, batch_size=batch)
    plan = OptunaPlan(method, trials, seed, "unit-study", storage)
    optuna_search(SPACE, plan, evaluate, log)
    return log, evaluate


def test_a_seeded_tpe_search_is_reproducible() -> None:
    _, first = run(seed=7)
    _, again = run(seed=7)
    _, other = run(seed=8)
    assert first.asked == again.asked
    assert first.asked != other.asked
    assert len(first.asked) == 30


def test_tpe_improves_on_its_random_start_and_records_every_trial() -> None:
    log, evaluate = run(trials=60)
    assert len(log.records) == 60 and {r.number for r in log.records} == set(range(60))
    best = best_trial(log.records, log.objectives)
    assert best is not None
    startup = max(r.values[0] for r in log.records if r.number < 10)  # type: ignore[type-var]
    assert best.values[0] > startup  # type: ignore[operator]
    assert all(isinstance(p["x"], int) and round(p["y"], 2) == p["y"] for p in evaluate.asked)  # type: ignore[arg-type]


def test_a_constrained_tpe_never_chooses_an_infeasible_trial() -> None:
    log, _ = run(trials=40, constraints=("max_drawdown_pct<=15",))
    best = best_trial(log.records, log.objectives)
    assert best is not None and best.feasible and best.params["x"] <= 30  # type: ignore[operator]
    assert any(not r.feasible for r in log.records)  # the sampler did try beyond the limit


def test_nsga2_reports_a_pareto_front_of_return_against_drawdown() -> None:
    log, _ = run(
        "nsga2", trials=40, objectives="return,max_drawdown", constraints=("max_drawdown_pct<=40",)
    )
    front = pareto_front(log.records, log.objectives)
    assert front and all(r.feasible for r in front)
    for r in front:
        for other in log.records:
            if other.feasible:  # nothing feasible beats a front member on both objectives
                assert not (
                    other.values[0] > r.values[0] and other.values[1] < r.values[1]  # type: ignore[operator]
                )
    assert best_trial(log.records, log.objectives) in front
    assert population_size(40) == 8 and population_size(1000) == 50


def test_a_point_that_cannot_run_is_a_failed_trial_not_a_crash() -> None:
    log = TrialLog(parse_objectives("return"), [])

    class Failing(SyntheticEvaluator):
        def __call__(self, points):  # type: ignore[no-untyped-def]
            return [Outcome(p, None, "upper must be above lower") for p in points]

    optuna_search(SPACE, OptunaPlan("tpe", 5, 1, "failing"), Failing(bowl), log)
    assert len(log.records) == 5 and all(r.error and not r.scored for r in log.records)
    assert best_trial(log.records, log.objectives) is None


def test_two_runs_on_one_storage_share_the_study(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'study.db'}"
    first, _ = run(trials=6, storage=url, seed=1)
    second, _ = run(trials=6, storage=url, seed=2, batch=3)
    assert len(first.records) == 6
    assert len(second.records) == 12  # the second process sees the first one's trials too
    assert {r.number for r in second.records} == set(range(12))
    assert [r.params for r in second.records[:6]] == [r.params for r in first.records]


def test_a_point_asked_again_is_not_evaluated_again_and_is_marked() -> None:
    tiny = SearchSpace("grid", (Choice("c", ("a", "b")), IntRange("x", 36, 38)))
    log = TrialLog(parse_objectives("return"), [])
    evaluate = SyntheticEvaluator(lambda p: bowl({**p, "y": 0.62}), batch_size=2)
    told = optuna_search(tiny, OptunaPlan("tpe", 12, 7, "repeats"), evaluate, log).told
    assert told == set(range(12)) and len(log.records) == 12
    keys = [tuple(sorted(p.items())) for p in evaluate.asked]
    assert len(keys) == len(set(keys)) <= 6  # each distinct point evaluated once
    first: dict[tuple[object, ...], int] = {}
    for r in sorted(log.records, key=lambda r: r.number):
        key = tuple(sorted(r.params.items()))
        assert r.repeat_of == first.get(key)
        first.setdefault(key, r.number)
        assert r.metrics == next(
            o.metrics for o in log.records if o.number == first[key]
        )  # the first trial's result, told to the study as its own
    assert sum(r.repeat_of is not None for r in log.records) >= 6
