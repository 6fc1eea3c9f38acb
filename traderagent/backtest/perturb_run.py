"""A finished backtest again on perturbed candle paths (`perturb.perturbation_runs`): the CLI's
`--perturb N` and the TUI's Perturbed tab both call `perturb_backtest`."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from traderagent.backtest.perturb import DEFAULT_SEED, Perturbation, perturbation_runs

if TYPE_CHECKING:
    from traderagent.backtest.runner import BacktestResult
    from traderagent.marketdata import CandleSeries


def perturb_backtest(
    result: BacktestResult,
    runs: int,
    seed: int = DEFAULT_SEED,
    cancelled: Callable[[], bool] | None = None,
) -> Perturbation:
    """The run's config (bots, range, fill model) on `runs` perturbed copies of its data,
    warm-up history included, on the engine (the fast kernels take no candles). `cancelled`
    (the TUI leaving or superseding the runs) stops them: no further run starts."""
    from traderagent.backtest.inputs import load_series
    from traderagent.backtest.runner import run_backtest_sync

    config = result.config
    series, _ = load_series(config.replay.data, config.replay.symbol)

    def backtest(candles: CandleSeries) -> tuple[float, float]:
        metrics = run_backtest_sync(config, candles=candles, cancelled=cancelled).metrics
        return metrics.return_pct, metrics.max_drawdown_pct

    return perturbation_runs(series, backtest, runs, seed, cancelled)
