"""Connections the API keeps: a bounded number, each with a deadline to send its headers.

uvicorn alone keeps a connection that never finishes its request line and headers open for
ever, and accepts them until the process runs out of file descriptors (then `/health` times
out too). Here a connection has `header_timeout_s` to send a request's headers (its first,
and each next one on a kept-alive connection), and at most `max_connections` are open: past
that the oldest connection still waiting for its headers is closed to make room, or the new
one when every open connection is serving a request.
"""

from __future__ import annotations

import asyncio
import logging
import resource
from dataclasses import dataclass, field
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

from traderagent.api.log_flood import FloodGuard

log = logging.getLogger(__name__)

HEADER_TIMEOUT_S = 10.0
MAX_CONNECTIONS = 512


def default_max_connections() -> int:
    """MAX_CONNECTIONS, or a quarter of the file descriptors this process may open if less:
    the database, the exchange and the logs keep the rest."""
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return MAX_CONNECTIONS
    return max(8, min(MAX_CONNECTIONS, soft // 4))


@dataclass
class ConnectionLimits:
    """The limits, and what they have done (read by tests and the metrics)."""

    max_connections: int = field(default_factory=default_max_connections)
    header_timeout_s: float = HEADER_TIMEOUT_S
    waiting: dict[Any, None] = field(default_factory=dict)
    """Connections waiting for a request's headers, oldest first."""
    timed_out: int = 0
    evicted: int = 0
    refused: int = 0
    flood: FloodGuard = field(default_factory=lambda: FloodGuard(log))


def guarded_protocol(limits: ConnectionLimits) -> type[H11Protocol]:
    """uvicorn's h11 protocol under `limits` (one class per server: it holds their state)."""

    class GuardedH11Protocol(H11Protocol):
        _deadline: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            if len(self.connections) > limits.max_connections and not self._make_room():
                limits.refused += 1
                limits.flood.warning(
                    "API connection refused: %d connections open (the limit)",
                    limits.max_connections,
                )
                transport.close()
                return
            self._await_headers()

        def connection_lost(self, exc: Exception | None) -> None:
            self._headers_arrived()
            super().connection_lost(exc)

        def handle_events(self) -> None:
            cycle = self.cycle
            super().handle_events()
            if self.cycle is not cycle:  # a request's headers were parsed
                self._headers_arrived()

        def handle_websocket_upgrade(self, event: Any) -> None:
            self._headers_arrived()
            super().handle_websocket_upgrade(event)

        def on_response_complete(self) -> None:
            if not self.transport.is_closing():
                self._await_headers()  # the next request on this connection
            super().on_response_complete()

        def _await_headers(self) -> None:
            self._headers_arrived()
            self._deadline = self.loop.call_later(limits.header_timeout_s, self._headers_late)
            limits.waiting[self] = None

        def _headers_arrived(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
                self._deadline = None
            limits.waiting.pop(self, None)

        def _headers_late(self) -> None:
            self._deadline = None
            limits.waiting.pop(self, None)
            limits.timed_out += 1
            limits.flood.warning(
                "API connection closed: no request headers within %.0f s", limits.header_timeout_s
            )
            self.transport.close()

        def _make_room(self) -> bool:
            oldest = next(iter(limits.waiting), None)
            if oldest is None:
                return False
            oldest._headers_arrived()
            limits.evicted += 1
            limits.flood.warning(
                "API connection closed: %d connections open, the oldest idle one made room",
                limits.max_connections,
            )
            oldest.transport.close()
            return True

    return GuardedH11Protocol
