"""The Bybit client against the running emulator, endpoint by endpoint, REST and streams.

The emulator replays the first bundled BTC/USDT candles (and an ETHUSDT series derived from
them) and stands still until a test steps it, so every expectation is exact.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from decimal import Decimal
from typing import Any, TypeVar

import numpy as np
import pytest

from traderagent.domain import Candle, Fill, Order, OrderRequest, OrderStatus, OrderType, Side
from traderagent.exchanges.bybit import ApiCredentials, BybitConfig, BybitExchange
from traderagent.exchanges.bybit.endpoints import BybitEndpoints
from traderagent.exchanges.bybit.errors import AuthError, BybitError
from traderagent.exchanges.bybit.rest import BybitRest
from traderagent.exchanges.emulator import Emulator, running_emulator
from traderagent.exchanges.ports import ExchangeUpdate
from traderagent.marketdata import CandleSeries, load_bundled

BTC = "BTCUSDT"
WARMUP = 2_100  # more than two kline pages of 1,000
T = TypeVar("T")


def market() -> list[CandleSeries]:
    btc = load_bundled().head(WARMUP + 200)
    eth = CandleSeries(
        "ETHUSDT",
        btc.interval_ms,
        btc.ts,
        *(np.round(getattr(btc, f) / 15, 2) for f in ("open", "high", "low", "close")),
        btc.volume,
    )
    return [btc, eth]


@asynccontextmanager
async def emulator(**kwargs: Any) -> AsyncIterator[Emulator]:
    balances = kwargs.pop("balances", {"USDT": "100000"})
    async with running_emulator(
        market(), speed=None, warmup=WARMUP, balances=balances, **kwargs
    ) as emu:
        yield emu


@asynccontextmanager
async def client(
    emu: Emulator, category: str = "linear", connect: bool = True, **config: Any
) -> AsyncIterator[tuple[BybitExchange, list[ExchangeUpdate]]]:
    settings = BybitConfig(env="custom", url=emu.rest_url, category=category, **config)  # type: ignore[arg-type]
    exchange = BybitExchange(settings, ApiCredentials(emu.api_key, emu.api_secret))
    updates: list[ExchangeUpdate] = []
    exchange.set_listener(updates.append)
    try:
        if connect:
            await exchange.connect()
        yield exchange, updates
    finally:
        await exchange.close()


def last_close(emu: Emulator, symbol: str = BTC) -> Decimal:
    return Decimal(repr(float(emu.core.replay.closed(symbol).close[-1])))


async def next_of(stream: AsyncIterator[T], within_s: float = 5.0) -> T:
    return await asyncio.wait_for(anext(stream), within_s)


def order(
    cid: str, side: Side, qty: str, price: str | None = None, symbol: str = BTC
) -> OrderRequest:
    kind = OrderType.MARKET if price is None else OrderType.LIMIT
    return OrderRequest(
        cid,
        symbol,
        side,
        kind,
        Decimal(qty),
        None if price is None else Decimal(price),
        bot="it",
        tag=cid,
    )


async def until(
    condition: Callable[[], bool], action: Callable[[], Awaitable[object]], steps: int = 30
) -> None:
    for _ in range(steps):
        if condition():
            return
        await action()
    assert condition()


# -- market ------------------------------------------------------------------------------------


async def test_server_time_and_clock_offset() -> None:
    async with emulator() as emu, client(emu, connect=False) as (exchange, _):
        server_ms = await exchange.endpoints.server_time()
        assert abs(server_ms - time.time() * 1000) < 5_000
        offset = await exchange.rest.sync_time()
        assert abs(offset) < 1_000


@pytest.mark.parametrize("category", ["linear", "spot"])
async def test_tickers_show_the_last_close_and_a_spread(category: str) -> None:
    async with emulator() as emu, client(emu, category, connect=False) as (exchange, _):
        tickers = {t.symbol: t for t in await exchange.endpoints.tickers()}
        assert set(tickers) == {BTC, "ETHUSDT"}
        btc = (await exchange.endpoints.tickers(BTC))[0]
        assert btc.last_price == last_close(emu)
        assert btc.bid is not None and btc.ask is not None and btc.bid < btc.last_price < btc.ask


async def test_history_pages_newest_first_into_ascending_closed_candles() -> None:
    async with emulator() as emu, client(emu, connect=False) as (exchange, _):
        series = emu.core.replay.closed(BTC)
        first, last = int(series.ts[0]), int(series.ts[-1])
        candles = await exchange.history(BTC, first, last + 3_600_000)
        assert len(candles) == WARMUP
        assert [c.ts for c in candles] == series.ts.tolist()
        assert [c.close for c in candles] == series.close.tolist()
        assert candles[100] == series.candle(100)
        window = await exchange.history(BTC, first + 60_000 * 10, first + 60_000 * 12)
        assert [c.ts for c in window] == [first + 60_000 * k for k in (10, 11, 12)]
        five = await exchange.history(BTC, first, first + 5 * 60_000 * 3, interval_ms=300_000)
        assert [c.interval_ms for c in five] == [300_000] * 4
        assert five[0].high == max(c.high for c in candles[:5])


@pytest.mark.parametrize(("category", "lot"), [("linear", "qtyStep"), ("spot", "basePrecision")])
async def test_instruments_follow_the_cursor_and_quantise(category: str, lot: str) -> None:
    async with emulator() as emu, client(emu, category, connect=False) as (exchange, _):
        paged = await exchange.endpoints.instruments(page_size=1)
        raw = (
            await exchange.rest.call("GET", "/v5/market/instruments-info", {"category": category})
        ).result
        assert sorted(paged) == [BTC, "ETHUSDT"]
        item = next(i for i in raw["list"] if i["symbol"] == BTC)
        btc = paged[BTC]
        assert btc.lot_size == Decimal(item["lotSizeFilter"][lot])
        assert btc.tick_size == Decimal(item["priceFilter"]["tickSize"])
        assert await exchange.instrument(BTC) == btc


# -- orders ------------------------------------------------------------------------------------


@pytest.mark.parametrize("category", ["linear", "spot"])
async def test_order_create_realtime_cancel_history(category: str) -> None:
    async with emulator() as emu, client(emu, category) as (exchange, updates):
        inst = await exchange.instrument(BTC)
        price = inst.round_price(last_close(emu) * Decimal("0.9"), Side.BUY)
        ack = await exchange.place_order(order("o-1", Side.BUY, "0.01", str(price)))
        assert ack.status is OrderStatus.NEW and ack.exchange_order_id
        realtime = await exchange.endpoints.realtime_orders(BTC)
        assert [(i["orderLinkId"], i["orderStatus"], i["qty"]) for i in realtime] == [
            ("o-1", "New", "0.01")
        ]
        assert [o.client_order_id for o in await exchange.open_orders()] == ["o-1"]
        cancelled = await exchange.cancel_order(BTC, "o-1")
        assert cancelled is not None and cancelled.status is OrderStatus.CANCELLED
        history = await exchange.endpoints.order_history(BTC, "o-1")
        assert [i["orderStatus"] for i in history] == ["Cancelled"]
        await exchange.catch_up()
        assert [(u.client_order_id, u.status) for u in updates if isinstance(u, Order)] == [
            ("o-1", OrderStatus.CANCELLED)
        ]
        assert await exchange.cancel_order(BTC, "nope") is None


async def test_cancel_all_returns_every_cancelled_order() -> None:
    async with emulator() as emu, client(emu) as (exchange, updates):
        inst = await exchange.instrument(BTC)
        for k in range(3):
            price = inst.round_price(last_close(emu) * Decimal(f"0.9{k}"), Side.BUY)
            await exchange.place_order(order(f"o-{k}", Side.BUY, "0.01", str(price)))
        cancelled = await exchange.cancel_all(BTC)
        assert [(o.client_order_id, o.status) for o in cancelled] == [
            (f"o-{k}", OrderStatus.CANCELLED) for k in range(3)
        ]
        await exchange.catch_up()
        assert sorted(u.client_order_id for u in updates) == ["o-0", "o-1", "o-2"]
        assert await exchange.open_orders(BTC) == []


async def test_fill_executions_position_wallet_and_leverage_linear() -> None:
    async with emulator() as emu, client(emu) as (exchange, updates):
        await exchange.set_leverage(BTC, Decimal(5))
        await exchange.set_leverage(BTC, Decimal(5))  # 110043 "not modified" is success
        raw = (
            await exchange.rest.call(
                "GET", "/v5/position/list", {"category": "linear", "symbol": BTC}, auth=True
            )
        ).result
        assert raw["list"][0]["leverage"] == "5"
        before = (await exchange.balances())["USDT"]
        await exchange.place_order(order("m-1", Side.BUY, "0.05"))
        await until(lambda: any(isinstance(u, Fill) for u in updates), lambda: emu.step(1))
        await exchange.catch_up()
        fills = [u for u in updates if isinstance(u, Fill)]
        executions = await exchange.endpoints.executions(BTC)
        assert [e["execId"] for e in executions] == [f.fill_id for f in fills]
        assert sum(f.qty for f in fills) == Decimal("0.05")
        assert fills[0].fee_asset == "USDT" and fills[0].fee > 0
        (position,) = await exchange.positions(BTC)
        assert position.qty == Decimal("0.05") and position.avg_price == fills[0].price
        after = (await exchange.balances())["USDT"]
        assert after.locked > 0 and after.free < before.free
        assert exchange.account.positions[BTC].qty == Decimal("0.05")  # pushed too


async def test_spot_fill_moves_balances_and_reports_positions() -> None:
    async with emulator() as emu, client(emu, "spot") as (exchange, updates):
        await exchange.place_order(order("m-1", Side.BUY, "0.01"))
        await until(lambda: any(isinstance(u, Fill) for u in updates), lambda: emu.step(1))
        (fill,) = [u for u in updates if isinstance(u, Fill)]
        assert (fill.qty, fill.fee, fill.fee_asset) == (Decimal("0.01"), Decimal("0.00001"), "BTC")
        balances = await exchange.balances()  # Bybit spot: the buy's fee is taken in BTC
        assert balances["BTC"].total == Decimal("0.00999")
        assert [(p.symbol, p.qty) for p in await exchange.positions(BTC)] == [
            (BTC, Decimal("0.00999"))
        ]


# -- failures ----------------------------------------------------------------------------------


async def test_a_create_whose_answer_is_lost_is_found_not_doubled() -> None:
    async with (
        emulator(faults="lost_response=1,hold=3s") as emu,
        client(emu, timeout_s=0.5) as (exchange, _),
    ):
        inst = await exchange.instrument(BTC)
        price = inst.round_price(last_close(emu) * Decimal("0.9"), Side.BUY)
        placed = await exchange.place_order(order("lost-1", Side.BUY, "0.01", str(price)))
        assert placed.status is OrderStatus.NEW and placed.exchange_order_id
        assert [o.order_link_id for o in emu.orders()] == ["lost-1"]
        cancelled = await exchange.cancel_order(BTC, "lost-1")  # its answer is lost too
        assert cancelled is not None and cancelled.status is OrderStatus.CANCELLED
        assert any(f.kind == "lost_response" for f in emu.faults_injected())


async def test_budgets_are_waited_for_not_overrun() -> None:
    async with (
        emulator(rate_limits={"/v5/order/realtime": 2}) as emu,
        client(emu, max_attempts=1) as (exchange, _),  # a 10006 would raise, not be retried
    ):
        started = time.monotonic()
        for _ in range(3):
            await exchange.endpoints.realtime_orders(BTC)
        assert time.monotonic() - started >= 0.5  # the third call waited for the window
        budget = exchange.rest.budgets.budget("/v5/order/realtime")
        assert budget is not None and budget.limit == 2


async def test_a_skewed_clock_is_resynced_after_10002() -> None:
    async with emulator(wall_ms=lambda: time.time_ns() // 1_000_000 + 20_000) as emu:
        rest = BybitRest(emu.rest_url, ApiCredentials(emu.api_key, emu.api_secret))
        balances = await BybitEndpoints(rest).wallet_balance()  # first signed with local time
        await rest.close()
        assert balances["USDT"].total == Decimal(100000)
        assert rest.offset_ms > 15_000 and rest.recv_window_ms > 5_000


async def test_wrong_keys_are_auth_errors_on_rest_and_stream() -> None:
    async with emulator() as emu:
        for key, secret, code in (
            (emu.api_key, "wrong", 10004),
            ("unknown-key", emu.api_secret, 10003),
        ):
            rest = BybitRest(emu.rest_url, ApiCredentials(key, secret))
            with pytest.raises(AuthError) as caught:
                await BybitEndpoints(rest).wallet_balance()
            await rest.close()
            assert caught.value.code == code
        config = BybitConfig(env="custom", url=emu.rest_url, reconnect_max_delay_s=0.1)
        exchange = BybitExchange(config, ApiCredentials(emu.api_key, "wrong"))
        with pytest.raises(
            BybitError, match="private stream did not connect.*authentication refused"
        ):
            await exchange.connect(timeout_s=1.5)
        await exchange.close()


# -- streams -----------------------------------------------------------------------------------


@pytest.mark.parametrize("category", ["linear", "spot"])
async def test_public_streams_tickers_top_of_book_and_candles(category: str) -> None:
    async with emulator() as emu, client(emu, category, connect=False) as (exchange, _):
        candles = exchange.candles(BTC)
        tickers = exchange.tickers(BTC)
        books = exchange.top_of_book(BTC)
        current = await next_of(candles)  # the last closed one, on subscribing
        ticker = await next_of(tickers)
        book = await next_of(books)
        assert current.ts == int(emu.core.replay.closed(BTC).ts[-1])
        assert ticker.last_price == last_close(emu)
        assert book.bid is not None and book.ask is not None and book.bid < book.ask
        seen: list[Candle] = []
        for _ in range(3):
            await emu.step(1)
            seen.append(await next_of(candles))
        series = emu.core.replay.closed(BTC)
        assert [c.ts for c in seen] == series.ts[-3:].tolist()
        assert [c.close for c in seen] == series.close[-3:].tolist()
        pushed = [await next_of(tickers) for _ in range(3)]  # one per step
        assert pushed[-1].last_price == last_close(emu)
        tops = [await next_of(books) for _ in range(3)]
        assert tops[-1].bid is not None and tops[-1].bid < last_close(emu)
        for stream in (candles, tickers, books):
            await stream.aclose()  # type: ignore[attr-defined]


async def test_private_stream_drops_lose_and_double_nothing() -> None:
    async with (
        emulator(faults="ws_drop=0.25,seed=11") as emu,
        client(emu, reconnect_max_delay_s=0.1) as (exchange, updates),
    ):
        inst = await exchange.instrument(BTC)
        for k in range(6):
            price = inst.round_price(last_close(emu) * (1 - Decimal(k) / 1000), Side.BUY)
            await exchange.place_order(order(f"d-{k}", Side.BUY, "0.01", str(price)))
        truth = lambda: {e.exec_id for e in emu.executions()}  # noqa: E731
        for _ in range(200):
            if len(truth()) == 6:
                break
            await emu.step(1)
        assert len(truth()) == 6, "the market did not fill every order"

        def delivered() -> tuple[list[str], list[str]]:
            fills = [u.fill_id for u in updates if isinstance(u, Fill)]
            filled = [
                u.client_order_id
                for u in updates
                if isinstance(u, Order) and u.status is OrderStatus.FILLED
            ]
            return sorted(fills), sorted(filled)

        expected = (sorted(truth()), [f"d-{k}" for k in range(6)])
        # a reconnect's gap-fill may deliver an order's final state a moment after its fill
        for _ in range(100):
            if delivered() == expected:
                break
            await asyncio.sleep(0.1)
        fills, filled = delivered()
        assert fills == expected[0]  # each execution once
        assert filled == expected[1]  # and every order's final state, once
        assert any(f.kind == "ws_drop" for f in emu.faults_injected())
