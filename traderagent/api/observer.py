"""The API's own subscriber on the engine's bus: the equity curve since the daemon started,
events counted by type, and how far behind the bus's asynchronous consumers run."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter, deque
from collections.abc import Callable
from decimal import Decimal

from traderagent.bus import EventBus
from traderagent.domain.events import EquityUpdated, Event
from traderagent.facade import EngineAPI

EQUITY_POINTS = 1_440
LOOP_TICK_S = 0.5
OBSERVER_BUFFER = 10_000


class EngineObserver:
    """Reads every bus event in a task of its own; the engine never waits for it.

    `bus_lag_s` is the time from the oldest event published since the last batch to the batch
    being handled (only measurable on an in-process engine, whose bus is visible);
    `loop_lag_s` is how late the event loop wakes a timer, which delays every async consumer.
    """

    def __init__(self, engine: EngineAPI) -> None:
        self.engine = engine
        self.equity: deque[tuple[int, Decimal]] = deque(maxlen=EQUITY_POINTS)
        self.events: Counter[str] = Counter()
        self.bus_lag_s = 0.0
        self.loop_lag_s = 0.0
        self._first_pending: float | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._unsubscribe: Callable[[], None] | None = None
        self._stream = engine.events(maxsize=OBSERVER_BUFFER)

    @property
    def dropped(self) -> int:
        """Events this observer missed because it fell a whole buffer behind."""
        return self._stream.dropped

    def start(self) -> None:
        bus = getattr(self.engine, "bus", None)
        if isinstance(bus, EventBus):  # an in-process engine: stamp publications for the lag
            self._unsubscribe = bus.subscribe(Event, self._published)
        self._tasks = [
            asyncio.create_task(self._consume(), name="api-observer"),
            asyncio.create_task(self._tick(), name="api-loop-lag"),
        ]

    async def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self._stream.close()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    def _published(self, event: Event) -> None:
        if self._first_pending is None:
            self._first_pending = time.perf_counter()

    async def _consume(self) -> None:
        while not self._stream.closed:
            batch = await self._stream.next_batch()
            if self._first_pending is not None:
                self.bus_lag_s = time.perf_counter() - self._first_pending
                self._first_pending = None
            for event in batch:
                self.events[type(event).__name__] += 1
                if isinstance(event, EquityUpdated):
                    self.equity.append((event.ts, event.equity))

    async def _tick(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            due = loop.time() + LOOP_TICK_S
            await asyncio.sleep(LOOP_TICK_S)
            self.loop_lag_s = max(loop.time() - due, 0.0)
