"""B5: the live hot path, from a private-stream frame to the next signed order request.

A grid bot runs in the real engine (`runtime.assemble_engine`) on the real Bybit client, with
the live journal (`LeasedJournal`: write-ahead rows appended to its intent log, the rest
queued behind) on a database file. Only the socket is stubbed: the REST host is an
`httpx.MockTransport` that stamps the moment a signed `/v5/order/create` request reaches it,
and the private stream's frames are handed, as the WebSocket reader does it, to its `decode`
and the client's private-feed handler. Each frame is an execution that fills one of the grid's
resting orders (plus the order report that follows it); the measured time is from the frame
to the counter-order's request, through parse -> sequencer -> engine pump -> bot -> strategy
-> risk -> allocator -> write-ahead -> signing.

Frames go out open loop at 10, 100 and 1,000 messages/s (a frame waits only if the order it
fills has not been placed yet, counted). The gate: every frame brought exactly one request,
the counter-order the grid's rules ask for (side, level, quantity, a new client id), and the
journal holds every write-ahead row and, once settled, every fill.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import statistics
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from benchmarks.result import Result
from storage import Database
from traderagent.clock import VenueClock
from traderagent.config import AppConfig
from traderagent.domain import Candle, TradingMode
from traderagent.exchanges.bybit import ApiCredentials, BybitExchange
from traderagent.exchanges.bybit.ws import decode
from traderagent.wiring.runtime import LeasedJournal, assemble_engine
from traderagent.wiring.venues import Venue

RATES = (10, 100, 1_000)
FRAMES = {10: 80, 100: 500, 1_000: 2_000}
"""Frames measured per rate (the first `WARM` of the run are not counted)."""
WARM = 40
TARGET_P50_US = 100.0
TARGET_P99_US = 1_000.0
BOT = "grid-b5"
LOWER, UPPER, LEVELS = Decimal(22_800), Decimal(23_800), 21
STEP = (UPPER - LOWER) / (LEVELS - 1)
SLOTS = LEVELS - 1
START_PRICE = 24_000.0  # above the grid: every slot starts empty, with a buy resting
WAIT_S = 60.0

KEY, SECRET = "B5BENCHKEY0000000000", "B5BENCHSECRET000000000000000000000000"
INSTRUMENT = {
    "symbol": "BTCUSDT",
    "status": "Trading",
    "baseCoin": "BTC",
    "quoteCoin": "USDT",
    "priceFilter": {"minPrice": "0.10", "maxPrice": "1999999.80", "tickSize": "0.10"},
    "lotSizeFilter": {
        "maxOrderQty": "1190.000",
        "minOrderQty": "0.001",
        "qtyStep": "0.001",
        "minNotionalValue": "5",
    },
}
CONFIG: dict[str, Any] = {
    "mode": "live",
    "exchange": {
        "venue": "bybit",
        "env": "custom",
        "url": "http://b5.invalid",
        "category": "linear",
        "credentials": "b5",
    },
    "bots": [
        {
            "name": BOT,
            "symbol": "BTCUSDT",
            "strategy": {
                "kind": "grid",
                "lower": str(LOWER),
                "upper": str(UPPER),
                "levels": LEVELS,
                "amount_per_level": "100",
            },
        }
    ],
}


@dataclass
class Created:
    at_ns: int
    link_id: str
    side: str
    price: Decimal
    qty: Decimal


@dataclass
class Host:
    """The Bybit V5 REST host behind the transport: canned answers, and every order request
    stamped on arrival."""

    created: list[Created] = field(default_factory=list)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    def handle(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/v5/order/create":
            at = time.perf_counter_ns()
            body = json.loads(request.content)
            link = str(body["orderLinkId"])
            self.created.append(
                Created(at, link, body["side"], Decimal(body["price"]), Decimal(body["qty"]))
            )
            self.arrived.set()
            return _envelope({"orderId": f"x-{link}", "orderLinkId": link})
        if path == "/v5/market/time":
            now = time.time_ns()
            return _envelope({"timeSecond": str(now // 10**9), "timeNano": str(now)})
        if path == "/v5/market/instruments-info":
            return _envelope({"category": "linear", "list": [INSTRUMENT], "nextPageCursor": ""})
        if path == "/v5/account/wallet-balance":
            coin = {"coin": "USDT", "walletBalance": "1000000", "locked": "0"}
            return _envelope({"list": [{"accountType": "UNIFIED", "coin": [coin]}]})
        if path in ("/v5/order/realtime", "/v5/execution/list", "/v5/position/list"):
            return _envelope({"category": "linear", "list": [], "nextPageCursor": ""})
        return httpx.Response(404, text=f"b5 host: no route {path}")


def _envelope(result: dict[str, Any]) -> httpx.Response:
    body = {"retCode": 0, "retMsg": "OK", "result": result, "retExtInfo": {}, "time": 1}
    return httpx.Response(200, json=body)


def execution_frame(order: Created, n: int, now_ms: int) -> str:
    item = {
        "category": "linear",
        "symbol": "BTCUSDT",
        "execId": f"b5-exec-{n}",
        "orderId": f"x-{order.link_id}",
        "orderLinkId": order.link_id,
        "side": order.side,
        "orderType": "Limit",
        "orderPrice": str(order.price),
        "orderQty": str(order.qty),
        "leavesQty": "0",
        "execPrice": str(order.price),
        "execQty": str(order.qty),
        "execFee": str((order.price * order.qty * Decimal("0.0002")).quantize(Decimal("1E-8"))),
        "feeCurrency": "USDT",
        "feeRate": "0.0002",
        "isMaker": True,
        "execType": "Trade",
        "execTime": str(now_ms),
    }
    return json.dumps({"topic": "execution", "creationTime": now_ms, "data": [item]})


def order_frame(order: Created, now_ms: int) -> str:
    item = {
        "category": "linear",
        "symbol": "BTCUSDT",
        "orderId": f"x-{order.link_id}",
        "orderLinkId": order.link_id,
        "side": order.side,
        "orderType": "Limit",
        "price": str(order.price),
        "qty": str(order.qty),
        "orderStatus": "Filled",
        "cumExecQty": str(order.qty),
        "avgPrice": str(order.price),
        "createdTime": str(now_ms - 1),
        "updatedTime": str(now_ms),
    }
    return json.dumps({"topic": "order", "creationTime": now_ms, "data": [item]})


def slot_of(order: Created) -> int:
    """The grid slot an order works: a buy at level k, or the sell of slot k at level k+1."""
    level = int((order.price - LOWER) / STEP)
    return level if order.side == "Buy" else level - 1


def expected_counter(filled: Created) -> tuple[str, Decimal]:
    """The grid's counter-order to a complete fill: a buy at level k is sold one level up,
    a sell one level down is bought back."""
    if filled.side == "Buy":
        return "Sell", filled.price + STEP
    return "Buy", filled.price - STEP


@dataclass
class Run:
    latencies_us: list[float] = field(default_factory=list)
    waited: int = 0
    wrong: list[str] = field(default_factory=list)


class Bench:
    """One engine on one database, measured at one rate after another."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.host = Host()
        self.candles: asyncio.Queue[Candle] = asyncio.Queue()
        self.frames = 0
        self.resting: dict[int, Created] = {}

    async def feed(self) -> AsyncIterator[Candle]:
        while True:
            yield await self.candles.get()

    async def start(self) -> None:
        config = AppConfig.model_validate(CONFIG)
        database = await Database.open(self.directory / "b5.db")
        self.journal = LeasedJournal(database)
        await self.journal.hold([BOT])
        settings = config.exchange
        exchange = BybitExchange(
            settings,  # type: ignore[arg-type]  # validated as bybit above
            ApiCredentials(KEY, SECRET),
            transport=httpx.MockTransport(self.host.handle),
        )
        self.exchange = exchange
        await exchange.rest.sync_time()
        instrument = await exchange.instrument("BTCUSDT")
        start_ms = (time.time_ns() // 1_000_000) // 60_000 * 60_000
        venue = Venue(
            exchange=exchange,
            clock=VenueClock(start_ms),
            feed=self.feed(),
            mode=TradingMode.DEMO,
            label="b5 (bybit client, stubbed socket)",
            instruments={"BTCUSDT": instrument},
            fee_reserve=Decimal("0.001"),
        )
        self.engine = await assemble_engine(config, venue, self.journal, "b5.db")
        self.running = asyncio.create_task(self.engine.run())
        price = START_PRICE
        await self.candles.put(Candle("BTCUSDT", start_ms, price, price, price, price, 1.0))
        await self._until(lambda: len(self.host.created) >= SLOTS, "the grid's first orders")
        for order in self.host.created:
            self.resting[slot_of(order)] = order
        if sorted(self.resting) != list(range(SLOTS)) or any(
            o.side != "Buy" for o in self.resting.values()
        ):
            raise AssertionError(f"B5: the grid did not start as expected: {self.host.created}")

    async def _until(self, done: Any, what: str) -> None:
        deadline = time.monotonic() + WAIT_S
        while not done():
            if time.monotonic() > deadline:
                raise AssertionError(f"B5: {what} did not come within {WAIT_S:.0f} s")
            self.host.arrived.clear()
            try:
                await asyncio.wait_for(self.host.arrived.wait(), 0.5)
            except TimeoutError:
                continue

    async def measure(self, rate: int, count: int) -> Run:
        run = Run()
        for order in self.host.created:  # each slot's newest order is the one resting
            self.resting[slot_of(order)] = order
        gap_ns = 1_000_000_000 // rate
        base = len(self.host.created)
        started = time.perf_counter_ns()
        sent_at: list[int] = []
        fills: list[Created] = []
        for j in range(count):
            slot = j % SLOTS
            # the order this frame fills is the counter of the frame SLOTS before it
            if j >= SLOTS and len(self.host.created) <= base + j - SLOTS:
                run.waited += 1
                await self._until(lambda j=j: len(self.host.created) > base + j - SLOTS, "a fill")
            if j >= SLOTS:
                self.resting[slot] = self.host.created[base + j - SLOTS]
            order = self.resting[slot]
            due = started + j * gap_ns
            ahead_s = (due - time.perf_counter_ns()) / 1e9
            if ahead_s > 0:  # open loop: a late frame goes at once, the next keeps its time
                await asyncio.sleep(ahead_s)
            now_ms = self.engine.clock.now_ms()
            self.frames += 1
            execution, report = (
                execution_frame(order, self.frames, now_ms),
                order_frame(order, now_ms),
            )
            sent_at.append(time.perf_counter_ns())
            await self.exchange.account.on_message(decode(execution))  # the reader's work
            await self.exchange.account.on_message(decode(report))
            fills.append(order)
            await asyncio.sleep(0)  # the reader goes back to its socket
        await self._until(lambda: len(self.host.created) >= base + count, "the last counters")
        seen = {o.link_id for o in self.host.created[:base]}
        for j, (filled, at) in enumerate(zip(fills, sent_at, strict=True)):
            counter = self.host.created[base + j]
            side, price = expected_counter(filled)
            if (counter.side, counter.price) != (side, price) or counter.link_id in seen:
                run.wrong.append(f"frame {j} filled {filled}, got {counter}")
            seen.add(counter.link_id)
            if j >= WARM:
                run.latencies_us.append((counter.at_ns - at) / 1_000)
        if len(self.host.created) != base + count:
            run.wrong.append(f"{len(self.host.created) - base} requests for {count} frames")
        return run

    async def check_journal(self) -> None:
        await self.journal.settle()
        links = {o.link_id for o in self.host.created}
        journalled = {o.client_order_id for o in await self.journal.orders_of(BOT)}
        if not links <= journalled:
            raise AssertionError(f"B5: {len(links - journalled)} requests without a journal row")
        logged = self.journal.intent_log.appended if self.journal.intent_log is not None else 0
        if logged != len(self.host.created):  # the path measured is the intent log's
            raise AssertionError(
                f"B5: {logged} write-ahead rows logged for {len(self.host.created)} requests"
            )
        fills = await self.journal.fill_ids(BOT)
        if len(fills) != self.frames:
            raise AssertionError(f"B5: {len(fills)} fills journalled for {self.frames} frames")

    async def stop(self) -> None:
        await self.engine.shutdown()
        self.running.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.running
        await self.exchange.close()
        await self.journal.close()


def percentile(values: list[float], q: float) -> float:
    """The nearest-rank `q`-th percentile (0 < q <= 100)."""
    ranked = sorted(values)
    return ranked[max(0, math.ceil(q / 100 * len(ranked)) - 1)]


async def measure_all() -> dict[int, Run]:
    with tempfile.TemporaryDirectory(prefix="b5-") as tmp:
        bench = Bench(Path(tmp))
        await bench.start()
        try:
            runs = {rate: await bench.measure(rate, FRAMES[rate]) for rate in RATES}
            await bench.check_journal()
        finally:
            await bench.stop()
    return runs


def results() -> list[Result]:
    runs = asyncio.run(measure_all())
    out: list[Result] = []
    for rate, run in runs.items():
        if run.wrong:
            raise AssertionError(f"B5 at {rate}/s: {len(run.wrong)} wrong: {run.wrong[:3]}")
        p50 = statistics.median(run.latencies_us)
        p99 = percentile(run.latencies_us, 99)
        name = f"live path frame -> order request, {rate} msg/s"
        out.append(Result("B5", f"{name}, p50", round(p50, 1), "us", TARGET_P50_US, False))
        out.append(Result("B5", f"{name}, p99", round(p99, 1), "us", TARGET_P99_US, False))
    return out


if __name__ == "__main__":
    for result in results():
        print(result.as_json())
