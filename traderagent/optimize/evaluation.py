"""Evaluate one point of a search space: the bot with those parameters, backtested.

The fast kernel runs a point when the bot's strategy is one it supports (a grid with fixed
bounds or DCA, `kernels.SUPPORTED`), otherwise the engine (`run_backtest_sync`); `engine`
forces the engine and `kernel` refuses anything the kernel cannot run. Either way a trial's
metrics are `compute_metrics` of its fills and equity curve, exactly as `traderagent
backtest` (with or without `--fast`) computes them; the kernel's fills are converted the way
`traderagent.backtest.fast` converts them, so both paths give the same `Metrics`.

A `TrialEvaluator` loads its candles once and then evaluates any number of points; a point
that makes an invalid config (upper below lower, a safety order below zero) is an `Outcome`
with the reason, not an exception.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Literal, Protocol

from strategies.registry import kernel_kinds, kernel_of
from traderagent.backtest.equity import EquityCurve
from traderagent.backtest.inputs import BacktestError, backtest_config, load_series, replay_window
from traderagent.backtest.metrics import Metrics
from traderagent.backtest.preset import preset_config
from traderagent.config import AppConfig, ConfigError
from traderagent.domain import Fill
from traderagent.marketdata import CandleSeries
from traderagent.optimize.space import Point, SearchSpace
from traderagent.optimize.trials import Outcome

if TYPE_CHECKING:
    from traderagent.backtest.kernels import FastResult

Evaluation = Literal["auto", "kernel", "engine"]


class Replayed(Protocol):
    """A run as `replay` hands it back: an engine `BacktestResult` or a kernel's `KernelRun`."""

    @property
    def fills(self) -> Sequence[Fill]: ...
    @property
    def equity(self) -> EquityCurve: ...
    @property
    def metrics(self) -> Metrics: ...


@dataclass(frozen=True, slots=True)
class EvaluationSetup:
    """Everything a worker needs to evaluate points (picklable: sent to worker processes)."""

    config: AppConfig
    bot: str
    space: SearchSpace
    data: str
    """`bundled`, a candle file or `store:SYMBOL-INTERVAL`."""
    start: datetime | None = None
    end: datetime | None = None
    evaluation: Evaluation = "auto"

    def window(self, start: datetime | None, end: datetime | None) -> EvaluationSetup:
        return replace(self, start=start, end=end)


class TrialEvaluator:
    """Backtests points of `setup.space` on candles loaded once (or given)."""

    def __init__(self, setup: EvaluationSetup, candles: CandleSeries | None = None) -> None:
        self.setup = setup
        base = backtest_config(setup.config, bot=setup.bot, start=setup.start, end=setup.end)
        if candles is None:
            candles, label = load_series(setup.data, base.replay.symbol)
        else:
            label = f"{candles.symbol} {len(candles):,} candles"
        self.candles = candles
        self.window = replay_window(base, candles, label)
        self.kind = base.bots[0].kind
        self.kernel = self._kernel_wanted(base)

    @property
    def label(self) -> str:
        return self.window.label

    def evaluate(self, point: Point) -> Outcome:
        """The metrics of the bot with `point`'s parameters (or why it cannot run)."""
        return self.replay(point)[0]

    def replay(self, point: Point) -> tuple[Outcome, Replayed | None]:
        """`evaluate`, with the run itself (its fills and equity curve) when it ran: what
        the walk-forward's out-of-sample breakdown and Monte Carlo read."""
        try:
            config = preset_config(
                self.setup.config, self.setup.bot, self.setup.space.overrides(point)
            )
        except ConfigError as err:
            return Outcome(point, None, _reason(str(err))), None
        try:
            if self.kernel:
                run = self._kernel_run(config)
                if run is not None:
                    return Outcome(point, run.metrics, evaluator="kernel"), run
            done = self._engine_run(config)
            return Outcome(point, done.metrics, evaluator="engine"), done
        except (BacktestError, ConfigError) as err:
            return Outcome(point, None, _reason(str(err))), None

    def _kernel_wanted(self, base: AppConfig) -> bool:
        mode = self.setup.evaluation
        if mode == "engine":
            return False
        problem = ""
        if kernel_of(self.kind) is None:
            runs = " and ".join(kernel_kinds())
            problem = f"the fast kernel runs {runs} bots; {self.setup.bot} is a {self.kind} bot"
        else:
            try:
                from traderagent.backtest.kernels.params import UnsupportedFast, check_supported
            except ImportError as err:
                problem = f"the fast kernel is not available here ({err})"
            else:
                try:
                    check_supported(base, base.bots[0])
                except UnsupportedFast as err:
                    problem = str(err)
        if problem and mode == "kernel":
            raise BacktestError(f"{problem}; run without --fast (the engine runs every strategy)")
        return not problem

    def _run_config(self, config: AppConfig) -> AppConfig:
        return backtest_config(
            config, bot=self.setup.bot, start=self.setup.start, end=self.setup.end
        )

    def _engine_run(self, config: AppConfig) -> Replayed:
        from traderagent.backtest.runner import run_backtest_sync

        return run_backtest_sync(
            config,
            bot=self.setup.bot,
            candles=self.candles,
            start=self.setup.start,
            end=self.setup.end,
        )

    def _kernel_run(self, config: AppConfig) -> Replayed | None:
        """The kernel's run with the engine's metrics; None when this point needs the engine
        (in `auto` mode: the kernel cannot run this point, or cannot load here at all)."""
        strict = self.setup.evaluation == "kernel"
        run_config = self._run_config(config)
        try:
            from traderagent.backtest.kernels import UnsupportedFast, run_fast

            fast = run_fast(run_config, self.setup.bot, self.window.candles)
        except ImportError as err:
            if strict:
                raise BacktestError(f"the fast kernel is not available here ({err})") from None
            self.kernel = False  # the engine runs every later point too
            return None
        except UnsupportedFast as err:
            if strict:
                raise BacktestError(f"the fast kernel cannot run this point: {err}") from None
            return None
        from traderagent.backtest.fast import kernel_run

        return kernel_run(run_config, fast, self.window.candles)


def kernel_metrics(config: AppConfig, fast: FastResult, window: CandleSeries) -> Metrics:
    """A kernel run's metrics, from its fills converted as `traderagent.backtest.fast` does."""
    from traderagent.backtest.fast import kernel_run

    return kernel_run(config, fast, window).metrics


def _reason(message: str) -> str:
    return message.removeprefix("the preset would not load: ")
