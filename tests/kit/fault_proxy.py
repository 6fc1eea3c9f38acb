"""A small fault proxy for tests: an asyncio HTTP/WebSocket relay in front of a server (the
Bybit emulator) that can lose answers and fail requests on cue, or go down entirely.

- `lose_answer(match)`: the next requests `match` accepts reach the server (an order create
  is processed), but the client gets HTTP 504 instead of the server's answer;
- `fail(match, status, for_s)`: requests `match` accepts are answered `status` without
  reaching the server, for `for_s` seconds;
- `down()` / `up()`: an outage: every open connection (WebSocket streams too) is cut and new
  ones are refused until `up()`.

`match(method, path, body)` sees the request line's path (with its query) and the raw body.
One request per client connection (answers carry `Connection: close`), WebSockets piped
through untouched.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

Match = Callable[[str, str, bytes], bool]


@dataclass
class _Rule:
    match: Match
    status: int
    until: float  # monotonic deadline (inf: until `times` are used)
    times: int  # how many more requests it applies to (-1: any number)
    forward: bool  # reach the server first (the answer is lost), or not at all


@dataclass
class FaultProxy:
    upstream_host: str
    upstream_port: int
    rules: list[_Rule] = field(default_factory=list)
    is_down: bool = False
    lost: list[str] = field(default_factory=list)
    """`METHOD path` of every request whose answer was lost."""
    failed: list[str] = field(default_factory=list)
    """`METHOD path` of every request answered with a failure without reaching the server."""
    refused: int = 0
    port: int = 0
    _server: asyncio.Server | None = None
    _writers: set[asyncio.StreamWriter] = field(default_factory=set)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def lose_answer(self, match: Match, times: int = 1, status: int = 504) -> None:
        self.rules.append(_Rule(match, status, float("inf"), times, True))

    def fail(self, match: Match, status: int = 503, for_s: float = 3.0) -> None:
        self.rules.append(_Rule(match, status, time.monotonic() + for_s, -1, False))

    def active_rules(self) -> int:
        """How many faults are still set (a timed one ends at its deadline)."""
        now = time.monotonic()
        self.rules = [r for r in self.rules if r.until > now and r.times != 0]
        return len(self.rules)

    def clear(self) -> None:
        self.rules.clear()

    def down(self) -> None:
        self.is_down = True
        for writer in list(self._writers):
            writer.close()

    def up(self) -> None:
        self.is_down = False

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        self.down()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    # -- internals -------------------------------------------------------------------------

    def _rule(self, method: str, path: str, body: bytes) -> _Rule | None:
        self.active_rules()
        for rule in self.rules:
            if rule.match(method, path, body):
                if rule.times > 0:
                    rule.times -= 1
                return rule
        return None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if self.is_down:
            self.refused += 1
            writer.close()
            return
        self._writers.add(writer)
        try:
            await self._one(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, OSError):
            pass
        finally:
            self._writers.discard(writer)
            writer.close()

    async def _one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, path, _ = lines[0].split(" ", 2)
        headers = {
            k.strip().lower(): v.strip() for k, _, v in (x.partition(":") for x in lines[1:])
        }
        body = await reader.readexactly(int(headers.get("content-length", "0") or 0))
        if headers.get("upgrade", "").lower() == "websocket":
            await self._pipe(head + body, reader, writer)
            return
        rule = self._rule(method, path, body)
        if rule is not None and not rule.forward:
            self.failed.append(f"{method} {path}")
            await _answer(writer, rule.status)
            return
        up_reader, up_writer = await asyncio.open_connection(self.upstream_host, self.upstream_port)
        try:
            up_writer.write(_close_after(head) + body)
            await up_writer.drain()
            answer = await up_reader.read()  # the server closes after its answer
        finally:
            up_writer.close()
        if rule is not None:
            self.lost.append(f"{method} {path}")
            await _answer(writer, rule.status)
            return
        writer.write(_close_after(answer))
        await writer.drain()

    async def _pipe(
        self, first: bytes, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        up_reader, up_writer = await asyncio.open_connection(self.upstream_host, self.upstream_port)
        self._writers.add(up_writer)
        up_writer.write(first)

        async def relay(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(ConnectionError, OSError):
                while chunk := await src.read(65536):
                    dst.write(chunk)
                    await dst.drain()
            dst.close()

        try:
            await asyncio.gather(relay(reader, up_writer), relay(up_reader, writer))
        finally:
            self._writers.discard(up_writer)
            up_writer.close()


def _close_after(message: bytes) -> bytes:
    """`message` (an HTTP head, maybe with its body) with `Connection: close`."""
    head, sep, rest = message.partition(b"\r\n\r\n")
    lines = [x for x in head.split(b"\r\n") if not x.lower().startswith(b"connection:")]
    return b"\r\n".join([*lines, b"Connection: close"]) + sep + rest


async def _answer(writer: asyncio.StreamWriter, status: int) -> None:
    body = b"upstream fault (test proxy)"
    writer.write(
        f"HTTP/1.1 {status} Fault\r\nContent-Type: text/plain\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
        + body
    )
    await writer.drain()


@contextlib.asynccontextmanager
async def fault_proxy(upstream_url: str) -> AsyncIterator[FaultProxy]:
    """A running proxy in front of `upstream_url` (`http://HOST:PORT`)."""
    host, _, port = upstream_url.removeprefix("http://").rstrip("/").partition(":")
    proxy = FaultProxy(host, int(port))
    await proxy.start()
    try:
        yield proxy
    finally:
        await proxy.stop()


def creates(method: str, path: str, body: bytes) -> bool:
    """An order create."""
    return method == "POST" and path.startswith("/v5/order/create")


def lookups(method: str, path: str, body: bytes) -> bool:
    """An order look-up (open/recent orders or history)."""
    return method == "GET" and path.startswith(("/v5/order/realtime", "/v5/order/history"))
