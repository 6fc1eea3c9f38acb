"""B7: the console under a synthetic 1,000 events/s feed (PERFORMANCE.md: a coalesced 10-30 Hz
redraw, <= 25 % of one core, key-to-screen <= 50 ms).

The app runs headless at 160x48 on an engine stand-in that publishes log lines and fills at
1,000 events/s and moves its prices and PnL with every event. Measured over a few seconds:
- redraw rate: dashboard snapshot draws per second (the 12 Hz timer) and frames Textual paints;
- CPU share: process CPU time over wall time (the synthetic feed included, so an upper bound);
- key-to-screen: from a key arriving to the bots table's cursor having moved, median of 20.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from dataclasses import replace
from decimal import Decimal
from typing import Any

from benchmarks.result import Result
from traderagent.bus import EventBus, EventStream
from traderagent.domain import BotState, Fill, Liquidity, Side, TradingMode
from traderagent.domain.events import Event, LogRecord, OrderFilled
from traderagent.facade import BotChart, BotSnapshot, EngineSnapshot, ReloadReport, RunSummary

RATE = 1_000
SECONDS = 4.0
START_MS = 1_677_628_800_000


class FeedEngine:
    """An EngineAPI stand-in: two bots, and a feed of RATE events a second while it runs."""

    def __init__(self) -> None:
        self.bus = EventBus()
        self.clock_ms = START_MS
        self.bots = [
            BotSnapshot("grid-btc", "BTCUSDT", "grid", BotState.RUNNING),
            BotSnapshot("dca-btc", "BTCUSDT", "dca", BotState.RUNNING),
        ]
        self.closes: list[float] = [23_000.0]
        self.published = 0
        self._stop = asyncio.Event()

    def snapshot(self) -> EngineSnapshot:
        return EngineSnapshot(
            mode=TradingMode.PAPER,
            venue="paper",
            clock_ms=self.clock_ms,
            equity=Decimal(10_000) + self.bots[0].realised_pnl,
            starting_equity=Decimal(10_000),
            bots=tuple(self.bots),
            running=True,
        )

    def events(self, kinds: tuple[type[Event], ...] = (), maxsize: int = 2_000) -> EventStream:
        return self.bus.stream(kinds, maxsize)

    def bot_chart(self, name: str, minutes: int = 240) -> BotChart:
        closes = tuple(self.closes[-minutes:])
        return BotChart(name, "BTCUSDT", closes, self.clock_ms - len(closes) * 60_000)

    async def run(self) -> RunSummary:
        interval = 0.01
        per_tick = int(RATE * interval)
        next_at = time.perf_counter()
        while not self._stop.is_set():
            for _ in range(per_tick):
                self._publish_one()
            next_at += interval
            await asyncio.sleep(max(next_at - time.perf_counter(), 0))
        raise asyncio.CancelledError

    def _publish_one(self) -> None:
        self.published += 1
        n = self.published
        self.clock_ms += 1_000
        if n % 60 == 0:
            self.closes.append(23_000.0 + (n % 600) - 300)
        if n % 4 == 0:
            price = Decimal(23_000 + n % 100)
            fill = Fill(
                f"f{n}", f"grid-btc-{n}", "BTCUSDT", Side.BUY, price, Decimal("0.001"),
                Decimal("0.01"), "USDT", Liquidity.MAKER, self.clock_ms, "grid-btc", "b",
            )  # fmt: skip
            self.bus.publish(OrderFilled(self.clock_ms, fill))
            bot = self.bots[0]
            self.bots[0] = replace(bot, realised_pnl=bot.realised_pnl + Decimal("0.01"))
        else:
            self.bus.publish(LogRecord(self.clock_ms, "INFO", f"event {n}", "grid-btc"))

    async def start_bot(self, name: str) -> None: ...
    async def pause_bot(self, name: str) -> None: ...
    async def resume_bot(self, name: str) -> None: ...
    async def stop_bot(self, name: str) -> None: ...
    async def halt(self, name: str | None = None, reason: str = "operator") -> None: ...
    async def acknowledge(self, name: str) -> None: ...

    async def shutdown(self, cancel_orders: bool = False) -> None:
        self._stop.set()

    async def reload_config(self, config: Any) -> ReloadReport:
        return ReloadReport()


async def measure() -> dict[str, float]:
    from tui.app import TraderAgentApp
    from tui.widgets.bots_table import BotsTable

    engine = FeedEngine()
    app = TraderAgentApp(engine)  # type: ignore[arg-type]
    frames = 0
    async with app.run_test(size=(160, 48)) as pilot:
        original = app._display

        def counting(*args: Any, **kwargs: Any) -> Any:
            nonlocal frames
            frames += 1
            return original(*args, **kwargs)

        app._display = counting  # type: ignore[method-assign]
        await pilot.pause(1.0)  # warm up: the feed is running
        table = app.dashboard.query_one(BotsTable)
        draws0, frames0, published0 = app.dashboard.redraws, frames, engine.published
        cpu0, wall0 = time.process_time(), time.perf_counter()
        latencies = []
        key_every = SECONDS / 20
        for i in range(20):
            before = table.cursor_row
            started = time.perf_counter()
            app.simulate_key("down" if i % 2 == 0 else "up")
            while table.cursor_row == before:  # noqa: ASYNC110 - polling the screen is the measure
                await asyncio.sleep(0.0005)
            latencies.append((time.perf_counter() - started) * 1000)
            await asyncio.sleep(max(key_every - (time.perf_counter() - started), 0))
        wall = time.perf_counter() - wall0
        cpu = time.process_time() - cpu0
        figures = {
            "events_per_s": (engine.published - published0) / wall,
            "redraw_hz": (app.dashboard.redraws - draws0) / wall,
            "frames_hz": (frames - frames0) / wall,
            "cpu_pct": cpu / wall * 100,
            "key_ms": statistics.median(latencies),
            "key_ms_max": max(latencies),
        }
        await engine.shutdown()
    return figures


def results() -> list[Result]:
    f = asyncio.run(measure())
    print(
        f"B7 feed {f['events_per_s']:,.0f} events/s: snapshot redraws {f['redraw_hz']:.1f} Hz,"
        f" frames painted {f['frames_hz']:.1f} Hz, CPU {f['cpu_pct']:.0f}% of one core,"
        f" key-to-screen median {f['key_ms']:.1f} ms (max {f['key_ms_max']:.1f} ms)"
    )
    return [
        # the dashboard draws at most 12 snapshots a second: the bar to clear is the low end (10)
        Result("B7", "TUI redraw under 1,000 events/s", f["redraw_hz"], "Hz", 10, True),
        Result("B7", "TUI CPU share under 1,000 events/s", f["cpu_pct"], "%", 25, False),
        Result("B7", "TUI key-to-screen under 1,000 ev/s", f["key_ms"], "ms", 50, False),
    ]


if __name__ == "__main__":
    for result in results():
        print(result)
