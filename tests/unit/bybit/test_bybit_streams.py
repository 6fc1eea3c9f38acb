"""Streams against a local websockets server: auth, re-auth, re-subscribe, REST gap-fill with
deduplication after a reconnect, closed candles exactly once, ping, refused auth."""

from __future__ import annotations

import asyncio
import json
import logging
from decimal import Decimal
from typing import Any

import pytest
from bybit_fakes import CREDS, FakeClock, kline_host
from bybit_streams import StreamServer, eventually
from bybit_venue import FakeVenue
from websockets.asyncio.server import ServerConnection, serve

from traderagent.domain import (
    Candle,
    Fill,
    FundingFee,
    Liquidity,
    Order,
    OrderRequest,
    OrderStatus,
    OrderType,
    Side,
)
from traderagent.exchanges.bybit import BybitConfig, BybitExchange, Health
from traderagent.exchanges.bybit.sequencer import UpdateSequencer
from traderagent.exchanges.bybit.status import StatusBoard
from traderagent.exchanges.bybit.streams import PrivateFeed
from traderagent.exchanges.bybit.ws import StreamConnection
from traderagent.exchanges.ports import ExchangeUpdate

MIN = 60_000
BASE = 1_699_999_980_000  # a minute boundary


def exchange_for(server: StreamServer, venue: FakeVenue, clock: FakeClock) -> BybitExchange:
    config = BybitConfig(env="custom", url=server.url, credentials="t", reconnect_max_delay_s=0.05)
    return BybitExchange(
        config, CREDS, transport=venue.transport(), clock=clock, sleep=asyncio.sleep
    )


def execution(exec_id: str, qty: str, ts: int) -> dict[str, Any]:
    return {
        "category": "linear",
        "symbol": "BTCUSDT",
        "orderId": "oid-1",
        "orderLinkId": "grid-btc-1",
        "side": "Buy",
        "execId": exec_id,
        "execPrice": "25000.0",
        "execQty": qty,
        "execFee": "0.05",
        "feeCurrency": "",
        "execType": "Trade",
        "execTime": str(ts),
        "isMaker": True,
    }


async def test_reconnect_reauths_resubscribes_and_gap_fills_without_duplicates() -> None:
    venue, clock = FakeVenue(), FakeClock()
    async with StreamServer() as server:
        exchange = exchange_for(server, venue, clock)
        updates: list[ExchangeUpdate] = []
        exchange.set_listener(updates.append)
        await exchange.connect()
        assert await server.subscribed.get() == (0, ["order", "execution", "position", "wallet"])
        request = OrderRequest(
            "grid-btc-1",
            "BTCUSDT",
            Side.BUY,
            OrderType.LIMIT,
            Decimal("0.010"),
            Decimal("25000.0"),
            bot="grid-btc",
            tag="b1",
        )
        ack = await exchange.place_order(request)
        assert ack.status is OrderStatus.NEW
        order = venue.orders["grid-btc-1"]
        await server.push(0, "order", [dict(order)])  # the stream's New: the ack, not news
        await server.push(0, "execution", [execution("e1", "0.004", BASE + 1_000)])
        order.update(
            orderStatus="PartiallyFilled",
            cumExecQty="0.004",
            avgPrice="25000.0",
            updatedTime=str(BASE + 1_000),
        )
        await server.push(0, "order", [dict(order)])
        await eventually(lambda: len(updates) == 2)

        # while the stream is down the order fills completely; the stream misses e2
        order.update(orderStatus="Filled", cumExecQty="0.010", updatedTime=str(BASE + 2_000))
        executions = [
            execution("e2", "0.006", BASE + 2_000),
            execution("e1", "0.004", BASE + 1_000),
        ]
        venue.routes[("GET", "/v5/execution/list")] = lambda call: {
            "category": "linear",
            "list": executions,
            "nextPageCursor": "",
        }
        await server.drop(0)
        assert await server.subscribed.get() == (1, ["order", "execution", "position", "wallet"])
        await eventually(lambda: len(updates) == 4)

        # the new stream replays what the gap-fill delivered: nothing reaches the engine twice
        await server.push(1, "execution", [execution("e2", "0.006", BASE + 2_000)])
        await server.push(1, "order", [dict(order)])
        await server.push(1, "wallet", [{"coin": [{"coin": "USDT", "walletBalance": "99"}]}])
        await eventually(lambda: "USDT" in exchange.account.wallet)
        await exchange.close()

    assert server.auth_results == [True, True]  # authenticated again, with a new signature
    auths = server.messages("auth")
    assert [index for index, _, _ in auths] == [0, 1]
    assert {path for _, path, _ in auths} == {"/v5/private"}
    kinds = [(type(u).__name__, getattr(u, "fill_id", getattr(u, "status", None))) for u in updates]
    assert kinds == [
        ("Fill", "e1"),
        ("Order", OrderStatus.PARTIALLY_FILLED),
        ("Fill", "e2"),
        ("Order", OrderStatus.FILLED),
    ]
    fill = updates[2]
    assert isinstance(fill, Fill)
    assert (fill.qty, fill.fee, fill.fee_asset, fill.liquidity) == (
        Decimal("0.006"),
        Decimal("0.05"),
        "USDT",
        Liquidity.MAKER,
    )
    assert (fill.bot, fill.tag) == ("grid-btc", "b1")
    last = updates[3]
    assert isinstance(last, Order) and last.filled_qty == Decimal("0.010")
    assert exchange.account.gap_fills == 1


