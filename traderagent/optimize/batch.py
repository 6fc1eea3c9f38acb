"""Trials evaluated many at a time on the kernels' batch functions (`kernels.batch`).

Each point becomes its strategy's arrays (the strategy's own code builds them, as for
`run_fast`); one call of `grid_batch` / `dca_batch` runs them all, in parallel over numba's
threads, and returns float64 figures. A trial's `Metrics` are then estimates (evaluator
`ESTIMATED`): money from float64, not exact Decimal. They rank the trials; `confirm_reported`
recomputes exactly (evaluator `kernel`) every trial a report shows. A point the batch cannot
run (a grid the strategy refuses, a run whose order pool or fill record overflows) goes to
the exact evaluator, so it ends as it always did.

Memory: the candles once, plus per thread one run's order pool and fill record (about a MB).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import replace
from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import numpy.typing as npt

from traderagent.backtest.halts import Halt
from traderagent.backtest.inputs import backtest_config
from traderagent.backtest.metrics import FLAT, YEAR_MS, Metrics
from traderagent.backtest.preset import preset_config
from traderagent.backtest.rejections import (
    BELOW_MINIMUM,
    INSUFFICIENT,
    STOP_THROUGH,
    STOP_UNCOVERED,
    counted_rejections,
)
from traderagent.config import ConfigError
from traderagent.optimize.grid_search import point_key
from traderagent.optimize.space import Point
from traderagent.optimize.trials import Outcome, TrialLog, pareto_front, score

if TYPE_CHECKING:
    from traderagent.backtest.kernels.params import VenueArrays
    from traderagent.optimize.evaluation import TrialEvaluator

ESTIMATED = "kernel-f64"
"""The evaluator of a trial whose metrics are the batch's float64 estimates."""
FILL_RECORD = 1 << 14
"""Fills kept per run for its round trips (a run with more is evaluated exactly)."""
STATS_METRICS = frozenset({"sharpe", "sortino"})
"""Metrics that need the per-candle curve (the batch computes it only when one is wanted)."""
HALT_REASON = "the account's risk limits halted the bot (estimate: the exact run words it)"


class KernelBatches:
    """A `BatchEvaluator` on the batch kernels: `batch_size` points per call, `threads` wide."""

    def __init__(self, evaluator: TrialEvaluator, threads: int, *, stats: bool) -> None:
        from traderagent.backtest.kernels.api import market_arrays
        from traderagent.backtest.kernels.params import bot_config, venue_arrays

        self.evaluator = evaluator
        self.threads = threads
        self.stats = stats
        setup = evaluator.setup
        base = backtest_config(setup.config, bot=setup.bot, start=setup.start, end=setup.end)
        candles = evaluator.window.candles
        first = float(candles.close[0]) if len(candles) else None
        # the space moves only `strategy.*`: the venue, account and risk are the same for all
        self.venue: VenueArrays = venue_arrays(
            base, bot_config(base, setup.bot), candles.interval_ms, first
        )
        self.market = market_arrays(candles)
        self.candles = len(candles)
        self.interval_ms = candles.interval_ms

    @property
    def batch_size(self) -> int:
        return 16 * self.threads

    def __call__(self, points: Sequence[Point]) -> list[Outcome]:
        import numba

        from traderagent.backtest.kernels.params import UnsupportedFast, bot_config

        outcomes: list[Outcome | None] = [None] * len(points)
        chosen: list[int] = []
        strategies: list[Any] = []
        setup = self.evaluator.setup
        for k, point in enumerate(points):
            try:
                config = preset_config(setup.config, setup.bot, setup.space.overrides(point))
            except ConfigError:
                outcomes[k] = self.evaluator.evaluate(point)  # says why, as it always did
                continue
            chosen.append(k)
            strategies.append(bot_config(config, setup.bot).strategy)
        if chosen:
            numba.set_num_threads(self.threads)
            try:
                rows, ran = self._run(strategies)
            except (UnsupportedFast, ValueError):
                rows, ran = np.zeros((0, 0)), [False] * len(chosen)
            at = 0
            for k, ok in zip(chosen, ran, strict=True):
                row = rows[at] if ok else None
                at += 1 if ok else 0
                if row is not None and row[_m("valid")] == 1.0 and row[_x("trips_known")] == 1.0:
                    outcomes[k] = Outcome(points[k], self._metrics(row), evaluator=ESTIMATED)
                else:
                    outcomes[k] = self.evaluator.evaluate(points[k])
        return [o for o in outcomes if o is not None]

    def _run(self, strategies: list[Any]) -> tuple[npt.NDArray[np.float64], list[bool]]:
        """The batch kernel over the strategies it can build; which ones it ran."""
        from strategies.base import StrategyError
        from traderagent.backtest.kernels.batch import dca_batch, grid_batch
        from traderagent.backtest.kernels.layout import PF_LIN
        from traderagent.backtest.kernels.params import UnsupportedFast
        from traderagent.backtest.kernels.prepare import dca_arrays, grid_arrays

        inst, pi, pf = self.venue.instrument, self.venue.pi, self.venue.pf
        if pf[PF_LIN] == 1.0:  # the batch kernels trade spot: each point runs on its own
            raise UnsupportedFast("linear perpetuals: no batch kernel")
        stats = np.int64(1 if self.stats else 0)
        capacity = np.int64(FILL_RECORD)
        ran: list[bool] = []
        if self.evaluator.kind == "grid":
            levels, quantities, stops = [], [], []
            for strategy in strategies:
                try:
                    grid = grid_arrays(strategy, inst)
                except StrategyError:
                    ran.append(False)
                    continue
                ran.append(True)
                levels.append(grid.levels)
                quantities.append(grid.quantities)
                stops.append(grid.gp)
            if not stops:
                return np.zeros((0, 0)), ran
            lv, lv_at = _packed(levels)
            qt, qt_at = _packed(quantities)
            run = cast(Callable[..., npt.NDArray[np.float64]], grid_batch)
            table = run(
                *self.market, pi, pf, lv, lv_at, qt, qt_at, np.stack(stops), capacity, stats
            )
            return table, ran
        plans = [dca_arrays(strategy, inst) for strategy in strategies]
        fac, fac_at = _packed([p.factors for p in plans])
        dq = np.stack([p.dq for p in plans])
        dp = np.stack([p.dp for p in plans])
        run = cast(Callable[..., npt.NDArray[np.float64]], dca_batch)
        return run(*self.market, pi, pf, dq, dp, fac, fac_at, capacity, stats), [True] * len(plans)

    def _metrics(self, row: npt.NDArray[np.float64]) -> Metrics:
        """A batch row as `Metrics` (money from float64: an estimate, see the module)."""
        trades = int(row[_x("trades")])
        gross_loss = float(row[_x("gross_loss")])
        per_year = math.sqrt(YEAR_MS / self.interval_ms)
        stats = row[_x("stats")] == 1.0
        halted = None
        if row[_m("halted")] == 1.0:
            halted = Halt(int(row[_m("halt_ts")]), HALT_REASON)
        return Metrics(
            candles=self.candles,
            orders=int(row[_m("orders")]),
            fills=int(row[_m("fills")]),
            trades=trades,
            fees=_money(row[_m("fees")]),
            net_pnl=_money(row[_m("net_pnl")]),
            return_pct=float(row[_m("return_pct")]),
            max_drawdown_pct=float(
                row[_x("curve_drawdown_pct")] if stats else row[_m("max_drawdown_pct")]
            ),
            sharpe=_ratio(row, "std_return", per_year) if stats else None,
            sortino=_ratio(row, "downside", per_year) if stats else None,
            win_rate=int(row[_x("wins")]) / trades if trades else None,
            profit_factor=float(row[_x("gross_win")]) / gross_loss if gross_loss > 0 else None,
            final_equity=_money(row[_m("final_equity")]),
            grid_cycles=int(row[_m("cycles")]) if self.evaluator.kind == "grid" else None,
            elapsed_s=0.0,
            halted=halted,
            rejected_orders=counted_rejections(
                {
                    BELOW_MINIMUM: int(row[_m("rejected_min")]),
                    INSUFFICIENT: int(row[_m("rejected_funds")]),
                    STOP_THROUGH: int(row[_m("rejected_stop")]),
                    STOP_UNCOVERED: int(row[_m("rejected_trigger")]),
                }
            ),
            allocator_refused=int(row[_m("allocator_refused")]),
        )


