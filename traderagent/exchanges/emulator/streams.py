"""WebSocket fan-out: one outgoing queue per connection, and the private feed's ordering.

Each connection's messages go through its own queue and sender task, so a slow client never
stalls the replay, and injected latency delays delivery without serialising it. A connection
whose backlog passes `MAX_BACKLOG` is dropped, as Bybit drops slow consumers.

The private feed holds pushes while a create or cancel is being acknowledged: the REST handler
calls `hold()`, and `release()` runs once the response is written, so the ack always leaves
before the `order`/`execution`/`position`/`wallet` messages it caused, and pushes keep the
order in which the account produced them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import uuid
from collections.abc import Callable

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState
from uvicorn.protocols.utils import ClientDisconnected

from traderagent.exchanges.emulator.injector import FaultInjector

MAX_BACKLOG = 10_000
DROP_CODE = 1011


class Connection:
    """One WebSocket client: its topics, its outgoing queue, and the task that drains it."""

    def __init__(self, websocket: WebSocket, stream: str, injector: FaultInjector) -> None:
        self.websocket = websocket
        self.stream = stream
        self.conn_id = uuid.uuid4().hex[:20]
        self.topics: set[str] = set()
        self.authenticated = False
        self.last_ticker: dict[str, dict[str, object]] = {}  # per topic, for linear deltas
        self.last_book: dict[str, object] = {}  # per orderbook topic, for deltas
        self.closed = False
        self._injector = injector
        self._queue: asyncio.Queue[tuple[float, str, bool] | None] = asyncio.Queue()

    def send(self, message: dict[str, object], *, push: bool = False) -> None:
        """Queue a message; `push` marks data (not replies), which `ws_drop` may replace."""
        if self.closed:
            return
        if self._queue.qsize() >= MAX_BACKLOG:
            self.stop()
            return
        due = asyncio.get_running_loop().time() + self._injector.latency_s
        self._queue.put_nowait((due, json.dumps(message, separators=(",", ":")), push))

    def stop(self) -> None:
        """End the sender; the connection closes when it gets there."""
        self.closed = True
        self._queue.put_nowait(None)

    async def run_sender(self) -> None:
        """Deliver queued messages until stopped, dropped or disconnected; then close."""
        # a client that is gone shows up as one of these on send or close
        gone = (WebSocketDisconnect, ClientDisconnected, RuntimeError, OSError)
        with contextlib.suppress(*gone):
            try:
                await self._deliver()
            finally:
                self.closed = True
                if self.websocket.application_state is WebSocketState.CONNECTED:
                    await self.websocket.close(code=DROP_CODE)

    async def _deliver(self) -> None:
        loop = asyncio.get_running_loop()
        while (item := await self._queue.get()) is not None:
            due, text, push = item
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            if push and self._injector.ws_drop(self.stream):
                return
            await self.websocket.send_text(text)


class PrivateFeed:
    """Authenticated private connections and the account's pushes, in order."""

    def __init__(self, now_ms: Callable[[], int]) -> None:
        self._now_ms = now_ms
        self.connections: set[Connection] = set()
        self._held = 0
        self._pending: list[tuple[str, str, list[dict[str, object]], int]] = []
        self.published = 0
        """Pushes the account has made so far: a driver that sees it unchanged across a
        client's ping round trip knows the client has heard everything (lockstep)."""

    def publish(self, topic: str, category: str, items: list[dict[str, object]]) -> None:
        """Push `items` on `topic` (and on `topic.category`) to the subscribed connections."""
        self._pending.append((topic, category, items, self._now_ms()))
        self.published += 1
        if not self._held:
            self._flush()

    def hold(self) -> None:
        self._held += 1

    def release(self) -> None:
        self._held -= 1
        if not self._held:
            self._flush()

    def _flush(self) -> None:
        pending, self._pending = self._pending, []
        for topic, category, items, created in pending:
            names = (topic, f"{topic}.{category}") if category else (topic,)
            for connection in list(self.connections):
                for name in names:
                    if name in connection.topics:
                        message = {
                            "id": uuid.uuid4().hex,
                            "topic": name,
                            "creationTime": created,
                            "data": items,
                        }
                        connection.send(message, push=True)
