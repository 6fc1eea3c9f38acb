"""Run the benchmarks that exist so far and print one table: id, figure, target, pass/fail."""

from __future__ import annotations

import asyncio
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from traderagent.bus import EventBus
from traderagent.config import parse_config
from traderagent.domain.events import LogRecord
from traderagent.runtime import build_engine

REPEATS = 5

ENGINE_CONFIG = """\
replay: {data: bundled, speed: max}
bots:
  - name: grid-btc
    strategy: {kind: grid, lower: "21000", upper: "25000", levels: 41, amount_per_level: "200"}
"""


@dataclass(frozen=True)
class Result:
    id: str
    name: str
    figure: float
    unit: str
    target: float
    higher_is_better: bool

    @property
    def passed(self) -> bool:
        return self.figure >= self.target if self.higher_is_better else self.figure <= self.target


def median_of(run: Callable[[], float], repeats: int = REPEATS) -> float:
    return statistics.median(run() for _ in range(repeats))


def engine_replay() -> Result:
    """B1 on today's engine: the event-driven path (paper venue + SQLite journal) on the
    bundled 30,240 real candles, in candles per second."""

    async def once() -> float:
        with tempfile.TemporaryDirectory() as tmp:
            built = await build_engine(parse_config(ENGINE_CONFIG, "bench", {}), Path(tmp) / "b.db")
            started = time.perf_counter()
            summary = await built.engine.run()
            elapsed = time.perf_counter() - started
            await built.engine.close()
        assert summary.fills > 0
        return summary.candles / elapsed

    rate = median_of(lambda: asyncio.run(once()), 3)
    return Result("B1", "engine replay, grid + paper + SQLite", rate, "candles/s", 1_000_000, True)


def bus_throughput() -> Result:
    """B6: one publisher, four synchronous subscribers."""
    bus = EventBus()
    counts = [0, 0, 0, 0]
    for i in range(4):
        bus.subscribe(LogRecord, lambda e, i=i: counts.__setitem__(i, counts[i] + 1))
    events = [LogRecord(n, "info", "x") for n in range(200_000)]

    def once() -> float:
        started = time.perf_counter()
        for event in events:
            bus.publish(event)
        return len(events) / (time.perf_counter() - started)

    return Result(
        "B6", "event bus, 1 publisher -> 4 handlers", median_of(once), "events/s", 1e6, True
    )


def cli_cold_start() -> Result:
    """B9: `traderagent --help` in a fresh interpreter, in seconds."""

    def once() -> float:
        started = time.perf_counter()
        subprocess.run(  # noqa: S603 - our own interpreter and module
            [sys.executable, "-m", "traderagent", "--help"], check=True, capture_output=True
        )
        return time.perf_counter() - started

    return Result("B9", "cold start: traderagent --help", median_of(once), "s", 0.5, False)


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main() -> int:
    from benchmarks import indicators, tui  # import this module: load them once main() runs

    results = [
        bus_throughput(),
        cli_cold_start(),
        engine_replay(),
        *indicators.results(),
        *tui.results(),
    ]
    print(f"machine: {cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"{'id':<4} {'benchmark':<40} {'figure':>16} {'target':>14}  result")
    for r in results:
        sign = ">=" if r.higher_is_better else "<="
        print(
            f"{r.id:<4} {r.name:<40} {r.figure:>12,.3g} {r.unit:<4}"
            f" {sign}{r.target:>11,.3g}  {'pass' if r.passed else 'FAIL'}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
