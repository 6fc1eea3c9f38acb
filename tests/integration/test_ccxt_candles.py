"""The ccxt venue's candle feed, chosen by the capability table: ccxt.pro's own `bybit` class
subscribed to the emulator's public `kline` topic (`watch_ohlcv`), and `fetch_ohlcv` polling
where the class has no `watchOHLCV`. Either way each closed candle arrives once, in order,
with the values the exchange's REST klines give."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest

from traderagent.domain import Candle
from traderagent.exchanges.bybit import ApiCredentials
from traderagent.exchanges.ccxt import CcxtConfig, CcxtExchange
from traderagent.exchanges.ccxt.client import make_client
from traderagent.exchanges.emulator import Emulator, running_emulator
from traderagent.marketdata import load_bundled

pytest.importorskip("ccxt.pro")

SYMBOL = "BTCUSDT"
CANDLES = 5
WAIT_S = 60.0
"""Bound on waiting for one candle (generous: the machine is shared)."""


class Counted:
    """Counts calls of one method of a ccxt client."""

    def __init__(self, client: Any, name: str) -> None:
        self.calls = 0
        method = getattr(client, name)

        async def counted(*args: Any, **kwargs: Any) -> Any:
            self.calls += 1
            return await method(*args, **kwargs)

        setattr(client, name, counted)


async def take(emu: Emulator, feed: AsyncIterator[Candle], count: int) -> list[Candle]:
    """`count` candles from `feed`, stepping the emulator's market one candle each time."""
    got: list[Candle] = []
    for _ in range(count):
        await emu.step(1)
        got.append(await asyncio.wait_for(anext(feed), WAIT_S))
    return got


async def feed_through(exchange: CcxtExchange, emu: Emulator) -> list[Candle]:
    await exchange.connect()
    try:
        feed = exchange.candles(SYMBOL)
        first = await asyncio.wait_for(anext(feed), WAIT_S)  # the newest closed candle
        got = [first, *await take(emu, feed, CANDLES)]
        await feed.aclose()
        truth = await exchange.history(SYMBOL, first.ts, got[-1].ts + 60_000)
    finally:
        await exchange.close()
    assert [c.ts for c in got] == [first.ts + 60_000 * k for k in range(CANDLES + 1)]
    assert got == truth  # the values REST gives, each candle once
    return got


async def test_candles_are_pushed_by_watch_ohlcv_where_the_class_has_it() -> None:
    async with running_emulator(load_bundled().head(300), speed=None, warmup=100) as emu:
        config = CcxtConfig(exchange="bybit", url=emu.rest_url, throttle=False, poll_interval_s=60)
        exchange = CcxtExchange(config, ApiCredentials(emu.api_key, emu.api_secret))
        assert exchange.caps.candle_stream and exchange.candle_source() == "watch_ohlcv"
        watched = Counted(exchange.client.wrapped, "watch_ohlcv")
        fetched = Counted(exchange.client.wrapped, "fetch_ohlcv")
        await feed_through(exchange, emu)
    assert watched.calls >= CANDLES
    assert fetched.calls == 1  # the check against REST at the end; none for the feed


async def test_without_watch_ohlcv_the_feed_polls_fetch_ohlcv() -> None:
    async with running_emulator(load_bundled().head(300), speed=None, warmup=100) as emu:
        config = CcxtConfig(exchange="bybit", url=emu.rest_url, throttle=False, poll_interval_s=0.2)
        keys = ApiCredentials(emu.api_key, emu.api_secret)
        rest_only = make_client(config.model_copy(update={"streams": False}), keys)
        assert not rest_only.has.get("watchOHLCV")  # ccxt's REST class: no streams at all
        exchange = CcxtExchange(config, keys, client=rest_only)  # streams wanted, not there
        assert not exchange.caps.candle_stream and exchange.candle_source() == "fetch_ohlcv"
        fetched = Counted(rest_only, "fetch_ohlcv")
        await feed_through(exchange, emu)
    assert fetched.calls > CANDLES
