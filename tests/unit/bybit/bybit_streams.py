"""A local V5 stream server (websockets) for the client's stream tests."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from bybit_fakes import CREDS
from websockets.asyncio.server import Server, ServerConnection, serve

from traderagent.exchanges.bybit.signing import hmac_hex


class StreamServer:
    """Answers auth (checking the signature), subscribe and ping like Bybit; the test pushes
    topic messages with `push` and drops connections with `drop`."""

    def __init__(self, accept_auth: bool = True) -> None:
        self.accept_auth = accept_auth
        self.connections: list[ServerConnection] = []
        self.received: list[tuple[int, str, dict[str, Any]]] = []  # (connection, path, message)
        self.subscribed: asyncio.Queue[tuple[int, list[str]]] = asyncio.Queue()
        self.auth_results: list[bool] = []
        self._server: Server | None = None
        self.port = 0

    async def __aenter__(self) -> StreamServer:
        self._server = await serve(self._handle, "127.0.0.1", 0)
        self.port = next(iter(self._server.sockets)).getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        await self._server.wait_closed()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def messages(self, op: str) -> list[tuple[int, str, dict[str, Any]]]:
        return [r for r in self.received if r[2].get("op") == op]

    async def push(self, index: int, topic: str, data: Any, **extra: Any) -> None:
        await self.connections[index].send(json.dumps({"topic": topic, "data": data, **extra}))

    async def drop(self, index: int) -> None:
        await self.connections[index].close()

    async def _handle(self, ws: ServerConnection) -> None:
        index = len(self.connections)
        self.connections.append(ws)
        path = ws.request.path if ws.request is not None else ""
        async for raw in ws:
            message = json.loads(raw)
            self.received.append((index, path, message))
            op = message.get("op")
            if op == "auth":
                key, expires, signature = message["args"]
                ok = (
                    self.accept_auth
                    and key == CREDS.api_key
                    and signature == hmac_hex(CREDS.api_secret, f"GET/realtime{expires}")
                )
                self.auth_results.append(ok)
                reply = {"success": ok, "ret_msg": "" if ok else "Params Error", "op": "auth"}
                await ws.send(json.dumps({**reply, "conn_id": f"c{index}"}))
            elif op == "subscribe":
                await ws.send(json.dumps({"success": True, "ret_msg": "", "op": "subscribe"}))
                await self.subscribed.put((index, list(message["args"])))
            elif op == "ping":
                pong = {"req_id": message.get("req_id", ""), "op": "pong", "args": ["1"]}
                await ws.send(json.dumps({**pong, "conn_id": f"c{index}"}))


async def eventually(condition: Callable[[], bool], within_s: float = 5.0) -> None:
    """Poll `condition()` until it holds; fail the test after `within_s` seconds."""
    for _ in range(int(within_s / 0.01)):
        if condition():
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"condition still false after {within_s} s")
