"""The emulator served on a free local port, spoken to with plain httpx and websockets."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from typing import Any

import httpx
import websockets

from traderagent.exchanges.emulator import running_emulator
from traderagent.marketdata import load_bundled

CANDLES = load_bundled().head(600)


def now_ms() -> int:
    return time.time_ns() // 1_000_000


def signed_headers(key: str, secret: str, payload: str) -> dict[str, str]:
    ts = str(now_ms())
    sign = hmac.new(secret.encode(), f"{ts}{key}5000{payload}".encode(), hashlib.sha256).hexdigest()
    return {
        "X-BAPI-API-KEY": key,
        "X-BAPI-TIMESTAMP": ts,
        "X-BAPI-RECV-WINDOW": "5000",
        "X-BAPI-SIGN": sign,
        "Content-Type": "application/json",
    }


async def send(ws: Any, message: dict[str, Any]) -> dict[str, Any]:
    await ws.send(json.dumps(message))
    reply: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), 5))
    return reply


async def recv(ws: Any) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(await asyncio.wait_for(ws.recv(), 5))
    return message


async def test_private_auth_subscribe_and_pushes_after_a_rest_create() -> None:
    async with (
        running_emulator(CANDLES, warmup=30) as emu,
        websockets.connect(emu.private_ws_url) as ws,
    ):
        refused = await send(ws, {"op": "subscribe", "args": ["order"]})
        assert (refused["success"], refused["ret_msg"]) == (False, "Request not authorized")
        expires = now_ms() + 10_000
        bad = hmac.new(b"wrong", f"GET/realtime{expires}".encode(), hashlib.sha256).hexdigest()
        assert (await send(ws, {"op": "auth", "args": [emu.api_key, expires, bad]}))[
            "success"
        ] is False
        good = hmac.new(
            emu.api_secret.encode(), f"GET/realtime{expires}".encode(), hashlib.sha256
        ).hexdigest()
        auth = await send(
            ws, {"req_id": "10001", "op": "auth", "args": [emu.api_key, expires, good]}
        )
        assert (auth["success"], auth["op"], auth["ret_msg"]) == (True, "auth", "")
        subscribed = await send(ws, {"op": "subscribe", "args": ["order", "execution", "wallet"]})
        assert subscribed["success"] is True
        pong = await send(ws, {"req_id": "p1", "op": "ping"})
        assert (pong["op"], pong["req_id"]) == ("pong", "p1") and pong["args"][0].isdigit()
        body = json.dumps(
            {
                "category": "spot",
                "symbol": "BTCUSDT",
                "side": "Buy",
                "orderType": "Market",
                "qty": "100",
                "orderLinkId": "bot-1-0001",
            }
        )
        async with httpx.AsyncClient(base_url=emu.rest_url) as http:
            headers = signed_headers(emu.api_key, emu.api_secret, body)
            answer = (await http.post("/v5/order/create", content=body, headers=headers)).json()
        assert answer["retCode"] == 0
        order, execution, wallet = [await recv(ws) for _ in range(3)]
    assert [m["topic"] for m in (order, execution, wallet)] == ["order", "execution", "wallet"]
    assert order["data"][0]["orderStatus"] == "Filled"
    assert execution["data"][0]["orderLinkId"] == "bot-1-0001"
    coins = {c["coin"] for c in wallet["data"][0]["coin"]}
    assert coins == {"USDT", "BTC"}
    assert [(e.order_link_id, e.exec_qty) for e in emu.executions()] == [
        ("bot-1-0001", emu.orders()[0].qty)
    ]


async def test_public_linear_tickers_kline_and_orderbook() -> None:
    async with (
        running_emulator(CANDLES, warmup=3, spread_bps=10) as emu,
        websockets.connect(emu.public_ws_url("linear")) as ws,
    ):
        pong = await send(ws, {"op": "ping"})
        assert (pong["success"], pong["ret_msg"], pong["op"], pong["req_id"]) == (
            True,
            "pong",
            "ping",
            "",
        )
        ack = await send(
            ws,
            {
                "op": "subscribe",
                "args": ["tickers.BTCUSDT", "kline.5.BTCUSDT", "orderbook.1.BTCUSDT"],
            },
        )
        assert (ack["success"], ack["ret_msg"]) == (True, "")
        first = {m["topic"]: m for m in [await recv(ws) for _ in range(3)]}
        assert first["tickers.BTCUSDT"]["type"] == "snapshot"
        assert "bid1Price" in first["tickers.BTCUSDT"]["data"]
        book = first["orderbook.1.BTCUSDT"]["data"]
        bid, ask = float(book["b"][0][0]), float(book["a"][0][0])
        last = float(first["tickers.BTCUSDT"]["data"]["lastPrice"])
        assert bid < last < ask and (ask - bid) / last >= 0.0009
        klines: list[dict[str, Any]] = []
        for _ in range(4):
            await emu.step(1)
            klines += [
                m for m in [await recv(ws) for _ in range(3)] if m["topic"].startswith("kline")
            ]
        bad = await send(ws, {"op": "subscribe", "args": ["kline.7.BTCUSDT"]})
        assert bad["success"] is False and "kline.7.BTCUSDT" in bad["ret_msg"]
    bars = [k["data"][0] for k in klines]
    # warmup 3 + 4 steps: minutes 3..6 of the first 5-minute bucket close at minute 5
    assert [b["confirm"] for b in bars] == [False, True, False, False]
    assert (
        bars[1]["start"] == int(CANDLES.ts[0]) and bars[1]["end"] == bars[1]["start"] + 300_000 - 1
    )
    assert bars[2]["start"] == bars[1]["start"] + 300_000
    assert isinstance(bars[0]["start"], int) and isinstance(bars[0]["open"], str)


async def test_linear_ticker_snapshot_then_deltas_and_spot_without_quotes() -> None:
    async with (
        running_emulator(CANDLES, warmup=5) as emu,
        websockets.connect(emu.public_ws_url("linear")) as linear,
        websockets.connect(emu.public_ws_url("spot")) as spot,
    ):
        await send(linear, {"op": "subscribe", "args": ["tickers.BTCUSDT"]})
        spot_ack = await send(spot, {"req_id": "x", "op": "subscribe", "args": ["tickers.BTCUSDT"]})
        assert (spot_ack["ret_msg"], spot_ack["req_id"]) == ("subscribe", "x")
        snapshot, spot_first = await recv(linear), await recv(spot)
        await emu.step(1)
        delta, spot_next = await recv(linear), await recv(spot)
    assert (snapshot["type"], delta["type"]) == ("snapshot", "delta")
    assert delta["data"]["symbol"] == "BTCUSDT"
    assert set(delta["data"]) < set(snapshot["data"])  # only what changed
    assert float(delta["data"]["lastPrice"]) == float(CANDLES.close[5])
    assert spot_first["type"] == spot_next["type"] == "snapshot"
    assert "bid1Price" not in spot_next["data"] and "lastPrice" in spot_next["data"]


async def test_a_speed_replays_on_its_own() -> None:
    async with running_emulator(CANDLES, speed=6000) as emu:  # 100 one-minute candles a second
        start = emu.now_ms()
        await asyncio.sleep(0.5)
        moved = (emu.now_ms() - start) // 60_000
    assert 20 <= moved <= 80
