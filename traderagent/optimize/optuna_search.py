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
`optuna_search` returns the numbers of the trials this run added and how many trials each
worker ran (every trial carries its worker's id, `host:pid`, as the user attribute `worker`).

A worker may die mid-trial: while this run evaluates, a thread of its own (on a storage
connection of its own) keeps each running trial's heartbeat. Before each ask, the stale trials
of dead workers are failed and queued again (`study_storage.GRACE_S`); the next ask takes a
queued trial first. Once its own budget is spent, a worker waits (at most `GRACE_S` plus two
heartbeats) for the other workers' running trials to finish or go stale, and runs what was
queued again, so that a study whose workers did not all die keeps no trial RUNNING.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from traderagent.optimize.grid_search import SearchError, point_key
from traderagent.optimize.pool import BatchEvaluator
from traderagent.optimize.space import Choice, FloatRange, Param, Point, SearchSpace
from traderagent.optimize.study_storage import GRACE_S, HEARTBEAT_S, StudyStorage
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
    worker: str = field(default_factory=lambda: worker_id())
    """This process's name in the study (the `worker` user attribute of its trials)."""


@dataclass(frozen=True, slots=True)
class StudyRun:
    """What one run did to its study."""

    told: set[int]
    """The numbers of the trials this run told the study."""
    workers: dict[str, int]
    """Finished trials of the study by the worker that ran them."""


_log = logging.getLogger(__name__)


def worker_id() -> str:
    """`host:pid`: which process of which machine ran a trial."""
    return f"{socket.gethostname()}:{os.getpid()}"


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
) -> StudyRun:
    """Run `plan.trials` trials, then fill `log` with every finished trial of the study."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    # ask-and-tell with a heartbeat: this module records the heartbeats Study.optimize would
    warnings.filterwarnings("ignore", message="Heartbeat of storage is supposed to be used")
    with StudyStorage(plan.storage, heartbeat=True) as storage:
        try:
            study = storage.exclusive(
                optuna.create_study,
                storage=storage.storage,
                study_name=plan.study,
                load_if_exists=True,
                sampler=_sampler(plan),
                directions=[o.direction for o in log.objectives],
            )
        except ValueError as err:  # an existing study with other objectives
            raise SearchError(f"study {plan.study!r} in {storage.label}: {err}") from None
        with _Heartbeats(plan.storage) as beats:
            run = _Run(space, plan, storage, study, _Repeats(evaluate), log, beats)
            done = 0
            stop = cancelled or (lambda: False)
            while done < plan.trials and not stop():
                done += run.batch(min(max(evaluate.batch_size, 1), plan.trials - done))
                if progress is not None:
                    progress(done)
            if plan.storage is not None:
                run.drain(stop)
        finished = storage.call(study.get_trials, deepcopy=False)
    workers: Counter[str] = Counter()
    for frozen in finished:
        found = _outcome(frozen.user_attrs)
        if frozen.state.is_finished() and found is not None:
            log.add(found, number=frozen.number)
            workers[str(frozen.user_attrs.get("worker", "?"))] += 1
    return StudyRun(run.told, dict(workers))


@dataclass
class _Run:
    """One worker's asks and tells on a study."""

    space: SearchSpace
    plan: OptunaPlan
    storage: StudyStorage
    study: Any
    known: _Repeats
    log: TrialLog
    beats: _Heartbeats
    told: set[int] = field(default_factory=set)

    def batch(self, size: int) -> int:
        """Ask `size` trials (queued retries first), evaluate and tell them."""

        call = self.storage.call
        distributions = {p.name: _distribution(p) for p in self.space.params}
        if self.plan.storage is not None:
            self.fail_stale()
        asked = [call(self.study.ask, distributions) for _ in range(size)]
        ids = []
        for trial in asked:
            if self.plan.storage is not None:
                ids.append(call(self._trial_id, trial.number))
                call(self.storage.storage.record_heartbeat, ids[-1])
            call(trial.set_user_attr, "worker", self.plan.worker)
        points = [_snapped(self.space, t.params) for t in asked]
        self.beats.watch(ids)
        try:
            outcomes = self.known(points, [t.number for t in asked])
        finally:
            self.beats.watch([])
        for trial, outcome in zip(asked, outcomes, strict=True):
            call(_tell, self.study, trial, outcome, self.log)
            self.told.add(trial.number)
        return size

    def fail_stale(self) -> None:
        """Fail (and queue again) the running trials of dead workers: those whose heartbeat
        is older than GRACE_S (Optuna's rule), and those a worker died on before it recorded
        their first heartbeat, GRACE_S after they started (which Optuna would keep forever)."""
        import optuna
        from optuna.exceptions import UpdateFinishedTrialError
        from optuna.trial import TrialState

        call, rdb = self.storage.call, self.storage.storage
        call(optuna.storages.fail_stale_trials, self.study)
        running = call(self.study.get_trials, deepcopy=False, states=(TrialState.RUNNING,))
        if not running:
            return
        ids = {t.number: call(self._trial_id, t.number) for t in running}
        beating = call(_beating, rdb.engine, list(ids.values()))
        now = datetime.now()  # noqa: DTZ005 - Optuna stamps datetime_start so (naive local)
        retry = rdb.get_heartbeat_stale_trial_callback()
        for trial in running:
            started, trial_id = trial.datetime_start, ids[trial.number]
            if trial_id in beating or started is None:
                continue
            if (now - started).total_seconds() <= GRACE_S:
                continue
            try:
                failed = call(rdb.set_trial_state_values, trial_id, TrialState.FAIL)
            except UpdateFinishedTrialError:
                continue  # another worker got there first
            if failed and retry is not None:
                call(retry, self.study, call(rdb.get_trial, trial_id))

    def _trial_id(self, number: int) -> int:
        rdb = self.storage.storage
        study_id = rdb.get_study_id_from_name(self.study.study_name)
        return int(rdb.get_trial_id_from_study_id_trial_number(study_id, number))

    def drain(self, stop: Callable[[], bool]) -> None:
        """Until no trial of the study is queued or running (or the bound passes): wait for
        the others' running trials, fail the stale ones and run those queued again."""
        from optuna.trial import TrialState

        deadline = time.monotonic() + GRACE_S + 2 * HEARTBEAT_S
        while not stop():
            self.fail_stale()
            states = (TrialState.WAITING, TrialState.RUNNING)
            pending = self.storage.call(self.study.get_trials, deepcopy=False, states=states)
            if any(t.state == TrialState.WAITING for t in pending):
                self.batch(1)
                continue
            if not pending or time.monotonic() > deadline:
                return
            time.sleep(1.0)


