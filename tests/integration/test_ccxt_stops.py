"""A stop order through the ccxt venue (ccxt's `bybit` class, `triggerPrice`) against the
emulator: it rests untriggered, is listed as a stop at its trigger price, and becomes a market
sell when the market falls to it: one fill, one final state, both through the listener."""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

from traderagent.domain import Fill, Order, OrderRequest, OrderStatus, OrderType, Side
from traderagent.exchanges.bybit import ApiCredentials
from traderagent.exchanges.ccxt import CcxtConfig, CcxtExchange
from traderagent.exchanges.emulator import running_emulator
from traderagent.exchanges.ports import ExchangeUpdate

sys.path.insert(0, str(Path(__file__).parents[1] / "contract"))
from contract_market import SYMBOL, closes, contract_series  # noqa: E402


async def test_a_stop_sell_rests_then_fills_when_the_market_falls_to_it() -> None:
    balances = {"USDT": 10_000, "BTC": 1}
    async with running_emulator(contract_series(), speed=None, balances=balances) as emu:
        config = CcxtConfig(exchange="bybit", url=emu.rest_url, streams=False, throttle=False)
        exchange = CcxtExchange(config, ApiCredentials(emu.api_key, emu.api_secret))
        updates: list[ExchangeUpdate] = []
        exchange.set_listener(updates.append)
        await exchange.connect()
        try:
            assert exchange.caps.stop_orders
            inst = await exchange.instrument(SYMBOL)
            trigger = inst.round_price(Decimal(repr(closes()[0])) * Decimal("0.995"), Side.SELL)
            request = OrderRequest(
                "stop-1", SYMBOL, Side.SELL, OrderType.STOP_MARKET, Decimal("0.01"), trigger
            )
            ack = await exchange.place_order(request)
            assert ack.status is OrderStatus.NEW
            (resting,) = await exchange.open_orders(SYMBOL)
            assert (resting.type, resting.price) == (OrderType.STOP_MARKET, trigger)
            for _ in range(20):
                await emu.step(1)
                await exchange.catch_up()
        finally:
            await exchange.close()
    (fill,) = [u for u in updates if isinstance(u, Fill)]
    (final,) = [u for u in updates if isinstance(u, Order)]
    assert (fill.side, fill.qty) == (Side.SELL, Decimal("0.01")) and fill.price <= trigger
    assert (final.status, final.type) == (OrderStatus.FILLED, OrderType.STOP_MARKET)
