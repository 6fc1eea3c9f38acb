"""Faults on the wire: what a client sees for each kind, and what the venue holds meanwhile."""

from __future__ import annotations

import asyncio
import json
import time

import httpx
import pytest
import websockets
from emulator_http import SignedClient, bundled_head, next_topics, open_private

from traderagent.exchanges.emulator import build_app, running_emulator

ORDER = {
    "category": "spot",
    "symbol": "BTCUSDT",
    "side": "Buy",
    "orderType": "Limit",
    "qty": "0.001",
    "price": "20000",
    "orderLinkId": "f-1",
}


def wall() -> int:
    return time.time_ns() // 1_000_000


async def test_http5xx_answers_a_bare_server_error_and_places_nothing() -> None:
    async with running_emulator(bundled_head(20), faults="http5xx=1") as emu:
        async with httpx.AsyncClient(base_url=emu.rest_url) as http:
            response = await SignedClient(http, emu.api_key, emu.api_secret, wall).post(
                "/v5/order/create", ORDER
            )
        assert response.status_code in (500, 502, 503)
        assert response.headers["content-type"].startswith("text/html")
        assert emu.orders() == []
        assert [f.kind for f in emu.faults_injected()] == ["http5xx"]


async def test_timeout_holds_past_the_client_timeout_and_places_nothing() -> None:
    started = time.monotonic()
    async with running_emulator(bundled_head(20), faults="timeout=1,hold=20s") as emu:
        async with httpx.AsyncClient(base_url=emu.rest_url, timeout=0.3) as http:
            with pytest.raises(httpx.ReadTimeout):
                await SignedClient(http, emu.api_key, emu.api_secret, wall).post(
                    "/v5/order/create", ORDER
                )
        assert emu.orders() == []
    assert time.monotonic() - started < 10  # shutting down cuts the hold short


async def test_lost_response_the_order_exists_and_is_pushed_but_the_answer_never_comes() -> None:
    async with running_emulator(bundled_head(20), faults="lost_response=1,hold=20s") as emu:
        ws = await open_private(emu.private_ws_url, emu.api_key, emu.api_secret, ["order"])
        async with httpx.AsyncClient(base_url=emu.rest_url, timeout=0.5) as http:
            client = SignedClient(http, emu.api_key, emu.api_secret, wall)
            with pytest.raises(httpx.ReadTimeout):
                await client.post("/v5/order/create", ORDER)
            (push,) = await next_topics(ws, 1)
            assert push["data"][0]["orderLinkId"] == "f-1"
            # the idempotent recovery: look the order up by its link id (a GET is not lost)
            found = await client.call(
                "GET", "/v5/order/realtime", {"category": "spot", "orderLinkId": "f-1"}
            )
        await ws.close()
        assert [o["orderLinkId"] for o in found["result"]["list"]] == ["f-1"]
        assert [(o.order_link_id, o.status) for o in emu.orders()] == [("f-1", "New")]
        assert [f.kind for f in emu.faults_injected()] == ["lost_response"]


async def test_ratelimit_fault_answers_10006_on_private_endpoints_only() -> None:
    async with (
        running_emulator(bundled_head(20), faults="ratelimit=1") as emu,
        httpx.AsyncClient(base_url=emu.rest_url) as http,
    ):
        client = SignedClient(http, emu.api_key, emu.api_secret, wall)
        private = await client.get("/v5/account/wallet-balance", "accountType=UNIFIED")
        public = await http.get("/v5/market/time")
    assert private.json()["retCode"] == 10006
    assert private.headers["X-Bapi-Limit-Status"] == "0"
    assert public.json()["retCode"] == 0


async def test_latency_delays_every_answer() -> None:
    async with (
        running_emulator(bundled_head(20), faults="latency=150ms") as emu,
        httpx.AsyncClient(base_url=emu.rest_url) as http,
    ):
        started = time.monotonic()
        response = await http.get("/v5/market/time")
        elapsed = time.monotonic() - started
    assert response.json()["retCode"] == 0
    assert elapsed >= 0.15


async def test_ws_drop_closes_the_connection_instead_of_a_push() -> None:
    async with running_emulator(bundled_head(20), faults="ws_drop=1") as emu:
        ws = await open_private(emu.private_ws_url, emu.api_key, emu.api_secret, ["order"])
        async with httpx.AsyncClient(base_url=emu.rest_url) as http:
            answer = await SignedClient(http, emu.api_key, emu.api_secret, wall).create(**ORDER)
        assert answer["retCode"] == 0
        with pytest.raises(websockets.ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 5)
        assert [f.kind for f in emu.faults_injected()] == ["ws_drop"]
        assert [o.order_link_id for o in emu.orders()] == ["f-1"]  # the venue kept the order


async def test_a_client_gone_before_its_body_arrived_places_nothing_and_raises_nothing(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A bot SIGKILLed mid-request: the body never arrives (`http.disconnect`); the emulator
    logs it and moves on (no traceback), and no order exists."""
    async with running_emulator(bundled_head(20)) as emu:
        app = build_app(emu.core)
        raw = json.dumps(ORDER).encode()
        signed = SignedClient(httpx.AsyncClient(), emu.api_key, emu.api_secret, wall)
        headers = {**signed.headers(raw.decode()), "content-type": "application/json"}
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
            "method": "POST", "scheme": "http", "path": "/v5/order/create", "raw_path": b"",
            "query_string": b"", "root_path": "", "client": ("127.0.0.1", 1),
            "server": ("127.0.0.1", 80),
            "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        }  # fmt: skip
        sent: list[dict[str, object]] = []

        async def receive() -> dict[str, object]:
            return {"type": "http.disconnect"}

        async def send(message: dict[str, object]) -> None:
            sent.append(message)

        with caplog.at_level("INFO"):
            await app(scope, receive, send)
        assert sent[0]["status"] == 499
        assert "left before its request arrived" in caplog.text
        assert emu.orders() == []
