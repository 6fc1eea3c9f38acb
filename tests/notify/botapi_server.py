"""A local Telegram Bot API server for the tests: real HTTP on 127.0.0.1, the Bot API's JSON.

`POST /bot<TOKEN>/<method>` with a JSON body (or GET with a query), answering
`{"ok": true, "result": ...}` or `{"ok": false, "error_code": ..., "description": ...}` as
api.telegram.org does: getMe, getUpdates (long polling with `offset` and `timeout`, confirming
updates below the offset), sendMessage (returns the sent Message). A wrong token gets 401.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
BOT_ID = 123456789
USERNAME = "traderagent_test_bot"


def error(code: int, description: str, **parameters: Any) -> JSONResponse:
    body: dict[str, Any] = {"ok": False, "error_code": code, "description": description}
    if parameters:
        body["parameters"] = parameters
    return JSONResponse(body, status_code=code)


@dataclass
class FakeBotApi:
    """The server's state: updates waiting for getUpdates, messages sent, injected failures."""

    token: str = TOKEN
    updates: list[dict[str, Any]] = field(default_factory=list)
    sent: list[dict[str, Any]] = field(default_factory=list)
    calls: list[tuple[float, str, int]] = field(default_factory=list)
    """(monotonic time, method, HTTP status) of every request."""
    send_429: list[int] = field(default_factory=list)
    """retry_after values: each answers one sendMessage with 429."""
    poll_errors: list[int] = field(default_factory=list)
    """HTTP statuses: each answers one getUpdates with that error."""
    unknown_chats: set[int] = field(default_factory=set)
    url: str = ""
    _next_update: int = 1000
    _next_message: int = 1
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)
    stopping: asyncio.Event = field(default_factory=asyncio.Event)

    def say(
        self, chat_id: int, text: str, *, age_s: float = 0.0, chat_type: str = "private"
    ) -> int:
        """A user in `chat_id` sends `text`; returns its update_id."""
        update_id, self._next_update = self._next_update, self._next_update + 1
        message_id, self._next_message = self._next_message, self._next_message + 1
        self.updates.append(
            {
                "update_id": update_id,
                "message": {
                    "message_id": message_id,
                    "from": {"id": chat_id, "is_bot": False, "first_name": "Op"},
                    "chat": {"id": chat_id, "type": chat_type, "first_name": "Op"},
                    "date": int(time.time() - age_s),
                    "text": text,
                },
            }
        )
        self._arrived.set()
        return update_id

    def texts(self, chat_id: int) -> list[str]:
        return [m["text"] for m in self.sent if m["chat"]["id"] == chat_id]

    def count(self, method: str, status: int | None = None) -> int:
        return sum(1 for _, m, s in self.calls if m == method and status in (None, s))

    async def wait_for(self, condition: Callable[[], object], within_s: float = 5.0) -> None:
        """Wait until `condition()` is true (polling), failing the test after `within_s`."""
        deadline = time.monotonic() + within_s
        while not condition():
            if time.monotonic() > deadline:
                raise AssertionError(f"condition not met in {within_s}s; sent: {self.sent}")
            await asyncio.sleep(0.01)

    # -- the Bot API ------------------------------------------------------------------------

    async def endpoint(self, request: Request) -> JSONResponse:
        method = request.path_params["method"]
        response = await self._answer(request, method)
        self.calls.append((time.monotonic(), method, response.status_code))
        return response

    async def _answer(self, request: Request, method: str) -> JSONResponse:
        if request.path_params["token"] != self.token:
            return error(401, "Unauthorized")
        params: dict[str, Any] = dict(request.query_params)
        if request.method == "POST" and await request.body():
            params.update(await request.json())
        if method == "getMe":
            return ok(
                {"id": BOT_ID, "is_bot": True, "first_name": "TraderAgent", "username": USERNAME}
            )
        if method == "getUpdates":
            return await self._get_updates(params)
        if method == "sendMessage":
            return self._send_message(params)
        return error(404, "Not Found")

    async def _get_updates(self, params: dict[str, Any]) -> JSONResponse:
        if self.poll_errors:
            status = self.poll_errors.pop(0)
            return error(status, "Bad Gateway" if status == 502 else "Conflict")
        offset = int(params.get("offset", 0))
        self.updates = [u for u in self.updates if u["update_id"] >= offset]  # confirmed
        if not self.updates:
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(float(params.get("timeout", 0))):
                    waits = [
                        asyncio.ensure_future(e.wait()) for e in (self._arrived, self.stopping)
                    ]
                    try:
                        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
                    finally:
                        for wait in waits:
                            wait.cancel()
        return ok(self.updates[:100])

    def _send_message(self, params: dict[str, Any]) -> JSONResponse:
        if self.send_429:
            wait = self.send_429.pop(0)
            return error(429, f"Too Many Requests: retry after {wait}", retry_after=wait)
        chat_id, text = int(params["chat_id"]), str(params.get("text", ""))
        if chat_id in self.unknown_chats:
            return error(400, "Bad Request: chat not found")
        if not text.strip():
            return error(400, "Bad Request: message text is empty")
        if len(text) > 4096:
            return error(400, "Bad Request: message is too long")
        message = {
            "message_id": self._next_message,
            "from": {
                "id": BOT_ID,
                "is_bot": True,
                "first_name": "TraderAgent",
                "username": USERNAME,
            },
            "chat": {"id": chat_id, "type": "private", "first_name": "Op"},
            "date": int(time.time()),
            "text": text,
        }
        self._next_message += 1
        self.sent.append(message)
        return ok(message)


def ok(result: object) -> JSONResponse:
    return JSONResponse({"ok": True, "result": result})


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Any:  # the test's loop owns the signals
        yield


@asynccontextmanager
async def running_bot_api(token: str = TOKEN) -> AsyncIterator[FakeBotApi]:
    """Serve a FakeBotApi on a free port of 127.0.0.1 for the duration of the block."""
    api = FakeBotApi(token=token)
    app = Starlette(routes=[Route("/bot{token}/{method}", api.endpoint, methods=["GET", "POST"])])
    sock = socket.socket(socket.AF_INET)
    sock.bind(("127.0.0.1", 0))
    config = uvicorn.Config(
        app, log_level="warning", access_log=False, lifespan="off", timeout_graceful_shutdown=1
    )
    server = _Server(config)
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if serving.done():
                await serving
                raise OSError("the fake Bot API did not start")
            await asyncio.sleep(0.01)
        api.url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        yield api
    finally:
        api.stopping.set()
        server.should_exit = True
        await serving
        sock.close()
