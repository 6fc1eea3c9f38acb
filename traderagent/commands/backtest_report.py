"""`traderagent backtest`'s report beyond the metrics table: `--breakdown day|week|month`, the
regimes (and routes) and the Monte Carlo (`--mc-runs`, `--seed`), and `--perturb N` backtests
on candle paths perturbed within each candle's range. The same `Analysis` goes to the table,
`--json` (its keys next to the metrics') and, with `--plot`, the period bar chart.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from traderagent.backtest.analysis import Analysis
    from traderagent.backtest.runner import BacktestResult

PERIODS = ("day", "week", "month")  # traderagent.ledger.PERIODS, without importing it here


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def add_report_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--breakdown",
        choices=PERIODS,
        help="PnL, trades and drawdown per UTC day, ISO week or month, with a bar chart",
    )
    parser.add_argument(
        "--mc-runs",
        type=positive_int,
        default=1000,
        metavar="N",
        help="Monte Carlo runs over the closed trades (reshuffled and bootstrapped; default 1000)",
    )
    parser.add_argument(
        "--seed", type=int, default=7, metavar="N", help="seed of the Monte Carlo (default 7)"
    )
    parser.add_argument(
        "--perturb",
        type=positive_int,
        metavar="N",
        help="also backtest N candle paths perturbed within each candle's range (N more runs)",
    )


def analysis_of(args: argparse.Namespace, result: BacktestResult) -> Analysis:
    """The run's breakdowns and robustness as the options ask."""
    from traderagent.backtest.analysis import analyse
    from traderagent.backtest.perturb_run import perturb_backtest

    perturbation = None
    if args.perturb and not result.cancelled:
        perturbation = perturb_backtest(result, args.perturb, args.seed)
    return analyse(
        result,
        period=args.breakdown,
        runs=args.mc_runs,
        seed=args.seed,
        perturbation=perturbation,
    )
