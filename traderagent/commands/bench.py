"""`traderagent bench [--json OUT] [--only B1,B4]`: the performance suite (PERFORMANCE.md).

The suite is the `benchmarks` package, installed beside `traderagent` (so the command works
from any directory); a checkout's own `benchmarks/` (the one holding this package, or the
current directory) is preferred. It is imported only when this command runs.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path
from types import ModuleType

from traderagent.commands.common import EXIT_ERROR, EXIT_OK, EXIT_USAGE, Subcommands
from traderagent.commands.output import write_text

NOT_FOUND = (
    "error: the benchmark suite is not available: the `benchmarks` package was not installed "
    "with traderagent. Reinstall it (`pip install .` from a checkout), or run `traderagent "
    "bench` (or `make bench`) inside a checkout of the repository."
)


def register(commands: Subcommands[argparse.ArgumentParser]) -> None:
    bench = commands.add_parser(
        "bench",
        help="run the performance suite (PERFORMANCE.md) and print its table",
        description="Run the benchmarks of PERFORMANCE.md and print one table (with the CPU "
        "model and core count). Exit 1 if a benchmark could not run.",
    )
    bench.add_argument(
        "--json",
        type=Path,
        metavar="OUT",
        help="also write the results as a JSON list (-: standard output)",
    )
    bench.add_argument("--only", metavar="IDS", help="comma-separated ids to run, e.g. B1,B4")
    bench.set_defaults(handler=handle)


def checkout_roots() -> list[Path]:
    """Where a `benchmarks/` folder may be: the checkout holding this package, then the cwd."""
    import traderagent

    return [Path(traderagent.__file__).resolve().parents[1], Path.cwd()]


def load_suite(roots: list[Path]) -> ModuleType | None:
    """`benchmarks.suite`, or None when no checkout provides it."""
    for root in roots:
        if (root / "benchmarks" / "suite.py").is_file() and str(root) not in sys.path:
            sys.path.insert(0, str(root))
            break
    try:
        return importlib.import_module("benchmarks.suite")
    except ModuleNotFoundError as err:
        if err.name in ("benchmarks", "benchmarks.suite"):
            return None
        raise


def handle(args: argparse.Namespace) -> int:
    suite = load_suite(checkout_roots())
    if suite is None:
        print(NOT_FOUND, file=sys.stderr)
        return EXIT_USAGE
    result = importlib.import_module("benchmarks.result")
    known: list[str] = suite.ids()
    only = None
    if args.only is not None:
        only = [part.strip().upper() for part in args.only.split(",") if part.strip()]
        unknown = [i for i in only if i not in {k.upper() for k in known}]
        if unknown or not only:
            print(
                f"error: --only: unknown benchmark {', '.join(unknown) or '(none given)'}; "
                f"known: {', '.join(known)}",
                file=sys.stderr,
            )
            return EXIT_USAGE
    outcome = suite.run(suite.select(only))
    print(result.machine_line())
    print(result.table(outcome.results))
    for benchmark, error in outcome.failures:
        print(f"{benchmark} did not run: {error}", file=sys.stderr)
    if args.json is not None:
        rows = [r.as_json() for r in outcome.results]
        try:
            write_text(args.json, json.dumps(rows, indent=2) + "\n")
        except OSError as err:
            print(f"error: --json: cannot write {args.json}: {err.strerror}", file=sys.stderr)
            return EXIT_ERROR
    return EXIT_ERROR if outcome.failures else EXIT_OK
