"""Clocks: the only source of "now" for the engine and everything below it.

Time is integer epoch milliseconds (UTC). `VenueClock` follows a live venue's market data (the
wall clock between candles); `ReplayClock` follows the replayed data, pacing it at `speed` x
real time, or as fast as possible (speed None). asyncio is imported where a clock sleeps:
`backtest` formats times (`format_ts`) without it.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now_ms(self) -> int: ...

    async def advance_to(self, ts_ms: int) -> None:
        """Wait until `ts_ms` is now (live: real waiting; replay: paced or instant)."""
        ...


class VenueClock:
    """Time as a live venue's market data tells it: the close of the latest candle, moving on
    with the wall clock between candles. On a real exchange this is the wall clock give or take
    the feed's delay; against a replaying emulator it is the replay's time, which is what orders,
    fills and candles there are stamped with."""

    def __init__(self, start_ms: int | None = None) -> None:
        self._synced = start_ms is not None
        self._base = start_ms if start_ms is not None else time.time_ns() // 1_000_000
        self._anchor = time.monotonic()

    def now_ms(self) -> int:
        return self._base + int((time.monotonic() - self._anchor) * 1000)

    async def advance_to(self, ts_ms: int) -> None:
        # the candle has closed already when it arrives: never wait. The first candle sets the
        # time (a replaying venue may be years behind the wall clock); after it, never backwards
        if ts_ms > self.now_ms() or not self._synced:
            self._synced = True
            self._base = ts_ms
            self._anchor = time.monotonic()


class ReplayClock:
    """Simulated time. `speed` = simulated seconds per real second; None = as fast as possible.

    Pacing is anchored (real start, simulated start) so sleeps do not accumulate drift, and
    re-anchored when the speed changes. Without pacing it still yields to the event loop every
    `yield_every` advances, so a UI sharing the loop stays responsive.
    """

    def __init__(self, start_ms: int = 0, speed: float | None = None, yield_every: int = 256):
        if speed is not None and speed <= 0:
            raise ValueError("replay speed must be positive (or None for as fast as possible)")
        self._now = start_ms
        self._speed = speed
        self._yield_every = yield_every
        self._advances = 0
        self._anchor_real = time.monotonic()
        self._anchor_sim = start_ms

    def now_ms(self) -> int:
        return self._now

    @property
    def speed(self) -> float | None:
        return self._speed

    def set_speed(self, speed: float | None) -> None:
        if speed is not None and speed <= 0:
            raise ValueError("replay speed must be positive (or None for as fast as possible)")
        self._speed = speed
        self._anchor_real = time.monotonic()
        self._anchor_sim = self._now

    async def advance_to(self, ts_ms: int) -> None:
        if ts_ms < self._now:
            raise ValueError(f"replay time cannot go backwards ({ts_ms} < {self._now})")
        if self._advances == 0:
            self._anchor_sim = ts_ms if self._now == 0 else self._now
            self._anchor_real = time.monotonic()
        self._advances += 1
        if self._speed is None:
            self._now = ts_ms
            if self._advances % self._yield_every == 0:
                import asyncio

                await asyncio.sleep(0)
            return
        due = self._anchor_real + (ts_ms - self._anchor_sim) / 1000 / self._speed
        delay = due - time.monotonic()
        if delay > 0:
            import asyncio

            await asyncio.sleep(delay)
        elif self._advances % self._yield_every == 0:
            import asyncio

            await asyncio.sleep(0)
        self._now = ts_ms


def format_ts(ts_ms: int) -> str:
    """`2023-03-01 12:34` style UTC time for logs and the screen."""
    return datetime.fromtimestamp(ts_ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M")