def kline(ts: int, close: str, confirm: bool) -> dict[str, Any]:
    return {
        "start": ts,
        "end": ts + MIN - 1,
        "interval": "1",
        "open": "1",
        "close": close,
        "high": "3",
        "low": "0.5",
        "volume": "2",
        "turnover": "4",
        "confirm": confirm,
        "timestamp": ts + 5,
    }


async def _take(stream: Any, n: int, into: list[Candle]) -> None:
    async for candle in stream:
        into.append(candle)
        if len(into) == n:
            return


async def test_candles_are_yielded_once_in_order_with_backfill_after_a_reconnect() -> None:
    venue, clock = FakeVenue(), FakeClock((BASE + 10 * MIN) / 1000)
    venue.server_ms = BASE + 3 * MIN + 1  # candles 0..2 are closed on the REST side
    kline_host(venue, BASE, 4)
    topic = "kline.1.BTCUSDT"
    async with StreamServer() as server:
        exchange = exchange_for(server, venue, clock)
        got: list[Candle] = []
        reader = asyncio.create_task(_take(exchange.candles("BTCUSDT"), 4, got))
        assert await server.subscribed.get() == (0, [topic])
        await server.push(0, topic, [kline(BASE, "1.5", False)], type="snapshot")
        await server.push(0, topic, [kline(BASE, "2", True)], type="snapshot")
        await server.push(0, topic, [kline(BASE, "2", True)], type="snapshot")  # repeated
        await eventually(lambda: len(got) == 1)
        await server.drop(0)  # candles 1 and 2 close while the stream is away
        assert await server.subscribed.get() == (1, [topic])
        await eventually(lambda: len(got) == 3)
        await server.push(1, topic, [kline(BASE + 2 * MIN, "2", True)], type="snapshot")
        await server.push(1, topic, [kline(BASE + 3 * MIN, "9", True)], type="snapshot")
        await asyncio.wait_for(reader, 5)
        await exchange.close()
    assert [c.ts for c in got] == [BASE + k * MIN for k in range(4)]
    assert got[0].close == 2.0 and got[3].close == 9.0
    backfill = [c for c in venue.calls if c.path == "/v5/market/kline"]
    assert [int(c.params["start"]) for c in backfill] == [BASE + MIN]


