"""`traderagent backtest --config A.yaml --config B.yaml`: each config backtested on the same
candles (`--data`, else the first config's), then one table and, with `--plot`, one chart of
their equity side by side; `--json` writes every run (`backtest.compare.comparison_json`)."""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from traderagent.commands.backtest_report import analysis_of
from traderagent.commands.common import EXIT_ERROR, EXIT_OK, EXIT_USAGE

if TYPE_CHECKING:
    from traderagent.backtest.runner import BacktestResult

EXIT_INTERRUPTED = 130
SINGLE_RUN_OPTIONS = (("trades", "--trades"), ("equity", "--equity"), ("perturb", "--perturb"))
"""Options that describe one run: refused when comparing (say which config to run alone)."""


def handle_compare(
    args: argparse.Namespace,
    paths: Sequence[Path],
    run: Callable[[argparse.Namespace], BacktestResult],
) -> int:
    """Backtest every config in `paths` with `run` and print them side by side."""
    from traderagent.backtest.compare import (
        comparison_chart,
        comparison_json,
        comparison_rows,
        comparison_table,
        names_of,
    )
    from traderagent.backtest.inputs import BacktestError
    from traderagent.config import ConfigError, load_config

    for attribute, option in SINGLE_RUN_OPTIONS:
        if getattr(args, attribute, None):
            print(f"error: {option} describes one run: use it with one --config", file=sys.stderr)
            return EXIT_USAGE
    names = names_of(paths)
    results, analyses = [], []
    try:
        data = args.data or load_config(paths[0]).replay.data
        for path in paths:
            one = argparse.Namespace(**{**vars(args), "config": path, "data": data})
            result = run(one)
            results.append(result)
            analyses.append(analysis_of(one, result))
            if result.cancelled:
                break
    except (BacktestError, ConfigError) as err:
        where = paths[len(results)] if len(results) < len(paths) else paths[-1]
        message = str(err) if str(where) in str(err) else f"{where}: {err}"
        print(f"error: {message}", file=sys.stderr)
        return EXIT_USAGE
    shown = names[: len(results)]
    print(f"Side by side on {results[0].data_label}")
    print(comparison_table(shown, comparison_rows(results, analyses)))
    if args.plot:
        size = shutil.get_terminal_size((100, 40))
        height = max(8, min(24, size.lines - 6))
        print()
        print(comparison_chart(shown, results, max(size.columns - 2, 40), height, color=_colour()))
    if args.json is not None:
        try:
            text = json.dumps(comparison_json(shown, results, analyses), indent=2)
            args.json.write_text(text + "\n", encoding="utf-8")
        except OSError as err:
            print(f"error: --json: cannot write {args.json}: {err.strerror}", file=sys.stderr)
            return EXIT_ERROR
    return EXIT_INTERRUPTED if results[-1].cancelled else EXIT_OK


def _colour() -> bool:
    import os

    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")
