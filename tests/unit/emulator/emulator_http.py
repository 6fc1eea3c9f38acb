"""A plain signed Bybit V5 HTTP client for the emulator's tests, built from the protocol doc.

Signs `timestamp + api_key + recv_window + payload` with HMAC-SHA256 (hex), where the payload
is the query string as sent (GET) or the body as sent (POST). It talks to an in-process ASGI
app (no socket) or to a URL.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

import httpx

from traderagent.exchanges.emulator import EmulatorCore, build_app
from traderagent.marketdata import CandleSeries, load_bundled

_BUNDLED: list[CandleSeries] = []


def bundled_head(n: int) -> CandleSeries:
    """The first n bundled BTCUSDT candles (loaded once per test session)."""
    if not _BUNDLED:
        _BUNDLED.append(load_bundled())
    return _BUNDLED[0].head(n)


def hmac_hex(secret: str, message: str) -> str:
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


class FixedClock:
    """A wall clock tests move by hand."""

    def __init__(self, now_ms: int = 1_700_000_000_000) -> None:
        self.now = now_ms

    def __call__(self) -> int:
        return self.now


class SignedClient:
    """Signed requests with the emulator's key pair and the (test) wall clock."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        api_key: str,
        api_secret: str,
        wall_ms: Callable[[], int],
        recv_window: str = "5000",
    ) -> None:
        self.http = http
        self.api_key = api_key
        self.api_secret = api_secret
        self.wall_ms = wall_ms
        self.recv_window = recv_window

    def headers(self, payload: str, ts: int | None = None) -> dict[str, str]:
        stamp = str(self.wall_ms() if ts is None else ts)
        signature = hmac_hex(self.api_secret, stamp + self.api_key + self.recv_window + payload)
        return {
            "X-BAPI-API-KEY": self.api_key,
            "X-BAPI-TIMESTAMP": stamp,
            "X-BAPI-RECV-WINDOW": self.recv_window,
            "X-BAPI-SIGN": signature,
            "X-BAPI-SIGN-TYPE": "2",
        }

    async def get(self, path: str, query: str = "") -> httpx.Response:
        url = f"{path}?{query}" if query else path
        return await self.http.get(url, headers=self.headers(query))

    async def post(self, path: str, body: dict[str, Any]) -> httpx.Response:
        raw = json.dumps(body)
        headers = {**self.headers(raw), "Content-Type": "application/json"}
        return await self.http.post(path, content=raw, headers=headers)

    async def call(self, method: str, path: str, params: dict[str, Any]) -> dict[str, Any]:
        """The JSON envelope of a signed GET (params as query) or POST (params as body)."""
        if method == "GET":
            query = "&".join(f"{k}={v}" for k, v in params.items())
            response = await self.get(path, query)
        else:
            response = await self.post(path, params)
        assert response.status_code == 200, response.text
        envelope: dict[str, Any] = response.json()
        return envelope

    async def create(self, **body: Any) -> dict[str, Any]:
        return await self.call("POST", "/v5/order/create", body)


def in_process(core: EmulatorCore) -> SignedClient:
    """A signed client wired straight to `core`'s ASGI app (no server, no socket)."""
    transport = httpx.ASGITransport(app=build_app(core))
    http = httpx.AsyncClient(transport=transport, base_url="http://emulator")
    creds = core.credentials
    return SignedClient(http, creds.api_key, creds.api_secret, core.wall_ms)


async def open_private(url: str, api_key: str, api_secret: str, topics: list[str]) -> Any:
    """A private WS connection, authenticated and subscribed (both acks checked)."""
    import time

    import websockets

    ws = await websockets.connect(url)
    expires = time.time_ns() // 1_000_000 + 10_000
    signature = hmac_hex(api_secret, f"GET/realtime{expires}")
    await ws.send(json.dumps({"req_id": "a", "op": "auth", "args": [api_key, expires, signature]}))
    auth = json.loads(await ws.recv())
    assert (auth["op"], auth["success"]) == ("auth", True), auth
    await ws.send(json.dumps({"req_id": "s", "op": "subscribe", "args": topics}))
    ack = json.loads(await ws.recv())
    assert (ack["op"], ack["success"]) == ("subscribe", True), ack
    return ws


async def next_topics(ws: Any, count: int) -> list[dict[str, Any]]:
    """The next `count` messages of a connection, decoded (5 s each at most)."""
    import asyncio

    return [json.loads(await asyncio.wait_for(ws.recv(), 5)) for _ in range(count)]
