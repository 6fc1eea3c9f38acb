"""`watch_balance` on the ccxt venue: ccxt.pro's own `bybit` class subscribed to the emulator's
private `wallet` topic says when the balances changed; while it says nothing, `balances()`
answers the last REST read again, and after a push it reads REST (the truth) again. Without
the stream (`streams: false`), every call is a REST read, as before."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest

from traderagent.domain import OrderRequest, OrderStatus, OrderType, Side
from traderagent.exchanges.bybit import ApiCredentials
from traderagent.exchanges.ccxt import CcxtConfig, CcxtExchange
from traderagent.exchanges.emulator import running_emulator
from traderagent.marketdata import load_bundled

pytest.importorskip("ccxt.pro")

POLL_S = 60.0
WAIT_S = 30.0  # generous: the machine is loaded


async def _until(condition, what: str) -> None:  # type: ignore[no-untyped-def]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT_S
    while not condition():
        assert loop.time() < deadline, f"{what}: not within {WAIT_S} s"
        await asyncio.sleep(0.05)


async def test_a_wallet_push_says_when_and_rest_says_what() -> None:
    async with running_emulator(load_bundled().head(300), speed=None, warmup=100) as emu:
        config = CcxtConfig(
            exchange="bybit", url=emu.rest_url, throttle=False, poll_interval_s=POLL_S
        )
        exchange = CcxtExchange(config, ApiCredentials(emu.api_key, emu.api_secret))
        await exchange.connect()
        wallet = exchange.wallet
        try:
            assert exchange.caps.balance_stream and wallet.streamed
            assert "watch_balance" in exchange.caps.streams_row()
            before = await exchange.balances()
            assert wallet.rest_reads == 1 and not wallet.live  # no push yet: REST
            await exchange.balances()
            assert wallet.rest_reads == 2 and wallet.saved == 0

            await asyncio.sleep(1.0)  # the streams are subscribed
            buy = OrderRequest("b-1", "BTCUSDT", Side.BUY, OrderType.MARKET, Decimal("0.001"))
            assert (await exchange.place_order(buy)).status is OrderStatus.NEW
            await emu.step(1)  # the market buy fills: the emulator pushes its wallet
            await _until(lambda: wallet.pushes >= 1, "a wallet push")
            await _until(lambda: exchange.tracker.changes >= 2, "the fill and its order")
            reads = wallet.rest_reads
            after = await exchange.balances()
            assert wallet.rest_reads == reads + 1  # the push and the fill: read again
            held = before["BTC"].total if "BTC" in before else Decimal(0)
            assert after["BTC"].total > held  # the bought coin, as REST has it now
            again = await exchange.balances()  # nothing pushed or done since
            assert again == after and wallet.rest_reads == reads + 1 and wallet.saved == 1

            pushes = wallet.pushes
            price = Decimal("10000")  # far below the market: rests, locks quote
            rest = OrderRequest("b-2", "BTCUSDT", Side.BUY, OrderType.LIMIT, Decimal("0.001"),
                                price)  # fmt: skip
            assert (await exchange.place_order(rest)).status is OrderStatus.NEW
            locked = await exchange.balances()  # a create was sent: REST at once
            assert wallet.rest_reads == reads + 2
            assert locked["USDT"].locked == after["USDT"].locked + Decimal("10")
            await _until(lambda: wallet.pushes > pushes, "the lock's wallet push")
            truth = await exchange.balances()  # the push moved the epoch: REST again
            assert wallet.rest_reads == reads + 3 and truth == locked
        finally:
            await exchange.close()
    assert emu.api_key  # the emulator ran with the keys used above


async def test_without_streams_every_call_reads_rest() -> None:
    async with running_emulator(load_bundled().head(300), speed=None, warmup=100) as emu:
        config = CcxtConfig(
            exchange="bybit", url=emu.rest_url, throttle=False, poll_interval_s=POLL_S,
            streams=False,
        )  # fmt: skip
        exchange = CcxtExchange(config, ApiCredentials(emu.api_key, emu.api_secret))
        await exchange.connect()
        wallet = exchange.wallet
        try:
            assert not wallet.streamed  # the REST class: no watch_balance task
            first = await exchange.balances()
            second = await exchange.balances()
            assert first == second and first["USDT"].free > 0
            assert wallet.rest_reads == 2 and wallet.saved == 0 and wallet.pushes == 0
        finally:
            await exchange.close()