async def test_a_skipped_candle_is_backfilled_before_the_next_one() -> None:
    venue, clock = FakeVenue(), FakeClock((BASE + 10 * MIN) / 1000)
    venue.server_ms = BASE + 3 * MIN + 1
    kline_host(venue, BASE, 4)
    topic = "kline.1.BTCUSDT"
    async with StreamServer() as server:
        exchange = exchange_for(server, venue, clock)
        got: list[Candle] = []
        reader = asyncio.create_task(_take(exchange.candles("BTCUSDT"), 3, got))
        await server.subscribed.get()
        await server.push(0, topic, [kline(BASE, "2", True)])
        await server.push(0, topic, [kline(BASE + 2 * MIN, "2", True)])  # candle 1 never came
        await asyncio.wait_for(reader, 5)
        await exchange.close()
    assert [c.ts for c in got] == [BASE, BASE + MIN, BASE + 2 * MIN]
    backfill = [c for c in venue.calls if c.path == "/v5/market/kline"]
    assert len(backfill) == 1
    assert (backfill[0].params["start"], backfill[0].params["end"]) == (
        str(BASE + MIN),
        str(BASE + MIN),
    )


async def test_pings_every_interval_and_reports_a_refused_auth() -> None:
    async with StreamServer(accept_auth=False) as refusing, StreamServer() as server:
        board = StatusBoard(lambda: 0)
        received: list[dict[str, Any]] = []

        async def on_message(message: dict[str, Any]) -> None:
            received.append(message)

        pinging = StreamConnection(
            f"ws://127.0.0.1:{server.port}/v5/public/linear",
            "public",
            on_message,
            status=board,
            now_ms=lambda: 0,
            ping_interval_s=0.05,
        )
        refused = StreamConnection(
            f"ws://127.0.0.1:{refusing.port}/v5/private",
            "private",
            on_message,
            status=board,
            now_ms=lambda: 0,
            credentials=CREDS,
        )
        pinging.start()
        refused.start()
        await eventually(lambda: len(server.messages("ping")) >= 2)
        await pinging.round_trip()  # answered by the pong that echoes its req_id
        assert server.messages("ping")[-1][2]["req_id"].startswith("rt-")
        await eventually(lambda: board.get("private") is not None and not board.get("private").ok)  # type: ignore[union-attr]
        await pinging.close()
        await refused.close()
    status = board.get("private")
    assert status is not None and status.health in (Health.DEGRADED, Health.DOWN)
    assert "authentication refused: Params Error" in status.message
    assert board.current.component == "private"
    assert refusing.auth_results and not any(refusing.auth_results)


async def test_candles_go_on_after_the_callers_last_one_without_repeating_it() -> None:
    """The warmup's last candle pushed again by the stream is dropped (it crashed the regime
    classifier), and a hole between the warmup and the first push is backfilled."""
    venue, clock = FakeVenue(), FakeClock((BASE + 10 * MIN) / 1000)
    venue.server_ms = BASE + 4 * MIN + 1
    kline_host(venue, BASE, 5)
    topic = "kline.1.BTCUSDT"
    warmup_last = Candle("BTCUSDT", BASE + MIN, 1.0, 3.0, 0.5, 2.0, 2.0)
    async with StreamServer() as server:
        exchange = exchange_for(server, venue, clock)
        got: list[Candle] = []
        reader = asyncio.create_task(_take(exchange.candles("BTCUSDT", after=warmup_last), 2, got))
        await server.subscribed.get()
        await server.push(0, topic, [kline(BASE + MIN, "2", True)])  # the warmup's last again
        await server.push(0, topic, [kline(BASE + 3 * MIN, "5", False)])  # forming
        await server.push(0, topic, [kline(BASE + 3 * MIN, "6", True)])
        await asyncio.wait_for(reader, 5)
        await exchange.close()
    assert [c.ts for c in got] == [BASE + 2 * MIN, BASE + 3 * MIN]
    assert got[1].close == 6.0
    (intake,) = exchange.market.intakes
    assert intake.counts["repeat"] == 1


