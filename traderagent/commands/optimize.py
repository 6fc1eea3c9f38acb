"""`traderagent optimize`: search a bot's strategy parameters over a space, on candles.

Prints the best trials as a table and the best parameters, writes them as a preset (a config
`traderagent run` and `backtest` accept; `--export`, default `./<bot>-best.yaml`) and, with
`--json`, every trial. A trial the account's risk limits halted (its bot stopped trading but
kept its holdings) is never the best unless `--allow-halted`; the table shows when it halted.
Bad input (a space that does not fit the strategy, an unknown bot,
a missing data file, a bad storage URL) exits 2 with what to change; a storage that cannot
be reached, or a search where no trial met the constraints, exits 1; Ctrl-C stops after
the trials running, reports those and exits 130.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from traderagent.commands.common import EXIT_ERROR, EXIT_OK, EXIT_USAGE, Subcommands
from traderagent.commands.output import write_text

if TYPE_CHECKING:
    from traderagent.config import AppConfig
    from traderagent.optimize.evaluation import EvaluationSetup, TrialEvaluator
    from traderagent.optimize.run import SearchPlan, SearchResult

EXIT_INTERRUPTED = 130
DEFAULT_TRIALS = 100


def register(commands: Subcommands[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "optimize",
        help="search a bot's strategy parameters and export the best as a preset",
        description=(
            "Backtest a bot over many parameter sets from a space file (coarse-to-fine grid, "
            "Optuna TPE or NSGA-II), print the best trials and export the best as a preset."
        ),
    )
    add_search_options(parser, space_required=False)
    parser.add_argument(
        "--show",
        action="store_true",
        help="with --storage: print the study's state (or the storage's studies) and exit",
    )
    parser.add_argument("--top", type=_positive, default=10, metavar="N", help="trials shown (10)")
    parser.add_argument(
        "--json", type=Path, metavar="OUT", help="write every trial as JSON (-: standard output)"
    )
    parser.add_argument(
        "--export", type=Path, metavar="PRESET", help="preset file (default ./<bot>-best.yaml)"
    )
    parser.add_argument("--no-export", action="store_true", help="write no preset")
    parser.add_argument(
        "--force",
        action="store_true",
        help="replace an existing preset (default: write beside it under a new name)",
    )
    parser.set_defaults(handler=handle)


def add_search_options(parser: argparse.ArgumentParser, *, space_required: bool = True) -> None:
    """The options `optimize` and `walkforward` share (`optimize --show` needs no space)."""
    parser.add_argument("--config", type=Path, help="YAML config (default: the bundled default)")
    parser.add_argument("--bot", metavar="NAME", help="the bot to optimise (default: the only one)")
    parser.add_argument(
        "--data", metavar="PATH", help="candles: 'bundled', a file or store:SYMBOL-1m"
    )
    parser.add_argument(
        "--space",
        type=Path,
        required=space_required,
        metavar="SPACE.yaml",
        help="parameter ranges (examples: configs/spaces/)",
    )
    parser.add_argument(
        "--method", choices=("grid", "tpe", "nsga2"), default="tpe", help="search (tpe)"
    )
    parser.add_argument(
        "--trials", type=_positive, default=DEFAULT_TRIALS, metavar="N", help="trials (100)"
    )
    parser.add_argument("--workers", type=_positive, default=1, metavar="N", help="processes (1)")
    parser.add_argument("--storage", metavar="URL", help="shared Optuna study database URL")
    parser.add_argument("--study", metavar="NAME", help="study name in --storage")
    parser.add_argument("--seed", type=int, help="sampler seed (default 42; random with --storage)")
    parser.add_argument(
        "--objective", help="return (default), sharpe, calmar, ...; nsga2: return,max_drawdown"
    )
    parser.add_argument(
        "--constraint",
        action="append",
        default=[],
        metavar="RULE",
        help="e.g. max_drawdown_pct<=20 (repeatable)",
    )
    path = parser.add_mutually_exclusive_group()
    path.add_argument("--fast", action="store_true", help="only the numba kernel (grid, DCA)")
    path.add_argument("--engine", action="store_true", help="always the event-driven engine")
    parser.add_argument("--start", metavar="ISO", help="first candle, e.g. 2023-03-01 (UTC)")
    parser.add_argument("--end", metavar="ISO", help="stop before this time")
    parser.add_argument(
        "--allow-halted",
        action="store_true",
        help="a trial the risk limits halted may be the best (default: never)",
    )


def handle(args: argparse.Namespace) -> int:
    from traderagent.optimize.report import (
        best_lines,
        front_lines,
        halt_lines,
        summary_lines,
        trials_table,
    )

    if args.show:
        return _show(args)
    if args.space is None:
        print("error: the following arguments are required: --space", file=sys.stderr)
        return EXIT_USAGE
    with user_errors() as failed:
        config, setup, plan = search_inputs(args)
        result = _search(setup, plan)
    if failed:
        return failed[0]
    print("\n".join(summary_lines(result, plan)))
    print()
    print(trials_table(result.records, setup.space, plan, args.top))
    print()
    lines = [*front_lines(result, plan), *halt_lines(result, plan)]
    print("\n".join([*lines, *best_lines(result.best, setup.space)]))
    if args.json is not None and not _write_json(args.json, result, setup, plan):
        return EXIT_ERROR
    if result.best is None:
        return EXIT_INTERRUPTED if result.cancelled else EXIT_ERROR
    if not args.no_export:
        asked = args.export or Path.cwd() / f"{setup.bot}-best.yaml"
        target = asked if args.force else unused_name(asked)
        with user_errors() as failed:
            written = _export(config, setup, result, target).resolve()
            print(f"Preset written to {written}")
            if target != asked:
                print(f"  ({asked} exists and was left as it was: --force replaces it)")
            print(f"  run it: traderagent backtest --config {written}")
        if failed:
            return failed[0]
    return EXIT_INTERRUPTED if result.cancelled else EXIT_OK


def _show(args: argparse.Namespace) -> int:
    from traderagent.optimize.study_show import show_lines

    if not args.storage:
        print("error: --show reads a shared study: give --storage URL", file=sys.stderr)
        return EXIT_USAGE
    with user_errors() as failed:
        lines = show_lines(args.storage, args.study)
    if failed:
        return failed[0]
    print("\n".join(lines))
    return EXIT_OK


def unused_name(path: Path) -> Path:
    """`path`, or when a file is there already the first free `<stem>-2<suffix>`, `-3`, ..."""
    candidate, n = path, 1
    while candidate.exists():
        n += 1
        candidate = path.with_name(f"{path.stem}-{n}{path.suffix}")
    return candidate


@contextmanager
def user_errors() -> Iterator[list[int]]:
    """Turn the errors a user can cause into a message and an exit code (appended)."""
    from traderagent.backtest.inputs import BacktestError
    from traderagent.config import ConfigError
    from traderagent.optimize.grid_search import SearchError
    from traderagent.optimize.space_file import SpaceError
    from traderagent.optimize.study_storage import StorageError, StorageUnavailable

    codes: list[int] = []
    try:
        yield codes
    except StorageUnavailable as err:
        print(f"error: {err}", file=sys.stderr)
        codes.append(EXIT_ERROR)
    except (BacktestError, ConfigError, SpaceError, SearchError, StorageError) as err:
        print(f"error: {err}", file=sys.stderr)
        codes.append(EXIT_USAGE)
    except OSError as err:
        print(f"error: {err.filename or ''}: {err.strerror}", file=sys.stderr)
        codes.append(EXIT_ERROR)


def search_inputs(args: argparse.Namespace) -> tuple[AppConfig, EvaluationSetup, SearchPlan]:
    """The config, what to evaluate and how to search, from the shared options."""
    from traderagent.backtest.inputs import parse_moment
    from traderagent.config import load_config
    from traderagent.optimize.evaluation import EvaluationSetup
    from traderagent.optimize.grid_search import SearchError
    from traderagent.optimize.objectives import parse_constraint, parse_objectives
    from traderagent.optimize.run import DEFAULT_SEED, SearchPlan
    from traderagent.optimize.space_file import load_space

    config = load_config(args.config)
    bot = _bot(config, args.bot)
    strategy = next(b for b in config.bots if b.name == bot).strategy
    if strategy is None:
        raise SearchError(
            f"bot {bot} is routed by the market regime: optimise a bot with a strategy"
        )
    try:
        default = "return,max_drawdown" if args.method == "nsga2" else "return"
        objectives = parse_objectives(args.objective or default)
        constraints = tuple(parse_constraint(c) for c in args.constraint)
    except ValueError as err:
        raise SearchError(str(err)) from None
    setup = EvaluationSetup(
        config=config,
        bot=bot,
        space=load_space(args.space, strategy),
        data=args.data or config.replay.data,
        start=parse_moment(args.start or "", "--start"),
        end=parse_moment(args.end or "", "--end"),
        evaluation="kernel" if args.fast else "engine" if args.engine else "auto",
    )
    seed = args.seed if args.seed is not None else None if args.storage else DEFAULT_SEED
    plan = SearchPlan(
        method=args.method,
        trials=args.trials,
        objectives=objectives,
        constraints=constraints,
        workers=args.workers,
        seed=seed,
        storage=args.storage,
        study=args.study,
        allow_halted=args.allow_halted,
        report=getattr(args, "top", 10),  # walkforward has no --top: its best is what it shows
    )
    return config, setup, plan


def checked_evaluator(setup: EvaluationSetup) -> TrialEvaluator:
    """The evaluator of `setup` (its candles loaded), after warning on stderr about doubtful
    data: a file named for another symbol than the bot's, long gaps."""
    from traderagent.backtest.data_checks import gap_warnings, symbol_warning
    from traderagent.optimize.evaluation import TrialEvaluator

    symbol = next(b.symbol for b in setup.config.bots if b.name == setup.bot)
    warning = symbol_warning(setup.data, {symbol})
    if warning is not None:
        print(f"warning: {warning}", file=sys.stderr)
    evaluator = TrialEvaluator(setup)
    for gap in gap_warnings(evaluator.window.candles):
        print(f"warning: {gap}", file=sys.stderr)
    return evaluator


