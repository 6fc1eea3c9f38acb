"""`traderagent strategy new|check|list`: write, check and find your own strategies.

`new NAME` writes a documented template strategy and its pytest test (never overwriting).
`check FILE.py[:Class]|KIND` runs the contract kit (`traderagent.plugins.check`) on candles
(the bundled sample by default) and prints a table of the checks: exit 0 when all pass, 1 with
the first failure and how to fix it, 2 for bad input (no such file, class or kind, settings
that do not validate). `list` names the built-in kinds and the installed plugins.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from traderagent.commands.common import (
    EXIT_ERROR,
    EXIT_OK,
    EXIT_USAGE,
    Subcommands,
    help_handler,
)


def register(commands: Subcommands[argparse.ArgumentParser]) -> None:
    group = commands.add_parser("strategy", help="write and check strategies of your own")
    group.set_defaults(handler=help_handler(group))
    actions = group.add_subparsers(dest="strategy_command", metavar="ACTION")
    new = actions.add_parser("new", help="write a documented template strategy and its test")
    new.add_argument("name", metavar="NAME", help="e.g. rsi_dip (file rsi_dip.py, class RsiDip)")
    new.add_argument("--dir", type=Path, default=Path("."), help="where to write (default: here)")
    new.set_defaults(handler=strategy_new)
    check = actions.add_parser(
        "check",
        help="check a strategy against the contract (determinism, look-ahead, purity, fills, "
        "config)",
    )
    check.add_argument(
        "target", metavar="FILE.py[:Class]|KIND", help="a strategy file's class or a kind"
    )
    check.add_argument(
        "--data",
        default="bundled",
        metavar="PATH",
        help="candles: 'bundled' (default), a CSV/CSV.gz/Parquet file or store:SYMBOL-INTERVAL",
    )
    check.add_argument("--symbol", default="BTCUSDT", help="the candles' symbol (BTCUSDT)")
    check.add_argument(
        "--config",
        metavar="YAML",
        help="the strategy's settings: a .yaml file or an inline mapping such as "
        "'{period: 21}' (default: its defaults; for a built-in kind, the example configs')",
    )
    check.add_argument(
        "--candles", type=int, metavar="N", help="use only the first N candles (default: all)"
    )
    check.set_defaults(handler=strategy_check)
    listing = actions.add_parser("list", help="the built-in kinds and installed plugins")
    listing.set_defaults(handler=strategy_list)


def strategy_new(args: argparse.Namespace) -> int:
    from traderagent.plugins import PluginError
    from traderagent.plugins.scaffold import scaffold

    try:
        strategy, test = scaffold(args.name, args.dir)
    except PluginError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    print(f"wrote {strategy} and {test}")
    print(f"next: traderagent strategy check {strategy}, then pytest {test}")
    return EXIT_OK


def strategy_check(args: argparse.Namespace) -> int:
    from traderagent.backtest.inputs import BacktestError, load_series
    from traderagent.exchanges.spot_rules import spot_instrument
    from traderagent.plugins import PluginError
    from traderagent.plugins.check import run_checks, subject_of

    if args.candles is not None and args.candles < 100:
        print("error: --candles: give at least 100 candles", file=sys.stderr)
        return EXIT_USAGE
    try:
        series, label = load_series(args.data, args.symbol)
    except BacktestError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    candles = list(series)[: args.candles]
    if len(candles) < 100:
        print(f"error: {label}: {len(candles)} candles, the checks need 100", file=sys.stderr)
        return EXIT_USAGE
    instrument = spot_instrument(args.symbol, candles[0].close)
    try:
        subject = subject_of(args.target, args.config, instrument)
    except PluginError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    print(f"checking {subject.name} on {len(candles):,} candles of {label}")
    results = run_checks(subject, candles, instrument)
    width = max(len(r.name) for r in results)
    for result in results:
        mark = "ok  " if result.passed else "FAIL"
        print(f"  {mark} {result.name:<{width}}  {result.detail}")
    failed = [r for r in results if not r.passed]
    if failed:
        print(f"how to fix: {failed[0].fix}")
        return EXIT_ERROR
    print(f"all {len(results)} checks passed")
    return EXIT_OK


def strategy_list(_args: argparse.Namespace) -> int:
    from strategies.registry import entries
    from traderagent.plugins import PluginError, entry_point_plugins

    registered = {entry.kind: entry.description for entry in entries()}
    for kind, description in registered.items():
        print(f"{kind:<20} {description}")
    try:
        installed = entry_point_plugins()
    except PluginError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    for kind, plugin in installed.items():
        if kind not in registered:
            print(f"{kind:<20} {plugin.source}: {plugin.description}")
    return EXIT_OK
