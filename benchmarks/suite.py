"""The registry of benchmarks, in the order they run.

Each entry names a benchmark id (PERFORMANCE.md) and a `module:function` returning a list of
`Result`s. Modules are imported only when their entry runs, so `--only B6` loads nothing else.
To add a benchmark, append one `Benchmark(...)` line to SUITE.
"""

from __future__ import annotations

import importlib
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from benchmarks.result import Result


@dataclass(frozen=True)
class Benchmark:
    """One registry entry: an id like "B4" and the `module:function` that measures it."""

    id: str
    target: str

    def load(self) -> Callable[[], list[Result]]:
        module_name, _, function = self.target.partition(":")
        module = importlib.import_module(module_name)
        return cast("Callable[[], list[Result]]", getattr(module, function))


SUITE: list[Benchmark] = [
    Benchmark("B1", "benchmarks.backtest:results"),
    Benchmark("B1s", "benchmarks.stepped:results"),
    Benchmark("B2", "benchmarks.kernels:results"),
    Benchmark("B2", "benchmarks.peer:results"),
    Benchmark("B3", "benchmarks.kernels:sweep_results"),
    Benchmark("B4", "benchmarks.indicators:results"),
    Benchmark("B5", "benchmarks.live:results"),
    Benchmark("B6", "benchmarks.engine:bus_results"),
    Benchmark("B7", "benchmarks.tui:results"),
    Benchmark("B8", "benchmarks.api:results"),
    Benchmark("B9", "benchmarks.startup:results"),
    Benchmark("B9", "benchmarks.kernels:cold_results"),
    Benchmark("B10", "benchmarks.montecarlo:results"),
]


def ids() -> list[str]:
    """The ids in the registry, each once, in order."""
    return list(dict.fromkeys(b.id for b in SUITE))


def select(only: Iterable[str] | None = None) -> list[Benchmark]:
    """The entries whose id is in `only` (case-insensitive), or all of them."""
    if only is None:
        return list(SUITE)
    wanted = {i.strip().upper() for i in only if i.strip()}
    return [b for b in SUITE if b.id.upper() in wanted]


@dataclass
class Outcome:
    """The results of a run, and the entries that crashed (id, what went wrong)."""

    results: list[Result] = field(default_factory=list)
    failures: list[tuple[str, str]] = field(default_factory=list)


def run(entries: Iterable[Benchmark]) -> Outcome:
    """Run each entry and collect its results; one that raises (a failed correctness gate,
    a missing optional dependency) is recorded with its error and the others still run."""
    outcome = Outcome()
    for entry in entries:
        try:
            outcome.results.extend(entry.load()())
        except Exception as exc:  # reported with its place; the other entries still run
            outcome.failures.append((entry.id, _describe(exc)))
    return outcome


def _describe(exc: BaseException) -> str:
    where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    place = f" (at {Path(where.filename).name}:{where.lineno})" if where else ""
    return f"{type(exc).__name__}: {exc}{place}"