@contextmanager
def interruptible(label: str) -> Iterator[tuple[Callable[[float], None], Callable[[], bool]]]:
    """A progress bar (fed the share done) and a Ctrl-C that stops the search between
    batches of trials."""
    from traderagent.backtest.progress import ProgressBar

    bar = ProgressBar(sys.stderr, label=label)
    stop: list[bool] = []
    previous = signal.signal(signal.SIGINT, lambda *_: stop.append(True))
    try:
        yield bar, (lambda: bool(stop))
    finally:
        signal.signal(signal.SIGINT, previous)
        bar.close()


def _search(setup: EvaluationSetup, plan: SearchPlan) -> SearchResult:
    from traderagent.optimize.run import run_search

    evaluator = checked_evaluator(setup)
    with interruptible("optimize") as (bar, cancelled):
        return run_search(
            setup,
            plan,
            evaluator=evaluator,
            progress=lambda done: bar(done / plan.trials),
            cancelled=cancelled,
        )


def _bot(config: AppConfig, name: str | None) -> str:
    from traderagent.optimize.grid_search import SearchError

    names = [b.name for b in config.bots]
    if name is None:
        if len(names) != 1:
            raise SearchError(
                f"the config has several bots: name one with --bot ({', '.join(names)})"
            )
        return names[0]
    if name not in names:
        raise SearchError(f"no bot named {name!r} in the config (bots: {', '.join(names)})")
    return name


