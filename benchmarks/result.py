"""What every benchmark returns, and the helpers the suite's table needs."""

from __future__ import annotations

import platform
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

REPEATS = 5


@dataclass(frozen=True)
class Result:
    """One measured figure against its PERFORMANCE.md target, or (target None) a figure for
    information: one the issue lets the project not aim at (the kernels' compile, done once
    at install), printed as `info` and never counted as met or missed."""

    id: str
    name: str
    figure: float
    unit: str
    target: float | None
    higher_is_better: bool

    @property
    def passed(self) -> bool | None:
        if self.target is None:
            return None
        return self.figure >= self.target if self.higher_is_better else self.figure <= self.target

    def as_json(self) -> dict[str, object]:
        """The `traderagent bench --json` shape."""
        return {
            "id": self.id,
            "name": self.name,
            "value": self.figure,
            "unit": self.unit,
            "target": self.target,
            "higher_is_better": self.higher_is_better,
            "pass": self.passed,
        }


def median_of(run: Callable[[], float], repeats: int = REPEATS) -> float:
    return statistics.median(run() for _ in range(repeats))


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        return platform.processor() or "unknown"
    return platform.processor() or "unknown"


def machine_line() -> str:
    import os

    cores = os.cpu_count()
    return f"machine: {cpu_model()}, {cores} cores, Python {platform.python_version()}"


def table(results: list[Result]) -> str:
    """The suite's table: id, benchmark, figure and unit, target, pass/fail."""
    name_w = max([len("benchmark"), *(len(r.name) for r in results)])
    unit_w = max([4, *(len(r.unit) for r in results)])
    lines = [
        f"{'id':<4} {'benchmark':<{name_w}} {'figure':>10} {'':<{unit_w}} {'target':>12}  result"
    ]
    for r in results:
        sign = ">=" if r.higher_is_better else "<="
        target = f"{sign}{number(r.target):>10}" if r.target is not None else f"{'-':>12}"
        verdict = "info" if r.passed is None else "pass" if r.passed else "FAIL"
        lines.append(
            f"{r.id:<4} {r.name:<{name_w}} {number(r.figure):>10} {r.unit:<{unit_w}}"
            f" {target}  {verdict}"
        )
    return "\n".join(lines)


def number(value: float) -> str:
    """Three significant digits, thousands separated: 1,230,000 / 41.2 / 0.0912."""
    if abs(value) >= 1000:
        return f"{float(f'{value:.3g}'):,.0f}"
    return f"{value:.3g}"
