"""`traderagent backtest`: a config's bots on candles, then the metrics table (and charts).

A config with several bots runs them together on one account (as `traderagent run` would)
unless `--bot` picks one. The table (and `--json`'s `halted`) says when the account's risk
limits halted the bots, and why; its `fill models` line (and `--json`'s
`fill_model_sensitivity`) gives the net PnL under the other two fill models, with a warning
when their spread exceeds a tenth of the result. Doubtful data (a file named for another
symbol, gaps of over an hour) is warned about on stderr. Bad input (missing file, unknown bot,
end before start, a live config) prints what to change and exits 2; Ctrl-C stops the replay,
prints the metrics so far and exits 130. `--trades` and `--equity` write every fill and the
equity curve as CSV (`backtest.exports`), so a result can be audited without reading code.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from traderagent.commands.backtest_report import add_report_options, analysis_of
from traderagent.commands.common import EXIT_ERROR, EXIT_OK, EXIT_USAGE, Subcommands
from traderagent.commands.output import write_text

if TYPE_CHECKING:
    from decimal import Decimal

    from traderagent.backtest.runner import BacktestResult
    from traderagent.backtest.sensitivity import FillModelSensitivity
    from traderagent.config import AppConfig
    from traderagent.exchanges.paper import FillModel

FILL_MODELS = ("pessimistic", "ohlc", "olhc")  # traderagent.exchanges.paper.matching, lazily
EXIT_INTERRUPTED = 130
"""Ctrl-C: the metrics of the candles replayed so far are printed, and the exit says so."""


def register(commands: Subcommands[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "backtest",
        help="backtest a config's bots on candles and print the metrics",
        description=(
            "Replay candles through the live engine's code (paper exchange, replay clock, "
            "journal in memory) and print the metrics; --fast uses the numba kernel instead."
        ),
    )
    parser.add_argument(
        "--config",
        type=Path,
        action="append",
        help="YAML config (default: the bundled default); twice or more compares them side by "
        "side on the same data",
    )
    parser.add_argument(
        "--bot", metavar="NAME", help="backtest only this bot (default: every bot, one account)"
    )
    parser.add_argument(
        "--data",
        metavar="PATH",
        help="candles: 'bundled', a CSV/CSV.gz/Parquet file or store:SYMBOL-INTERVAL "
        "(default: the config's replay.data)",
    )
    parser.add_argument("--start", metavar="ISO", help="first candle, e.g. 2023-03-01 (UTC)")
    parser.add_argument("--end", metavar="ISO", help="stop before this time, e.g. 2023-03-08")
    parser.add_argument(
        "--fill-model", choices=FILL_MODELS, help="intrabar path (default: the config's)"
    )
    parser.add_argument("--fast", action="store_true", help="run the numba kernel (grid, DCA)")
    parser.add_argument(
        "--json", type=Path, metavar="OUT", help="write the metrics as JSON (-: standard output)"
    )
    parser.add_argument(
        "--trades",
        type=Path,
        metavar="FILE.csv",
        help="write every fill as CSV (time, bot, side, price, qty, fee, fee coin, fee value, "
        "maker/taker, "
        "order id, fill id, tag)",
    )
    parser.add_argument(
        "--equity",
        type=Path,
        metavar="FILE.csv",
        help="write the equity curve as CSV (time, equity, drawdown %%)",
    )
    parser.add_argument("--plot", action="store_true", help="draw price, equity and drawdown")
    add_report_options(parser)
    parser.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    from traderagent.backtest.inputs import BacktestError
    from traderagent.config import ConfigError

    configs = args.config if isinstance(args.config, list) else [args.config]
    if len(configs) > 1:
        from traderagent.commands.backtest_compare import handle_compare

        return handle_compare(args, configs, _run)
    args.config = configs[0]

    try:
        result = _run(args)
    except (BacktestError, ConfigError) as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    from traderagent.backtest.analysis_text import analysis_text
    from traderagent.backtest.data_checks import gap_warnings
    from traderagent.backtest.report import metrics_table

    for warning in gap_warnings(result.candles):
        print(f"warning: {warning}", file=sys.stderr)
    sensitivity = None if result.cancelled else _sensitivity(args, result)
    extra = [] if sensitivity is None else [("fill models", sensitivity.line())]
    if sensitivity is not None and (spread := sensitivity.warning()) is not None:
        print(f"warning: {spread}", file=sys.stderr)
        extra.append(("", f"(!) {sensitivity.short_warning()}"))

    payload = result.metrics.as_json()
    payload["cancelled"] = result.cancelled  # Ctrl-C: the metrics cover the candles replayed
    if sensitivity is not None:
        payload["fill_model_sensitivity"] = sensitivity.as_json()
    try:
        analysis = analysis_of(args, result)
    except (BacktestError, ConfigError) as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE
    payload.update(analysis.as_json())
    if not _write_files(args, result, payload):
        return EXIT_ERROR
    print(metrics_table(result, extra))
    print()
    print(analysis_text(analysis))
    if args.plot:
        print()
        print(charts(result))
    return EXIT_INTERRUPTED if result.cancelled else EXIT_OK


def _write_files(
    args: argparse.Namespace, result: BacktestResult, payload: dict[str, object]
) -> bool:
    """Write --json, --trades and --equity as asked; False when one could not be written
    (after saying which and why)."""
    from traderagent.backtest.exports import write_equity, write_trades

    def write_json(path: Path) -> None:
        text = json.dumps(payload, indent=2)
        write_text(path, text + "\n")

    writers: list[tuple[str, Path | None, Callable[[Path], None]]] = [
        ("--json", args.json, write_json),
        ("--trades", args.trades, lambda path: write_trades(path, result.fills)),
        ("--equity", args.equity, lambda path: write_equity(path, result.equity)),
    ]
    for option, path, write in writers:
        if path is None:
            continue
        try:
            write(path)
        except OSError as err:
            print(f"error: {option}: cannot write {path}: {err.strerror}", file=sys.stderr)
            return False
    return True


def _sensitivity(args: argparse.Namespace, result: BacktestResult) -> FillModelSensitivity:
    """The same backtest's net PnL under the other two fill models (two more quiet runs)."""
    from traderagent.backtest.sensitivity import measure

    def rerun(model: FillModel) -> Decimal:
        if args.fast:  # the net PnL alone, from the kernel's fill rows
            from traderagent.backtest.fast import fast_net_pnl

            config, options = _inputs(args, model, quiet=True)
            return fast_net_pnl(config, **options)
        return _run(args, model, quiet=True).metrics.net_pnl

    return measure(result.config.paper.fill_model, result.metrics.net_pnl, rerun)