def _export(config: AppConfig, setup: EvaluationSetup, result: SearchResult, target: Path) -> Path:
    from traderagent.backtest.preset import export_preset
    from traderagent.clock import format_ts
    from traderagent.optimize.report import format_value

    assert result.best is not None  # noqa: S101 - the caller checked
    data = setup.data
    if data != "bundled" and not data.startswith("store:"):
        data = str(Path(data).expanduser().resolve())
    replay = config.replay.model_copy(update={"data": data, "start": setup.start, "end": setup.end})
    source = config.model_copy(update={"replay": replay})
    best = result.best
    values = ", ".join(f"{k}={format_value(v)}" for k, v in best.params.items())
    note = (
        f"Best of {len(result.records)} trials: {values}\n"
        f"Optimised on {result.data_label}, {format_ts(result.first_ms)} -> "
        f"{format_ts(result.end_ms)} UTC"
    )
    if setup.start or setup.end:
        note += "\nreplay.start/end keep that window: remove them to trade all the data"
    return export_preset(source, setup.bot, target, setup.space.overrides(best.params), note=note)


def _write_json(path: Path, result: SearchResult, setup: EvaluationSetup, plan: SearchPlan) -> bool:
    from traderagent.optimize.report import result_json

    data: dict[str, Any] = result_json(result, setup.space, plan, setup.bot)
    try:
        write_text(path, json.dumps(data, indent=2) + "\n")
    except OSError as err:
        print(f"error: --json: cannot write {path}: {err.strerror}", file=sys.stderr)
        return False
    return True


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be at least 1: {text!r}")
    return value
