"""Funding on a linear position, as the Bybit client hears it from the emulator: each funding
execution is kept (amount, rate, coin) and counted once, whether the private stream, a
reconnect's gap-fill or a REST catch-up brings it; none is skipped without a word."""

from __future__ import annotations

import logging
from decimal import Decimal

import numpy as np
import pytest

from traderagent.domain import FundingFee, OrderRequest, OrderType, Side
from traderagent.exchanges.bybit import ApiCredentials, BybitConfig, BybitExchange
from traderagent.exchanges.emulator import Emulator, running_emulator
from traderagent.marketdata import CandleSeries

HOUR = 3_600_000
MIDNIGHT = 1_677_628_800_000  # 2023-03-01 00:00 UTC, a funding mark
EIGHT = MIDNIGHT + 8 * HOUR


def hourly(n: int, price: float = 23000.0) -> CandleSeries:
    ts = np.arange(n, dtype=np.int64) * HOUR + MIDNIGHT
    p = np.full(n, price)
    return CandleSeries("BTCUSDT", HOUR, ts, p, p, p, p, np.ones(n))


async def client(emu: Emulator) -> BybitExchange:
    config = BybitConfig(env="custom", url=emu.rest_url, category="linear", credentials="t")
    exchange = BybitExchange(config, ApiCredentials(emu.api_key, emu.api_secret))
    await exchange.connect()
    return exchange


EXPECTED = FundingFee(
    f"funding-BTCUSDT-{EIGHT}", "BTCUSDT", Side.BUY, Decimal("0.1"), Decimal("0.0001"),
    Decimal("0.23"), "USDT", EIGHT,
)  # fmt: skip


async def test_funding_is_heard_once_on_every_path(caplog: pytest.LogCaptureFixture) -> None:
    async with running_emulator(hourly(12), funding_rate="0.0001") as emu:
        exchange = await client(emu)
        try:
            buy = OrderRequest("bot-1", "BTCUSDT", Side.BUY, OrderType.MARKET, Decimal("0.1"))
            await exchange.place_order(buy)
            with caplog.at_level(logging.INFO, "traderagent.exchanges.bybit"):
                await emu.step(8)  # to 09:00: the 08:00 mark charges the long 0.1 x 23000 x 1e-4
                await exchange.catch_up()
            assert exchange.account.funding == [EXPECTED]
            assert "Funding execution" in caplog.text
            await exchange.account.fill_gap()  # a reconnect: the same funding over REST
            fills = await exchange.fills_since("BTCUSDT", MIDNIGHT)  # a catch-up after a restart
            assert [f.client_order_id for f in fills] == ["bot-1"]  # trades only
            assert exchange.account.funding == [EXPECTED]
            assert exchange.account.unbooked == {}  # funding is not "unbooked": the engine books it
        finally:
            await exchange.close()
        late = await client(emu)  # a client that was not listening when it was charged
        try:
            await late.fills_since("BTCUSDT", MIDNIGHT)
            assert late.account.funding == [EXPECTED]
        finally:
            await late.close()
