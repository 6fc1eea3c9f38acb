"""Serve an ASGI app with uvicorn inside the caller's event loop (the engine's), as a task.

The socket is bound here first, so a busy port is a clear error before anything starts and
port 0 tells its real port at once. uvicorn's own signal handling is off: the daemon owns
SIGTERM and SIGINT and stops the server when the engine has stopped.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Iterator
from typing import Any

import uvicorn

from traderagent.api import log_flood
from traderagent.api.connections import ConnectionLimits, guarded_protocol

START_TIMEOUT_S = 10.0
GRACEFUL_S = 3
KEEP_ALIVE_S = 5
MAX_HEADER_BYTES = 16 * 1024
"""A request line and headers longer than this are refused (h11 answers 400)."""


class ApiStartError(Exception):
    """The API could not listen; the message names the address and the reason."""


class _QuietServer(uvicorn.Server):
    """uvicorn without its own SIGINT/SIGTERM handlers."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield  # the daemon handles the signals


def bind(host: str, port: int) -> socket.socket:
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        sock = socket.socket(family, kind, proto)
    except OSError as err:
        raise ApiStartError(f"cannot listen on {host}:{port}: {err.strerror or err}") from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
    except OSError as err:
        sock.close()
        hint = "; pick another with --api-port, or --no-api" if err.errno == 98 else ""
        raise ApiStartError(f"cannot listen on {host}:{port}: {err.strerror}{hint}") from None
    return sock


class ApiServer:
    """`await start()` returns the URL it listens on; `await stop()` closes it gracefully.

    `limits` bounds the connections (how many, how long to send headers): see `connections`.
    """

    def __init__(
        self,
        app: Any,
        host: str = "127.0.0.1",
        port: int = 8080,
        limits: ConnectionLimits | None = None,
    ) -> None:
        self.host = host
        self.port = port
        self.limits = limits or ConnectionLimits()
        self._sock = bind(host, port)
        self.port = self._sock.getsockname()[1]
        log_flood.install()
        config = uvicorn.Config(
            app,
            http=guarded_protocol(self.limits),
            h11_max_incomplete_event_size=MAX_HEADER_BYTES,
            timeout_keep_alive=KEEP_ALIVE_S,
            limit_concurrency=self.limits.max_connections + 16,
            # asyncio accepts up to `backlog` connections in one go before any is seen: kept
            # small, a flood cannot open file descriptors faster than the limit closes them
            backlog=max(16, self.limits.max_connections // 2),
            log_config=None,
            log_level="warning",
            access_log=False,  # a WebSocket URL may carry ?token=: never log requests
            lifespan="on",
            timeout_graceful_shutdown=GRACEFUL_S,
            ws_ping_interval=20.0,
        )
        self._server = _QuietServer(config)
        self._task: asyncio.Task[None] | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    async def start(self) -> str:
        self._task = asyncio.create_task(self._server.serve([self._sock]), name="api-server")
        waited = 0.0
        while not self._server.started:
            if self._task.done():
                self._sock.close()
                raise ApiStartError(f"the API on {self.url} failed to start")
            if waited > START_TIMEOUT_S:
                raise ApiStartError(f"the API on {self.url} did not start in {START_TIMEOUT_S}s")
            await asyncio.sleep(0.01)
            waited += 0.01
        return self.url

    async def stop(self) -> None:
        if self._task is None:
            self._sock.close()
            return
        self._server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None
        self._sock.close()
