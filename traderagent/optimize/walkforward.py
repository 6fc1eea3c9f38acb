"""Walk-forward analysis: optimise on a training window, trade the best parameters on the
window that follows, roll forward, repeat.

Windows: train [t, t + train), test [t + train, t + train + test), for t = start, start +
step, ... while the test window ends inside the data. The test window always starts where its
training window ends and never overlaps it; with `step` = `test` (the default) the test
windows tile the data after the first training window.

Each test window is a fresh backtest (the starting account) of the best trial of its
training window. Two ratios compare them, both undefined when the in-sample return is not
positive: `return_ratio`, OOS return / IS return as they are, and `efficiency` (walk-forward
efficiency), OOS return per day / IS return per day, so a 7-day train and a 2-day test
compare fairly. The aggregates are the same ratios over the mean returns of all windows.
A training trial the account's risk limits halted is not chosen unless the plan allows it;
a test window that halts says so (`WindowResult.halted`). Each window keeps its
out-of-sample run's closed trades and equity curve (`walkforward_robustness` stitches them).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime

from traderagent.backtest.equity import EquityCurve
from traderagent.backtest.metrics import Metrics
from traderagent.backtest.trades import RoundTrip, round_trips
from traderagent.optimize.evaluation import EvaluationSetup, TrialEvaluator
from traderagent.optimize.grid_search import SearchError
from traderagent.optimize.run import SearchPlan, run_search
from traderagent.optimize.trials import TrialRecord

DAY_MS = 86_400_000


@dataclass(frozen=True, slots=True)
class Window:
    """One train/test pair, epoch ms, each [start, end)."""

    index: int
    train_start: int
    train_end: int
    test_end: int

    @property
    def test_start(self) -> int:
        return self.train_end


@dataclass(frozen=True, slots=True)
class WindowResult:
    """A window's best training trial and how it did on the test window after it."""

    window: Window
    best: TrialRecord | None
    out_of_sample: Metrics | None
    error: str = ""
    trades: tuple[RoundTrip, ...] = ()
    """The out-of-sample run's closed trades (`trade_ledger`'s round trips), oldest exit first."""
    equity: EquityCurve | None = None
    """The out-of-sample run's equity curve (None when it did not run)."""

    @property
    def in_sample(self) -> Metrics | None:
        return self.best.metrics if self.best is not None else None

    @property
    def halted(self) -> tuple[bool, bool]:
        """Whether the risk limits halted the bot in-sample and out-of-sample."""
        ins, out = self.in_sample, self.out_of_sample
        return (
            ins is not None and ins.halted is not None,
            out is not None and out.halted is not None,
        )

    @property
    def return_ratio(self) -> float | None:
        return return_ratio([(self.in_sample, self.out_of_sample)])

    @property
    def efficiency(self) -> float | None:
        w = self.window
        return efficiency(
            [(self.in_sample, self.out_of_sample)],
            w.train_end - w.train_start,
            w.test_end - w.test_start,
        )


@dataclass(frozen=True, slots=True)
class WalkForwardResult:
    windows: list[WindowResult]
    data_label: str
    train_ms: int
    test_ms: int
    elapsed_s: float
    cancelled: bool = False

    @property
    def return_ratio(self) -> float | None:
        return return_ratio([(w.in_sample, w.out_of_sample) for w in self.windows])

    @property
    def efficiency(self) -> float | None:
        pairs = [(w.in_sample, w.out_of_sample) for w in self.windows]
        return efficiency(pairs, self.train_ms, self.test_ms)


def windows(first_ms: int, end_ms: int, train_ms: int, test_ms: int, step_ms: int) -> list[Window]:
    """The rolling windows inside [first_ms, end_ms) (see the module docstring)."""
    if min(train_ms, test_ms, step_ms) <= 0:
        raise SearchError("--train, --test and --step must be positive")
    found: list[Window] = []
    start = first_ms
    while start + train_ms + test_ms <= end_ms:
        found.append(Window(len(found), start, start + train_ms, start + train_ms + test_ms))
        start += step_ms
    if not found:
        days = (end_ms - first_ms) / DAY_MS
        need = (train_ms + test_ms) / DAY_MS
        raise SearchError(
            f"the data covers {days:.1f} days; one train + test window needs {need:.1f}: "
            "shorten --train or --test"
        )
    return found


Pairs = list[tuple[Metrics | None, Metrics | None]]


def return_ratio(pairs: Pairs) -> float | None:
    """Mean out-of-sample return over mean in-sample return, across `pairs`."""
    return efficiency(pairs, DAY_MS, DAY_MS)


def efficiency(pairs: Pairs, train_ms: int, test_ms: int) -> float | None:
    """Out-of-sample return per day over in-sample return per day, across `pairs`."""
    both = [(i, o) for i, o in pairs if i is not None and o is not None]
    if not both:
        return None
    in_rate = sum(i.return_pct for i, _ in both) / (len(both) * train_ms / DAY_MS)
    out_rate = sum(o.return_pct for _, o in both) / (len(both) * test_ms / DAY_MS)
    return out_rate / in_rate if in_rate > 0 else None


def run_walkforward(
    setup: EvaluationSetup,
    plan: SearchPlan,
    train_ms: int,
    test_ms: int,
    step_ms: int,
    *,
    progress: Callable[[float], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    evaluator: TrialEvaluator | None = None,
) -> WalkForwardResult:
    """Optimise each training window with `plan`, test its best on the next window.
    `progress` gets the share of all the windows' trials done; `evaluator` (of `setup`) saves
    loading the candles again."""
    began = time.perf_counter()
    whole = evaluator or TrialEvaluator(setup)
    data = whole.window.candles
    spans = windows(data.first_ts, data.last_ts + data.interval_ms, train_ms, test_ms, step_ms)
    results = []
    stopped = False
    for w in spans:
        if cancelled is not None and cancelled():
            stopped = True
            break
        train = setup.window(_moment(w.train_start), _moment(w.train_end))
        study = f"{plan.study or f'traderagent-{setup.bot}-{plan.method}-wf'}-w{w.index}"
        found = run_search(
            train,
            replace(plan, study=study),
            evaluator=TrialEvaluator(train, whole.candles),
            progress=_share(progress, w.index * plan.trials, len(spans) * plan.trials),
            cancelled=cancelled,
        )
        stopped = found.cancelled
        if found.best is None:
            results.append(WindowResult(w, None, None, "no trial met the constraints"))
            continue
        test = setup.window(_moment(w.test_start), _moment(w.test_end))
        outcome, run = TrialEvaluator(test, whole.candles).replay(found.best.params)
        trades = tuple(round_trips(run.fills)) if run is not None else ()
        equity = run.equity if run is not None else None
        results.append(WindowResult(w, found.best, outcome.metrics, outcome.error, trades, equity))
    return WalkForwardResult(
        results, whole.label, train_ms, test_ms, time.perf_counter() - began, stopped
    )


def _share(
    progress: Callable[[float], None] | None, done: int, total: int
) -> Callable[[int], None] | None:
    """A window's trial count as the share of the whole walk-forward."""
    if progress is None:
        return None
    report = progress
    return lambda n: report((done + n) / total)


def _moment(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, tz=UTC)
