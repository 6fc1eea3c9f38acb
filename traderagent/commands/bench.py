"""`traderagent bench [--json OUT] [--only B1,B4]`: the performance suite (PERFORMANCE.md).

The suite is the `benchmarks` package at the root of a TraderAgent checkout (it is not in the
wheel). It is imported only when this command runs, from the checkout this program was
installed from (an editable install) or the current directory.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path
from types import ModuleType

from traderagent.commands.common import EXIT_ERROR, EXIT_OK, EXIT_USAGE, Subcommands

NOT_FOUND = (
    "error: the benchmark suite is not available: it is the benchmarks/ folder of a TraderAgent "
    "checkout and is not installed with the package. Run `traderagent bench` (or `make bench`) "
    "inside a checkout of the repository."
)


def register(commands: Subcommands[argparse.ArgumentParser]) -> None:
    bench = commands.add_parser(
        "bench",
        help="run the performance suite (PERFORMANCE.md) and print its table",
        description="Run the benchmarks of PERFORMANCE.md and print one table (with the CPU "
        "model and core count). Exit 1 if a benchmark could not run.",
    )
    bench.add_argument(
        "--json", type=Path, metavar="OUT", help="also write the results as a JSON list"
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
            args.json.write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
        except OSError as err:
            print(f"error: --json: cannot write {args.json}: {err.strerror}", file=sys.stderr)
            return EXIT_ERROR
    return EXIT_ERROR if outcome.failures else EXIT_OK
