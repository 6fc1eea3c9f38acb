"""Run one optimisation: a search over a space, its trials evaluated, ranked and summarised.

`run_search` is what `traderagent optimize` and `traderagent walkforward` call: it checks the
inputs (the bot, the data, the range, the space's middle point as a config), picks the
evaluator (this process, or `workers` processes) and the search (`grid`, `tpe`, `nsga2`),
and returns the trials best first with the best feasible one and, for several objectives,
the Pareto front. A trial the account's risk limits halted is infeasible (`NOT_HALTED`)
unless the plan allows halts.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from traderagent.backtest.preset import preset_config
from traderagent.config import ConfigError
from traderagent.optimize.batch import STATS_METRICS, KernelBatches, confirm_reported
from traderagent.optimize.evaluation import EvaluationSetup, TrialEvaluator
from traderagent.optimize.grid_search import SearchError, grid_search
from traderagent.optimize.objectives import NOT_HALTED, Constraint, Objective
from traderagent.optimize.optuna_search import OptunaPlan, optuna_search
from traderagent.optimize.pool import BatchEvaluator, InProcess, ProcessPool
from traderagent.optimize.trials import TrialLog, TrialRecord, best_trial, pareto_front

METHODS = ("grid", "tpe", "nsga2")
DEFAULT_SEED = 42


@dataclass(frozen=True, slots=True)
class SearchPlan:
    """How to search: the method, the budget, what to optimise and under which limits."""

    method: str
    trials: int
    objectives: tuple[Objective, ...]
    constraints: tuple[Constraint, ...] = ()
    workers: int = 1
    seed: int | None = DEFAULT_SEED
    """Seed of the Optuna samplers (None: a random one); the grid search needs none."""
    storage: str | None = None
    """An Optuna RDB storage URL shared by every process that joins `study`."""
    study: str | None = None
    allow_halted: bool = False
    """May the best trial be one the account's risk limits halted? (No by default.)"""
    report: int = 10
    """The best trials a report shows: a batch-estimated one among them is recomputed exactly."""

    @property
    def limits(self) -> tuple[Constraint, ...]:
        """The constraints a trial must meet: the user's, then `NOT_HALTED` unless allowed."""
        if self.allow_halted or NOT_HALTED in self.constraints:
            return self.constraints
        return (*self.constraints, NOT_HALTED)


@dataclass(frozen=True, slots=True)
class SearchResult:
    """The trials of one search, best first, and what they were run on."""

    records: list[TrialRecord]
    best: TrialRecord | None
    front: list[TrialRecord]
    """With several objectives: the feasible trials no other beats on all of them."""
    data_label: str
    first_ms: int
    end_ms: int
    """The traded period: the first candle's open time to the last candle's close."""
    evaluators: dict[str, int] = field(default_factory=dict)
    """How many of this run's trials each path (`kernel`, `engine`) evaluated."""
    elapsed_s: float = 0.0
    cancelled: bool = False
    study: str | None = None
    numbers: frozenset[int] | None = None
    """The trials this run added (None: all of `records`; a shared study holds others too)."""
    workers: dict[str, int] = field(default_factory=dict)
    """An Optuna study's finished trials by the worker (`host:pid`) that ran them."""

    @property
    def run_records(self) -> list[TrialRecord]:
        """This run's trials, best first."""
        mine = self.numbers
        return self.records if mine is None else [r for r in self.records if r.number in mine]

    @property
    def repeats(self) -> int:
        """This run's trials that repeated an earlier trial's parameters (not evaluated)."""
        return sum(1 for r in self.run_records if r.repeat_of is not None)


def run_search(
    setup: EvaluationSetup,
    plan: SearchPlan,
    *,
    evaluator: TrialEvaluator | None = None,
    progress: Callable[[int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> SearchResult:
    """Search `setup.space` for `setup.bot` as `plan` says. BacktestError / SearchError /
    StorageError for input the caller must change."""
    began = time.perf_counter()
    if plan.method not in METHODS:
        raise SearchError(f"--method must be one of {', '.join(METHODS)}, not {plan.method!r}")
    if plan.method == "grid" and plan.storage:
        raise SearchError(
            "--storage shares an Optuna study between machines: use --method tpe or nsga2 "
            "(the grid search runs in one process)"
        )
    evaluator = evaluator or TrialEvaluator(setup)
    middle = setup.space.middle()
    try:
        preset_config(setup.config, setup.bot, setup.space.overrides(middle))
    except ConfigError as err:
        raise SearchError(
            f"the middle of the space {middle} is not a valid bot config: {err}"
        ) from None
    log = TrialLog(plan.objectives, plan.limits)
    stopped = _Stop(cancelled)
    batched = _kernel_batches(evaluator, plan)
    pool: ProcessPool | None = None
    if batched is None and plan.workers > 1:
        pool = ProcessPool(setup, plan.workers)
    batches: BatchEvaluator = batched or pool or InProcess(evaluator)
    study = None
    mine: set[int] | None = None  # None: every trial in the log is this run's
    workers: dict[str, int] = {}
    try:
        if plan.method == "grid":
            grid_search(
                setup.space, plan.trials, batches, log, progress=progress, cancelled=stopped
            )
        else:
            study = plan.study or f"traderagent-{setup.bot}-{plan.method}"
            optuna_plan = OptunaPlan(plan.method, plan.trials, plan.seed, study, plan.storage)
            ran = optuna_search(
                setup.space, optuna_plan, batches, log, progress=progress, cancelled=stopped
            )
            mine, workers = ran.told, ran.workers
    finally:
        if pool is not None:
            pool.close()
    if batched is not None:
        confirm_reported(log, evaluator.evaluate, plan.report, front=len(plan.objectives) > 1)
    records = log.ranked()
    window = evaluator.window.candles
    return SearchResult(
        records=records,
        best=best_trial(records, plan.objectives),
        front=pareto_front(records, plan.objectives) if len(plan.objectives) > 1 else [],
        data_label=evaluator.label,
        first_ms=window.first_ts,
        end_ms=window.last_ts + window.interval_ms,
        evaluators=dict(
            Counter(
                r.evaluator
                for r in records
                if r.evaluator and r.repeat_of is None and (mine is None or r.number in mine)
            )
        ),
        elapsed_s=time.perf_counter() - began,
        cancelled=stopped.seen,
        study=study,
        numbers=frozenset(mine) if mine is not None else None,
        workers=workers,
    )


def _kernel_batches(evaluator: TrialEvaluator, plan: SearchPlan) -> KernelBatches | None:
    """Batched kernel evaluation when every point can run on the kernel (grid, DCA), on
    `plan.workers` numba threads (at most the cores numba found); else None."""
    if not evaluator.kernel:
        return None
    try:
        import numba
    except ImportError:
        return None
    cores = int(numba.config.NUMBA_NUM_THREADS)  # type: ignore[attr-defined]
    threads = max(1, min(plan.workers, cores))
    wanted = {o.metric for o in plan.objectives} | {c.metric for c in plan.limits}
    return KernelBatches(evaluator, threads, stats=bool(wanted & STATS_METRICS))


class _Stop:
    """`cancelled`, remembering whether it ever said yes."""

    def __init__(self, cancelled: Callable[[], bool] | None) -> None:
        self.cancelled = cancelled
        self.seen = False

    def __call__(self) -> bool:
        if self.cancelled is not None and self.cancelled():
            self.seen = True
        return self.seen
