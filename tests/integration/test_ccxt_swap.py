"""Linear swaps through the ccxt venue (`market: swap`): ccxt's `bybit` class against the
emulator's USDT perpetual. The contract's rules come from its market (tick 0.1, lot 0.001),
a market buy fills with its fee in USDT, and the position is the exchange's, signed."""

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
from contract_market import SYMBOL, contract_series  # noqa: E402


async def test_a_linear_swap_trades_and_reports_its_position() -> None:
    async with running_emulator(contract_series(), speed=None, balances={"USDT": 10_000}) as emu:
        config = CcxtConfig(
            exchange="bybit", market="swap", url=emu.rest_url, streams=False, throttle=False
        )
        exchange = CcxtExchange(config, ApiCredentials(emu.api_key, emu.api_secret))
        updates: list[ExchangeUpdate] = []
        exchange.set_listener(updates.append)
        await exchange.connect()
        try:
            inst = await exchange.instrument(SYMBOL)
            assert (inst.tick_size, inst.lot_size) == (Decimal("0.1"), Decimal("0.001"))
            assert exchange.fee_reserve() > 0  # a linear buy's fee is in the quote coin
            buy = OrderRequest("p-1", SYMBOL, Side.BUY, OrderType.MARKET, Decimal("0.01"))
            assert (await exchange.place_order(buy)).status is OrderStatus.NEW
            for _ in range(2):
                await emu.step(1)
                await exchange.catch_up()
            (held,) = await exchange.positions(SYMBOL)
        finally:
            await exchange.close()
    (fill,) = [u for u in updates if isinstance(u, Fill)]
    (final,) = [u for u in updates if isinstance(u, Order)]
    assert (fill.qty, fill.fee_asset, final.status) == (
        Decimal("0.01"),
        "USDT",
        OrderStatus.FILLED,
    )
    assert (held.symbol, held.qty) == (SYMBOL, Decimal("0.01"))
