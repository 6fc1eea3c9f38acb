"""`traderagent walkforward`: optimise on rolling training windows and trade each window's
best parameters on the window after it; in-sample next to out-of-sample, per window and
overall, then the Monte Carlo (`--mc-runs`, `--mc-seed`) and, with `--breakdown`, the periods
of the stitched out-of-sample trades (`optimize.walkforward_robustness`). Takes `traderagent
optimize`'s search options (a training trial the risk limits halted is not chosen unless
`--allow-halted`); exit codes as there."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from traderagent.commands.backtest_report import PERIODS, positive_int
from traderagent.commands.common import EXIT_ERROR, EXIT_OK, Subcommands
from traderagent.commands.optimize import (
    EXIT_INTERRUPTED,
    add_search_options,
    checked_evaluator,
    interruptible,
    search_inputs,
    user_errors,
)
from traderagent.commands.output import write_text

if TYPE_CHECKING:
    from traderagent.backtest.window_regimes import RegimeWindows
    from traderagent.optimize.evaluation import EvaluationSetup
    from traderagent.optimize.walkforward import WalkForwardResult


def register(commands: Subcommands[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "walkforward",
        help="optimise on rolling train windows, test on the windows after them",
        description=(
            "Walk-forward analysis: optimise a bot on each training window, backtest the best "
            "parameters on the test window that follows, and compare out-of-sample with "
            "in-sample returns."
        ),
    )
    add_search_options(parser)
    parser.add_argument("--train", required=True, metavar="SPAN", help="train window, e.g. 7d")
    parser.add_argument("--test", required=True, metavar="SPAN", help="test window, e.g. 2d")
    parser.add_argument("--step", metavar="SPAN", help="roll by (default: the test window)")
    parser.add_argument(
        "--json", type=Path, metavar="OUT", help="write every window as JSON (-: standard output)"
    )
    parser.add_argument(
        "--breakdown",
        choices=PERIODS,
        help="PnL, trades and drawdown of the stitched out-of-sample run per UTC day, ISO week "
        "or month, with a bar chart",
    )
    parser.add_argument(
        "--mc-runs",
        type=positive_int,
        default=1000,
        metavar="N",
        help="Monte Carlo runs over the stitched out-of-sample trades (default 1000)",
    )
    parser.add_argument(
        "--mc-seed", type=int, default=7, metavar="N", help="seed of the Monte Carlo (default 7)"
    )
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from traderagent.backtest.window_regimes import regime_window_lines
    from traderagent.optimize.walkforward import run_walkforward
    from traderagent.optimize.walkforward_report import (
        aggregate_lines,
        walkforward_json,
        walkforward_table,
    )
    from traderagent.optimize.walkforward_robustness import (
        ran,
        robustness_lines,
        walkforward_robustness,
    )

    with user_errors() as failed:
        _config, setup, plan = search_inputs(args)
        train, test = _span(args.train, "--train"), _span(args.test, "--test")
        step = _span(args.step, "--step") if args.step else test
        evaluator = checked_evaluator(setup)
        with interruptible("walkforward") as (bar, cancelled):
            result = run_walkforward(
                setup,
                plan,
                train,
                test,
                step,
                progress=bar,
                cancelled=cancelled,
                evaluator=evaluator,
            )
    if failed:
        return failed[0]
    print(
        f"Walk-forward of {setup.bot} on {result.data_label} "
        f"({plan.method}, {plan.trials} trials per window; halted trials "
        f"{'allowed' if plan.allow_halted else 'never chosen'})"
    )
    print()
    print(walkforward_table(result))
    print()
    print("\n".join(aggregate_lines(result)))
    regimes = _regimes(setup, result)
    print()
    print("\n".join(regime_window_lines(regimes)))
    robust = walkforward_robustness(
        result,
        period=args.breakdown,
        runs=args.mc_runs,
        seed=args.mc_seed,
        halt_pct=setup.config.risk.max_drawdown_pct,
    )
    print()
    print("\n".join(robustness_lines(robust, len(ran(result)))))
    if args.json is not None:
        try:
            payload = walkforward_json(result, setup.bot)
            payload["regimes"] = [r.as_json() for r in regimes]
            payload["out_of_sample"] = robust.as_json()
            text = json.dumps(payload, indent=2)
            write_text(args.json, text + "\n")
        except OSError as err:
            print(f"error: --json: cannot write {args.json}: {err.strerror}", file=sys.stderr)
            return EXIT_ERROR
    return EXIT_INTERRUPTED if result.cancelled else EXIT_OK


def _regimes(setup: EvaluationSetup, result: WalkForwardResult) -> list[RegimeWindows]:
    """The test windows by the regime they traded in (the classifier over the whole data)."""
    from traderagent.backtest.inputs import load_series
    from traderagent.backtest.regime_log import regime_changes
    from traderagent.backtest.window_regimes import TestWindow, by_regime

    symbol = next(b.symbol for b in setup.config.bots if b.name == setup.bot)
    candles, _ = load_series(setup.data, symbol)
    changes = regime_changes(candles, setup.config.regime)
    windows = [
        TestWindow(
            w.window.test_start,
            w.window.test_end,
            w.out_of_sample.return_pct if w.out_of_sample is not None else None,
        )
        for w in result.windows
    ]
    return by_regime(changes, windows)


def _span(text: str, option: str) -> int:
    from traderagent.marketdata import MarketDataError, parse_interval
    from traderagent.optimize.grid_search import SearchError

    try:
        return parse_interval(text)
    except MarketDataError:
        raise SearchError(f"{option}: {text!r} is not a span like 12h, 7d or 90m") from None