def _packed(parts: list[npt.NDArray[Any]]) -> tuple[npt.NDArray[Any], npt.NDArray[np.int64]]:
    """Arrays end to end along their first axis, and where each starts (one more at the end)."""
    at = np.zeros(len(parts) + 1, np.int64)
    at[1:] = np.cumsum([p.shape[0] for p in parts])
    return np.ascontiguousarray(np.concatenate(parts)), at


@cache  # read a few dozen times per trial: the lookup once
def _m(name: str) -> int:
    from traderagent.backtest.kernels.layout import METRIC_NAMES

    return METRIC_NAMES.index(name)


@cache
def _x(name: str) -> int:
    from traderagent.backtest.kernels.batch import BATCH_EXTRA
    from traderagent.backtest.kernels.layout import M_N

    return M_N + BATCH_EXTRA.index(name)


def _money(value: float) -> Decimal:
    return Decimal(repr(float(value)))


def _ratio(row: npt.NDArray[np.float64], deviation: str, per_year: float) -> float | None:
    """`backtest.metrics`' Sharpe or Sortino from the batch's return figures."""
    spread = float(row[_x(deviation)])
    if row[_x("returns")] < 2 or not math.isfinite(spread) or spread <= FLAT:
        return None
    return float(row[_x("mean_return")]) / spread * per_year


def confirm_reported(
    log: TrialLog, evaluate: Callable[[Point], Outcome], count: int, *, front: bool
) -> int:
    """Recompute exactly (`evaluate`) every estimated trial among the `count` best and, with
    `front`, on the Pareto front, until those are all exact (an exact figure may move a trial
    in or out of them). Each point runs once: the trials repeating it get the same result.
    Returns how many points were recomputed."""
    confirmed = 0
    while True:
        shown = log.ranked()[:count]
        if front:
            shown += pareto_front(log.records, log.objectives)
        pending = {point_key(r.params) for r in shown if r.evaluator == ESTIMATED}
        if not pending:
            return confirmed
        exact: dict[tuple[str, ...], Outcome] = {}
        for i, record in enumerate(log.records):
            key = point_key(record.params)
            if key not in pending or record.evaluator != ESTIMATED:
                continue
            if key not in exact:
                exact[key] = evaluate(record.params)
                confirmed += 1
            outcome = replace(exact[key], repeat_of=record.repeat_of)
            log.records[i] = score(outcome, record.number, log.objectives, log.constraints)
