"""Run the performance suite and print one table: id, figure, target, pass/fail.

`python -m benchmarks [B1,B4,...]`. The benchmarks are listed in `benchmarks/suite.py`.
"""

from __future__ import annotations

import sys

from benchmarks.result import Result, cpu_model, median_of

__all__ = ["Result", "cpu_model", "main", "median_of"]


def main(argv: list[str] | None = None) -> int:
    from benchmarks import suite
    from benchmarks.result import machine_line, table

    args = sys.argv[1:] if argv is None else argv
    only = args[0].split(",") if args else None
    entries = suite.select(only)
    if not entries:
        print(f"no benchmark matches {args[0]!r}; known: {', '.join(suite.ids())}", file=sys.stderr)
        return 2
    outcome = suite.run(entries)
    print(machine_line())
    print(table(outcome.results))
    for benchmark, error in outcome.failures:
        print(f"{benchmark} did not run: {error}", file=sys.stderr)
    return 1 if outcome.failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
