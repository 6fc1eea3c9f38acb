"""The emulator on its own thread and event loop, for the official (blocking) clients.

pybit and ccxt's sync class block the calling thread, so the emulator cannot share the test's
loop: `EmulatorThread` runs `running_emulator` on a private loop and hands back the `Emulator`;
`step(n)` closes candles on that loop from the test thread.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from traderagent.exchanges.emulator import Emulator, running_emulator

START_TIMEOUT_S = 30.0


class EmulatorThread:
    """Start with `start()`, stop with `stop()`; `emulator` is the running handle."""

    def __init__(self, candles: Any, **options: Any) -> None:
        self._candles = candles
        self._options = options
        self._loop = asyncio.new_event_loop()
        self._ready: Future[Emulator] = Future()
        self._stop: asyncio.Event | None = None
        self._thread = threading.Thread(target=self._run, name="emulator", daemon=True)
        self.emulator: Emulator = None  # type: ignore[assignment]  # set by start()

    def start(self) -> Emulator:
        self._thread.start()
        self.emulator = self._ready.result(timeout=START_TIMEOUT_S)
        return self.emulator

    def call(self, action: Callable[[], Any]) -> Any:
        """Run `action()` on the emulator's loop (the core is not thread-safe) and return it."""

        async def run() -> Any:
            return action()

        return asyncio.run_coroutine_threadsafe(run(), self._loop).result(START_TIMEOUT_S)

    def step(self, n: int = 1) -> int:
        return int(
            asyncio.run_coroutine_threadsafe(self.emulator.step(n), self._loop).result(
                START_TIMEOUT_S
            )
        )

    def stop(self) -> None:
        if self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(START_TIMEOUT_S)

    def _run(self) -> None:
        self._loop.run_until_complete(self._serve())
        self._loop.close()

    async def _serve(self) -> None:
        self._stop = asyncio.Event()
        try:
            async with running_emulator(self._candles, **self._options) as emu:
                self._ready.set_result(emu)
                await self._stop.wait()
        except BaseException as error:  # a start that failed must not leave start() waiting
            if not self._ready.done():
                self._ready.set_exception(error)
            raise
