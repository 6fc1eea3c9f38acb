"""B1 on today's engine (the event-driven path) and B6, the event bus."""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path

from benchmarks.result import Result, median_of
from traderagent.bus import EventBus
from traderagent.config import parse_config
from traderagent.domain.events import LogRecord
from traderagent.wiring.runtime import build_engine

ENGINE_CONFIG = """\
replay: {data: bundled, speed: max}
bots:
  - name: grid-btc
    strategy: {kind: grid, lower: "21000", upper: "25000", levels: 41, amount_per_level: "200"}
"""


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


def results() -> list[Result]:
    return [engine_replay()]


def bus_results() -> list[Result]:
    return [bus_throughput()]
