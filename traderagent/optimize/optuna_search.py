"""Optuna searches: TPE (`tpe`) and NSGA-II (`nsga2`), seeded, with constraints.

The study runs ask-and-tell: this process asks for as many points as it has workers, has
them evaluated, and tells the study each result, with the trial's parameters and metrics as
user attributes and each constraint's violation set with `Trial.set_constraint` (Optuna 5's
replacement for `constraints_func`), which both samplers read: infeasible trials steer the
search and are never chosen. A trial whose point could not run, or whose objective is
undefined, is told as failed.

TPE may ask again for parameters it has already tried: within a run such a repeat is not
evaluated again; it is told the first result and marked (`Outcome.repeat_of`).

With a shared storage, every process that joins the study (`load_if_exists`) adds its
trials; the results read back at the end cover all of them, from every machine, and
`optuna_search` returns the numbers of the trials this run added.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from traderagent.optimize.grid_search import SearchError, point_key
from traderagent.optimize.pool import BatchEvaluator
from traderagent.optimize.space import Choice, FloatRange, Param, Point, SearchSpace
from traderagent.optimize.study_storage import StudyStorage
from traderagent.optimize.trials import Outcome, TrialLog, metrics_from_json, score


@dataclass(frozen=True, slots=True)
class OptunaPlan:
    """How to run the study."""

    method: str
    """`tpe` or `nsga2`."""
    trials: int
    """Trials this process runs (a shared study may hold more)."""
    seed: int | None
    study: str
    storage: str | None = None


def population_size(trials: int) -> int:
    """NSGA-II's generation size: about a fifth of the trials, 4 to 50."""
    return max(4, min(50, trials // 5))


def optuna_search(
    space: SearchSpace,
    plan: OptunaPlan,
    evaluate: BatchEvaluator,
    log: TrialLog,
    *,
    progress: Callable[[int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> set[int]:
    """Run `plan.trials` trials, then fill `log` with every finished trial of the study.
    Returns the numbers of the trials this run told the study."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    distributions = {p.name: _distribution(p) for p in space.params}
    with StudyStorage(plan.storage) as storage:
        try:
            study = storage.call(
                optuna.create_study,
                storage=storage.storage,
                study_name=plan.study,
                load_if_exists=True,
                sampler=_sampler(plan),
                directions=[o.direction for o in log.objectives],
            )
        except ValueError as err:  # an existing study with other objectives
            raise SearchError(f"study {plan.study!r} in {storage.label}: {err}") from None
        done = 0
        told: set[int] = set()
        known = _Repeats(evaluate)
        while done < plan.trials and not (cancelled is not None and cancelled()):
            size = min(max(evaluate.batch_size, 1), plan.trials - done)
            asked = [storage.call(study.ask, distributions) for _ in range(size)]
            points = [_snapped(space, t.params) for t in asked]
            for trial, outcome in zip(asked, known(points, [t.number for t in asked]), strict=True):
                storage.call(_tell, study, trial, outcome, log)
                told.add(trial.number)
            done += size
            if progress is not None:
                progress(done)
        finished = storage.call(study.get_trials, deepcopy=False)
    for frozen in finished:
        found = _outcome(frozen.user_attrs)
        if frozen.state.is_finished() and found is not None:
            log.add(found, number=frozen.number)
    return told


class _Repeats:
    """Evaluates each distinct point once per run: a repeat gets the first trial's outcome."""

    def __init__(self, evaluate: BatchEvaluator) -> None:
        self.evaluate = evaluate
        self.seen: dict[tuple[str, ...], tuple[int, Outcome]] = {}

    def __call__(self, points: list[Point], numbers: list[int]) -> list[Outcome]:
        fresh: dict[tuple[str, ...], tuple[int, Point]] = {}
        for point, number in zip(points, numbers, strict=True):
            key = point_key(point)
            if key not in self.seen and key not in fresh:
                fresh[key] = (number, point)
        outcomes = self.evaluate([p for _, p in fresh.values()]) if fresh else []
        for (key, (number, _)), outcome in zip(fresh.items(), outcomes, strict=True):
            self.seen[key] = (number, outcome)
        results = []
        for point, number in zip(points, numbers, strict=True):
            first, outcome = self.seen[point_key(point)]
            results.append(outcome if first == number else replace(outcome, repeat_of=first))
        return results


def _sampler(plan: OptunaPlan) -> Any:
    from optuna.samplers import NSGAIISampler, TPESampler

    if plan.method == "nsga2":
        return NSGAIISampler(seed=plan.seed, population_size=population_size(plan.trials))
    return TPESampler(seed=plan.seed)


def _distribution(param: Param) -> Any:
    from optuna.distributions import (
        CategoricalDistribution,
        FloatDistribution,
        IntDistribution,
    )

    if isinstance(param, Choice):
        return CategoricalDistribution(param.options)
    if isinstance(param, FloatRange):
        return FloatDistribution(param.low, param.high, step=param.step, log=param.log)
    return IntDistribution(param.low, param.high, step=param.step, log=param.log)


def _snapped(space: SearchSpace, params: dict[str, Any]) -> Point:
    point: Point = {}
    for p in space.params:
        value = params[p.name]
        point[p.name] = value if isinstance(p, Choice) else p.from_unit(p.to_unit(value))
    return point


def _tell(study: Any, trial: Any, outcome: Outcome, log: TrialLog) -> None:
    from optuna.trial import TrialState

    record = score(outcome, trial.number, log.objectives, log.constraints)
    trial.set_user_attr("params", dict(outcome.params))
    trial.set_user_attr("metrics", outcome.metrics.as_json() if outcome.metrics else None)
    trial.set_user_attr("error", outcome.error)
    trial.set_user_attr("evaluator", outcome.evaluator)
    trial.set_user_attr("repeat_of", outcome.repeat_of)
    if record.scored:
        for constraint, violation in zip(log.constraints, record.violations, strict=True):
            trial.set_constraint(str(constraint), violation)
        study.tell(trial, list(record.values))
    else:
        study.tell(trial, state=TrialState.FAIL)


def _outcome(attrs: dict[str, Any]) -> Outcome | None:
    if "params" not in attrs:
        return None  # not one of ours (another tool's trial in the same study)
    metrics = attrs.get("metrics")
    return Outcome(
        attrs["params"],
        metrics_from_json(metrics) if metrics else None,
        attrs.get("error", ""),
        attrs.get("evaluator", ""),
        attrs.get("repeat_of"),
    )