async def test_a_funding_execution_is_kept_and_handed_over_other_kinds_are_counted(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Funding goes to the engine to book (`on_funding`); an ADL is not booked to a bot, so
    the operator hears of it and it is counted. Neither is a fill."""
    sequencer = UpdateSequencer()
    delivered: list[ExchangeUpdate] = []
    sequencer.set_listener(delivered.append)
    feed = PrivateFeed(None, sequencer, lambda symbol, side: "USDT")  # type: ignore[arg-type]
    funding = {
        **execution("f1", "0.5", BASE),
        "execType": "Funding",
        "execFee": "0.0125",
        "feeCurrency": "USDT",
    }
    adl = {**execution("a1", "0.1", BASE), "execType": "AdlTrade"}
    handed: list[FundingFee] = []
    feed.on_funding = handed.append
    with caplog.at_level(logging.INFO, "traderagent.exchanges.bybit"):
        await feed.on_message({"topic": "execution", "data": [funding, adl, funding]})
    assert delivered == []  # not a trade: no fill reaches the engine
    assert [f.funding_id for f in handed] == ["f1"] and feed.funding == handed  # once
    assert (handed[0].amount, handed[0].asset, handed[0].position_qty) == (
        Decimal("0.0125"), "USDT", Decimal("0.5"),
    )  # fmt: skip
    assert feed.unbooked == {"AdlTrade": 1}
    assert "Funding execution f1 on BTCUSDT (qty 0.5, fee 0.0125 USDT) to book" in caplog.text
    assert "AdlTrade execution a1 on BTCUSDT" in caplog.text


async def test_the_deliverer_is_awaited_after_a_frame_that_brought_news_only() -> None:
    """The reader hands a frame's fills to the listener, then awaits the engine's deliverer
    once (an idle engine routes them in that turn); a repeated fill brings nothing."""
    sequencer = UpdateSequencer()
    delivered: list[ExchangeUpdate] = []
    sequencer.set_listener(delivered.append)
    feed = PrivateFeed(None, sequencer, lambda symbol, side: "USDT")  # type: ignore[arg-type]
    calls: list[int] = []

    async def deliver() -> None:
        calls.append(len(delivered))

    feed.deliver = deliver
    frame = {
        "topic": "execution",
        "data": [execution("e1", "0.5", BASE), execution("e2", "0.5", BASE)],
    }
    await feed.on_message(frame)
    assert calls == [2]  # once, after both fills reached the listener
    await feed.on_message(frame)  # the same executions again
    assert calls == [2]
    await feed.on_message({"topic": "wallet", "data": []})
    assert calls == [2]


def resting(link: str) -> dict[str, Any]:
    """An order resting from before this session (a restart adopts it)."""
    return {
        "orderId": "oid-1",
        "orderLinkId": link,
        "symbol": "BTCUSDT",
        "side": "Buy",
        "orderType": "Limit",
        "qty": "0.010",
        "price": "25000.0",
        "orderStatus": "New",
        "cumExecQty": "0",
        "avgPrice": "0",
        "rejectReason": "EC_NoError",
        "createdTime": str(BASE),
        "updatedTime": str(BASE),
    }


async def test_an_order_adopted_after_a_restart_is_caught_up_on_after_a_reconnect() -> None:
    """An order resting from an earlier session, adopted by the open-orders read, fills while
    the stream is down: the gap-fill delivers its fill and its final state (it once skipped
    every order this session had not placed, and the bot rested a filled order for good)."""
    venue, clock = FakeVenue(), FakeClock()
    venue.orders["grid-btc-7"] = order = resting("grid-btc-7")
    async with StreamServer() as server:
        exchange = exchange_for(server, venue, clock)
        updates: list[ExchangeUpdate] = []
        exchange.set_listener(updates.append)
        await exchange.connect()
        assert await server.subscribed.get() == (0, ["order", "execution", "position", "wallet"])
        adopted = await exchange.open_orders("BTCUSDT")
        assert [o.client_order_id for o in adopted] == ["grid-btc-7"]

        order.update(orderStatus="Filled", cumExecQty="0.010", updatedTime=str(BASE + 2_000))
        fill = {**execution("e9", "0.010", BASE + 2_000), "orderLinkId": "grid-btc-7"}
        venue.routes[("GET", "/v5/execution/list")] = lambda call: {
            "category": "linear",
            "list": [fill],
            "nextPageCursor": "",
        }
        await server.drop(0)
        assert (await server.subscribed.get())[0] == 1
        await eventually(lambda: len(updates) == 2)
        await exchange.close()

    delivered = [(type(u).__name__, u.client_order_id) for u in updates]
    assert delivered == [("Fill", "grid-btc-7"), ("Order", "grid-btc-7")]
    last = updates[1]
    assert isinstance(last, Order) and last.status is OrderStatus.FILLED


async def test_a_failed_catch_up_connects_again_and_fills_the_gap_then() -> None:
    """The gap-fill's reads fail (the venue answers 10016 to every attempt): the stream does
    not go on with the gap open; it connects again and the next catch-up delivers the fill."""
    venue, clock = FakeVenue(), FakeClock()
    venue.orders["grid-btc-7"] = order = resting("grid-btc-7")
    failing = {"left": 2}
    fill = {**execution("e9", "0.010", BASE + 2_000), "orderLinkId": "grid-btc-7"}

    def executions(call: Any) -> dict[str, Any] | tuple[int, str]:
        if failing["left"]:
            failing["left"] -= 1
            return (10016, "Server error")
        return {"category": "linear", "list": [fill], "nextPageCursor": ""}

    venue.routes[("GET", "/v5/execution/list")] = executions
    async with StreamServer() as server:
        config = BybitConfig(
            env="custom",
            url=server.url,
            credentials="t",
            reconnect_max_delay_s=0.05,
            max_attempts=1,
        )
        exchange = BybitExchange(
            config, CREDS, transport=venue.transport(), clock=clock, sleep=asyncio.sleep
        )
        updates: list[ExchangeUpdate] = []
        exchange.set_listener(updates.append)
        await exchange.connect()
        await server.subscribed.get()
        await exchange.open_orders("BTCUSDT")
        order.update(orderStatus="Filled", cumExecQty="0.010", updatedTime=str(BASE + 2_000))
        await server.drop(0)
        await eventually(lambda: len(updates) == 2, within_s=30)
        connections = len(server.connections)
        await exchange.close()

    assert [type(u).__name__ for u in updates] == ["Fill", "Order"]
    assert failing["left"] == 0
    assert connections == 4  # the first, two whose catch-up failed, the one that filled it
    assert exchange.account.gap_fills == 1


async def test_the_catch_up_waits_until_the_server_confirms_the_subscription() -> None:
    """The owner's catch-up runs only once the server has confirmed the subscription, and a
    push that comes before the confirmation is handled first: a catch-up read before the
    subscription took effect would miss what happens in between."""
    confirmed = asyncio.Event()
    seen: list[str] = []

    async def handle(ws: ServerConnection) -> None:
        async for raw in ws:
            message = json.loads(raw)
            if message.get("op") == "subscribe":
                await ws.send(json.dumps({"topic": "order", "data": []}))
                await asyncio.sleep(0.3)  # a slow server: the confirmation comes late
                confirmed.set()
                await ws.send(json.dumps({**message, "success": True, "ret_msg": ""}))

    async def on_message(message: dict[str, Any]) -> None:
        seen.append(f"push {message['topic']}")

    async def on_connected(reconnected: bool) -> None:
        seen.append(f"connected, confirmed={confirmed.is_set()}")

    async with serve(handle, "127.0.0.1", 0) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        stream = StreamConnection(
            f"ws://127.0.0.1:{port}/v5/public/linear",
            "public",
            on_message,
            status=StatusBoard(lambda: 0),
            now_ms=lambda: 0,
            on_connected=on_connected,
        )
        stream.topics = ["order"]
        stream.start()
        await eventually(lambda: len(seen) == 2)
        await stream.close()
    assert seen == ["push order", "connected, confirmed=True"]
