"""The ccxt venue's private streams: ccxt.pro's own `bybit` class subscribed to the emulator's
private stream (`watch_orders`, `watch_my_trades`). A push wakes the REST poll at once, so a
fill reaches the listener long before the poll's own interval (a minute here)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from decimal import Decimal

import pytest

from traderagent.domain import Fill, Order, OrderRequest, OrderStatus, OrderType, Side
from traderagent.exchanges.bybit import ApiCredentials
from traderagent.exchanges.ccxt import CcxtConfig, CcxtExchange
from traderagent.exchanges.emulator import running_emulator
from traderagent.exchanges.ports import ExchangeUpdate
from traderagent.marketdata import load_bundled

pytest.importorskip("ccxt.pro")

POLL_S = 60.0


async def test_a_stream_push_brings_the_fill_before_the_poll_interval() -> None:
    async with running_emulator(load_bundled().head(300), speed=None, warmup=100) as emu:
        config = CcxtConfig(
            exchange="bybit", url=emu.rest_url, throttle=False, poll_interval_s=POLL_S
        )
        exchange = CcxtExchange(config, ApiCredentials(emu.api_key, emu.api_secret))
        updates: list[ExchangeUpdate] = []
        both = asyncio.Event()

        def heard(update: ExchangeUpdate) -> None:
            updates.append(update)
            if len(updates) >= 2:
                both.set()

        exchange.set_listener(heard)
        await exchange.connect()
        try:
            assert exchange.caps.private_streams
            await asyncio.sleep(1.0)  # the first poll has run and the streams are subscribed
            request = OrderRequest("s-1", "BTCUSDT", Side.BUY, OrderType.MARKET, Decimal("0.001"))
            ack = await exchange.place_order(request)
            assert ack.status is OrderStatus.NEW
            started = time.monotonic()
            await emu.step(1)  # the market order fills on this candle
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(both.wait(), POLL_S / 3)
            waited = time.monotonic() - started
        finally:
            await exchange.close()
    assert waited < POLL_S / 3, f"no push woke the poll within {waited:.1f} s"
    fill, order = updates
    assert isinstance(fill, Fill) and fill.qty == Decimal("0.001")
    assert isinstance(order, Order) and order.status is OrderStatus.FILLED
