"""A restarted ccxt venue hears about the orders it adopted: a new client (the old one gone,
as after a crash) lists the open orders, places nothing, and still delivers the fill and the
final state of an adopted order once, through its poll."""

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


async def test_an_adopted_order_fills_through_the_new_clients_poll() -> None:
    async with running_emulator(contract_series(), speed=None, balances={"USDT": 10_000}) as emu:
        config = CcxtConfig(
            exchange="bybit", url=emu.rest_url, streams=False, throttle=False, poll_interval_s=60
        )
        keys = ApiCredentials(emu.api_key, emu.api_secret)
        first = CcxtExchange(config, keys)
        await first.connect()
        inst = await first.instrument(SYMBOL)
        price = inst.round_price(Decimal(repr(closes()[0])) * Decimal("0.997"), Side.BUY)
        request = OrderRequest("keep-1", SYMBOL, Side.BUY, OrderType.LIMIT, Decimal("0.01"), price)
        await first.place_order(request)
        await first.close()  # the process is gone; its order rests on the exchange

        second = CcxtExchange(config, keys)
        updates: list[ExchangeUpdate] = []
        second.set_listener(updates.append)
        await second.connect()
        try:
            adopted = await second.open_orders(SYMBOL)
            assert [o.client_order_id for o in adopted] == ["keep-1"]
            for _ in range(30):
                await emu.step(1)
                await second.catch_up()
                if any(isinstance(u, Order) and u.status is OrderStatus.FILLED for u in updates):
                    break
            await second.catch_up()
        finally:
            await second.close()
    fills = [u for u in updates if isinstance(u, Fill)]
    orders = [u for u in updates if isinstance(u, Order)]
    assert [f.client_order_id for f in fills] == ["keep-1"] and fills[0].qty == Decimal("0.01")
    assert [(o.client_order_id, o.status) for o in orders] == [("keep-1", OrderStatus.FILLED)]