def _inputs(
    args: argparse.Namespace, fill_model: FillModel | None, quiet: bool
) -> tuple[AppConfig, dict[str, Any]]:
    """The config to run (with --data) and the options of the run."""
    from traderagent.backtest.data_checks import symbol_warning
    from traderagent.backtest.inputs import parse_moment
    from traderagent.config import load_config

    config = load_config(args.config)
    if args.data:
        config = config.model_copy(
            update={"replay": config.replay.model_copy(update={"data": args.data})}
        )
    symbols = {b.symbol for b in config.bots if args.bot in (None, b.name)}
    warning = symbol_warning(config.replay.data, symbols)
    if warning is not None and not quiet:
        print(f"warning: {warning}", file=sys.stderr)
    options = {
        "bot": args.bot,
        "start": parse_moment(args.start or "", "--start"),
        "end": parse_moment(args.end or "", "--end"),
        "fill_model": fill_model or args.fill_model,
    }
    return config, options


def _run(
    args: argparse.Namespace, fill_model: FillModel | None = None, quiet: bool = False
) -> BacktestResult:
    from traderagent.backtest.progress import ProgressBar

    config, options = _inputs(args, fill_model, quiet)
    if args.fast:
        from traderagent.backtest.fast import run_fast_backtest

        return run_fast_backtest(config, on_compile=_compiling, regimes=not quiet, **options)
    from traderagent.backtest.runner import run_backtest_sync

    if quiet:
        return run_backtest_sync(config, **options)

    bar = ProgressBar(sys.stderr)
    stop: list[bool] = []
    previous = signal.signal(signal.SIGINT, lambda *_: stop.append(True))
    try:
        return run_backtest_sync(config, progress=bar, cancelled=lambda: bool(stop), **options)
    finally:
        signal.signal(signal.SIGINT, previous)
        bar.close()


def _compiling() -> None:
    print("compiling the fast kernel (first use; cached for next time)…", file=sys.stderr)


def charts(result: BacktestResult) -> str:
    """The three charts, sized to the terminal, coloured only on a colour terminal."""
    from traderagent.backtest.plots import backtest_charts

    size = shutil.get_terminal_size((100, 40))
    width = max(size.columns - 2, 40)
    height = max(8, min(18, (size.lines - 6) // 3))
    color = sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    return backtest_charts(result, width, height, color=color)
