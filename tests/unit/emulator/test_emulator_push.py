"""Ack, then push: create and cancel answer with ids only; state changes follow on the stream."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx
from emulator_http import SignedClient, bundled_head, next_topics, open_private

from traderagent.exchanges.emulator import running_emulator
from traderagent.exchanges.emulator.streams import PrivateFeed


class Recorder:
    def __init__(self) -> None:
        self.topics: set[str] = {"order"}
        self.sent: list[dict[str, object]] = []

    def send(self, message: dict[str, object], *, push: bool = False) -> None:
        self.sent.append(message)


def test_the_private_feed_holds_pushes_until_released_and_keeps_their_order() -> None:
    feed = PrivateFeed(lambda: 42)
    recorder = Recorder()
    feed.connections.add(recorder)  # type: ignore[arg-type]
    feed.hold()
    feed.publish("order", "spot", [{"n": 1}])
    feed.publish("wallet", "", [{"n": 2}])  # not subscribed
    feed.publish("order", "linear", [{"n": 3}])
    assert recorder.sent == []
    feed.release()
    assert [m["data"] for m in recorder.sent] == [[{"n": 1}], [{"n": 3}]]
    assert all(m["topic"] == "order" and m["creationTime"] == 42 for m in recorder.sent)
    assert all("type" not in m for m in recorder.sent)  # private pushes carry no type


async def test_linear_market_order_ack_then_order_execution_position_wallet() -> None:
    async with running_emulator(bundled_head(100), warmup=10) as emu:
        ws = await open_private(
            emu.private_ws_url,
            emu.api_key,
            emu.api_secret,
            ["order", "execution", "position", "wallet"],
        )
        async with httpx.AsyncClient(base_url=emu.rest_url) as http:
            client = SignedClient(
                http, emu.api_key, emu.api_secret, lambda: time.time_ns() // 1_000_000
            )
            loop = asyncio.get_running_loop()
            pushes = asyncio.create_task(next_topics(ws, 4))
            answer = await client.create(
                category="linear",
                symbol="BTCUSDT",
                side="Buy",
                orderType="Market",
                qty="0.01",
                orderLinkId="mkt-1",
            )
            acked = loop.time()
            messages = await pushes
            first_push = loop.time()
        await ws.close()
    assert answer["retCode"] == 0
    assert set(answer["result"]) == {"orderId", "orderLinkId"}
    assert answer["result"]["orderLinkId"] == "mkt-1"
    assert acked <= first_push
    assert [m["topic"] for m in messages] == ["order", "execution", "position", "wallet"]
    order, execution, position = (m["data"][0] for m in messages[:3])
    assert (order["orderStatus"], order["orderLinkId"], order["category"]) == (
        "Filled",
        "mkt-1",
        "linear",
    )
    assert execution["orderId"] == answer["result"]["orderId"] and execution["execQty"] == "0.01"
    assert (position["side"], position["size"]) == ("Buy", "0.01") and "entryPrice" in position
    assert messages[3]["data"][0]["accountType"] == "UNIFIED"
    assert emu.now_ms() == messages[0]["creationTime"]  # market time, not the wall clock


async def test_resting_spot_limit_new_on_create_then_filled_on_a_later_candle() -> None:
    async with running_emulator(bundled_head(400), warmup=1) as emu:
        ws = await open_private(
            emu.private_ws_url,
            emu.api_key,
            emu.api_secret,
            ["order.spot", "execution.spot", "wallet"],
        )
        async with httpx.AsyncClient(base_url=emu.rest_url) as http:
            client = SignedClient(
                http, emu.api_key, emu.api_secret, lambda: time.time_ns() // 1_000_000
            )
            low = float(bundled_head(400).low[1:].min())
            price = f"{low + 5:.2f}"  # the dip later in the data goes through it
            answer = await client.create(
                category="spot",
                symbol="BTCUSDT",
                side="Buy",
                orderType="Limit",
                qty="0.001",
                price=price,
                orderLinkId="dip-1",
            )
            assert answer["retCode"] == 0
            created: list[dict[str, Any]] = await next_topics(ws, 2)
            assert [m["topic"] for m in created] == ["order.spot", "wallet"]
            assert created[0]["data"][0]["orderStatus"] == "New"
            assert await emu.step(399) == 399
            filled = await next_topics(ws, 3)
        await ws.close()
    assert [m["topic"] for m in filled] == ["order.spot", "execution.spot", "wallet"]
    assert filled[0]["data"][0]["orderStatus"] == "Filled"
    execution = filled[1]["data"][0]
    assert (execution["execPrice"], execution["isMaker"]) == (price, True)
    (record,) = emu.orders()
    assert (record.order_link_id, record.status) == ("dip-1", "Filled")
    assert [e.order_link_id for e in emu.executions()] == ["dip-1"]
