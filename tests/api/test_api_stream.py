"""WebSocket `/api/v1/stream`: events in bus order, filters, and a slow client dropped."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest
from api_kit import AUTH, SHORT, TOKEN, paper_engine, served
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosedError, InvalidStatus

from traderagent.api.stream import SLOW_CLIENT
from traderagent.api.wire import decode_event
from traderagent.domain import BotState
from traderagent.domain.events import BotStateChanged, Event, LogRecord, OrderFilled


def stream_url(url: str, query: str = "") -> str:
    return url.replace("http://", "ws://") + "/api/v1/stream" + query


async def test_a_client_gets_fills_and_bot_states_in_the_order_the_bus_published_them(
    tmp_path: Path,
) -> None:
    engine = await paper_engine(tmp_path, SHORT)
    published: list[Event] = []
    engine.bus.subscribe(OrderFilled, published.append)
    engine.bus.subscribe(BotStateChanged, published.append)
    async with served(engine) as url:
        query = f"?token={TOKEN}&kinds=OrderFilled,BotStateChanged"
        async with connect(stream_url(url, query)) as ws:
            await engine.run()
            received = [decode_event(await asyncio.wait_for(ws.recv(), 10)) for _ in published]
    fills = [e for e in received if isinstance(e, OrderFilled)]
    states = [e for e in received if isinstance(e, BotStateChanged)]
    assert len(fills) >= 3
    assert [(s.old, s.new) for s in states] == [
        (BotState.STOPPED, BotState.STARTING),
        (BotState.STARTING, BotState.RUNNING),
        (BotState.RUNNING, BotState.FINISHED),  # the replay ended
    ]
    assert received == published  # the same events, equal field for field, in the same order
    assert [f.fill.ts for f in fills] == sorted(f.fill.ts for f in fills)
    await engine.close()


async def test_a_client_a_whole_buffer_behind_is_dropped_and_the_engine_never_waits(
    tmp_path: Path,
) -> None:
    engine = await paper_engine(tmp_path)
    async with served(engine, stream_buffer=10) as url:
        async with connect(stream_url(url, f"?token={TOKEN}")) as ws:
            started = time.perf_counter()
            for n in range(50):  # one burst, before the server's sender can run
                engine.bus.publish(LogRecord(n, "INFO", f"burst {n}"))
            assert time.perf_counter() - started < 0.5  # publishing never waited for it
            with pytest.raises(ConnectionClosedError) as closed:
                while True:
                    await asyncio.wait_for(ws.recv(), 10)
        assert closed.value.rcvd is not None
        assert closed.value.rcvd.code == SLOW_CLIENT
        assert closed.value.rcvd.reason == "too slow: fell more than 10 events behind; reconnect"
        async with httpx.AsyncClient(base_url=url, headers=AUTH) as client:
            metrics = (await client.get("/metrics")).text
        assert "traderagent_stream_clients_dropped_total 1.0" in metrics
        assert "traderagent_stream_clients 0.0" in metrics
    await engine.close()


async def test_a_client_that_keeps_up_gets_every_event_of_a_burst(tmp_path: Path) -> None:
    engine = await paper_engine(tmp_path)
    async with (
        served(engine, stream_buffer=100) as url,
        connect(stream_url(url, f"?token={TOKEN}&kinds=LogRecord")) as ws,
    ):
        for n in range(80):
            engine.bus.publish(LogRecord(n, "INFO", f"line {n}"))
        lines = [decode_event(await asyncio.wait_for(ws.recv(), 10)) for _ in range(80)]
    assert [e.message for e in lines if isinstance(e, LogRecord)] == [
        f"line {n}" for n in range(80)
    ]
    await engine.close()


async def test_an_unknown_event_kind_is_refused(tmp_path: Path) -> None:
    engine = await paper_engine(tmp_path)
    async with served(engine) as url:
        with pytest.raises(InvalidStatus):
            async with connect(stream_url(url, f"?token={TOKEN}&kinds=OrderFilled,Gossip")):
                pass
    await engine.close()