class _Heartbeats:
    """A thread that records the heartbeat of the trials being evaluated, every
    `HEARTBEAT_S`, on a storage connection of its own (the main one is busy meanwhile)."""

    def __init__(self, url: str | None) -> None:
        self.url = url
        self.ids: list[int] = []
        self.lock = threading.Lock()
        self.stopped = threading.Event()
        self.thread: threading.Thread | None = None

    def watch(self, ids: list[int]) -> None:
        with self.lock:
            self.ids = list(ids)

    def __enter__(self) -> _Heartbeats:
        if self.url is not None:
            self.thread = threading.Thread(target=self._beat, name="trial-heartbeat", daemon=True)
            self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stopped.set()
        if self.thread is not None:
            self.thread.join(timeout=2 * HEARTBEAT_S)

    def _beat(self) -> None:
        from traderagent.optimize.study_storage import StorageError

        assert self.url is not None  # noqa: S101 - started only with a storage
        try:
            storage = StudyStorage(self.url, create=False)
        except StorageError as err:
            _log.warning("no trial heartbeats (other workers may rerun this one's): %s", err)
            return
        with storage:
            while not self.stopped.wait(HEARTBEAT_S):
                with self.lock:
                    ids = list(self.ids)
                try:
                    storage.call(_record_heartbeats, storage.storage.engine, ids)
                except Exception as err:  # noqa: BLE001 - a missed beat is retried, not fatal
                    _log.warning("trial heartbeat missed (retried): %s", err)


def _beating(engine: Any, ids: list[int]) -> set[int]:
    """Which of these trials have a heartbeat row."""
    from sqlalchemy import bindparam, text

    query = text("SELECT trial_id FROM trial_heartbeats WHERE trial_id IN :ids").bindparams(
        bindparam("ids", expanding=True)
    )
    with engine.connect() as connection:
        return {int(row[0]) for row in connection.execute(query, {"ids": ids})}


def _record_heartbeats(engine: Any, ids: list[int]) -> None:
    """Refresh the heartbeat rows `record_heartbeat` inserted. (Optuna's own update sends
    the server's zone-aware now() to a zone-less column, which asyncpg refuses.)"""
    from sqlalchemy import text

    with engine.begin() as connection:
        for trial_id in ids:
            connection.execute(
                text(
                    "UPDATE trial_heartbeats SET heartbeat = CURRENT_TIMESTAMP WHERE trial_id = :id"
                ),
                {"id": trial_id},
            )


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
