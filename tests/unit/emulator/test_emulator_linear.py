"""Linear (USDT perpetual, one-way): positions from fills, PnL, shorting, margin, reduce-only."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np
from emulator_http import FixedClock, SignedClient, in_process

from traderagent.domain import Side
from traderagent.exchanges.emulator import EmulatorCore
from traderagent.exchanges.emulator.linear import LinearPosition
from traderagent.marketdata import CandleSeries

D = Decimal


def path_series(closes: list[float]) -> CandleSeries:
    """One flat candle per close, so each step moves the last price to the next close."""
    n = len(closes)
    ts = np.arange(n, dtype=np.int64) * 60_000 + 1_677_628_800_000
    p = np.array(closes)
    return CandleSeries("BTCUSDT", 60_000, ts, p, p, p, p, np.ones(n))


def setup(closes: list[float], usdt: int = 10_000) -> tuple[EmulatorCore, SignedClient]:
    core = EmulatorCore([path_series(closes)], balances={"USDT": D(usdt)}, wall_ms=FixedClock())
    return core, in_process(core)


async def market(client: SignedClient, side: str, qty: str, **extra: Any) -> dict[str, Any]:
    return await client.create(
        category="linear", symbol="BTCUSDT", side=side, orderType="Market", qty=qty, **extra
    )


async def position(client: SignedClient) -> dict[str, Any]:
    answer = await client.call(
        "GET", "/v5/position/list", {"category": "linear", "symbol": "BTCUSDT"}
    )
    item: dict[str, Any] = answer["result"]["list"][0]
    return item


def test_position_trade_math() -> None:
    p = LinearPosition("BTCUSDT")
    assert p.trade(Side.BUY, D("0.02"), D("100")) == (D(0), D(0))
    assert p.trade(Side.BUY, D("0.02"), D("110")) == (D(0), D(0))
    assert (p.side, p.size, p.avg_price) == (Side.BUY, D("0.04"), D("105"))
    closed, pnl = p.trade(Side.SELL, D("0.05"), D("120"))  # closes 0.04, flips 0.01 short
    assert (closed, pnl) == (D("0.04"), D("0.60"))
    assert (p.side, p.size, p.avg_price) == (Side.SELL, D("0.01"), D("120"))
    assert p.unrealised(D("100")) == D("0.20")
    assert p.trade(Side.BUY, D("0.01"), D("130")) == (D("0.01"), D("-0.10"))
    assert (p.side, p.size, p.avg_price) == (None, D(0), D(0))


async def test_long_then_flip_short_with_realised_pnl_and_fees() -> None:
    core, client = setup([20000, 20000, 21000, 19000])
    assert (await market(client, "Buy", "0.1"))["retCode"] == 0
    opened = await position(client)
    assert (opened["side"], opened["size"], opened["avgPrice"]) == ("Buy", "0.1", "20000.00")
    assert opened["positionIM"] == "200.00000000"  # 2000 notional at the default 10x
    core.step(1)
    core.step(1)  # last price 21000
    assert (await position(client))["unrealisedPnl"] == "100.00000000"
    assert (await market(client, "Sell", "0.3"))["retCode"] == 0
    short = await position(client)
    assert (short["side"], short["size"], short["avgPrice"]) == ("Sell", "0.2", "21000.00")
    fees = sum((e.exec_fee for e in core.ledger.executions()), D(0))
    assert fees == D("0.1") * 20000 * D("0.00055") + D("0.3") * 21000 * D("0.00055")
    assert D(short["cumRealisedPnl"]) == D(100) - fees
    closing = core.ledger.executions()[-1]
    assert (closing.closed_size, closing.exec_pnl) == (D("0.1"), D(100))
    wallet = await client.call("GET", "/v5/account/wallet-balance", {"accountType": "UNIFIED"})
    (usdt,) = wallet["result"]["list"][0]["coin"]
    assert D(usdt["walletBalance"]) == D(10_000) + D(100) - fees
    assert usdt["totalPositionIM"] == "420.00000000"
    core.step(1)  # 19000: the short gains 400
    assert (await position(client))["unrealisedPnl"] == "400.00000000"


async def test_margin_check_refuses_what_the_wallet_cannot_carry() -> None:
    core, client = setup([20000, 20000], usdt=1000)
    too_big = await market(client, "Buy", "0.5")  # 10,000 notional needs 1,000 + fees at 10x
    assert too_big["retCode"] == 110007
    lever = {"category": "linear", "symbol": "BTCUSDT", "buyLeverage": "20", "sellLeverage": "20"}
    assert (await client.call("POST", "/v5/position/set-leverage", lever))["retCode"] == 0
    assert (await market(client, "Buy", "0.5"))["retCode"] == 0
    held = await position(client)
    assert (held["leverage"], held["positionIM"]) == ("20", "500.00000000")


async def test_reduce_only_is_clamped_to_the_position_and_refused_when_flat() -> None:
    core, client = setup([20000, 20000])
    flat = await market(client, "Sell", "0.1", reduceOnly=True)
    assert flat["retCode"] == 110017
    await market(client, "Buy", "0.1")
    assert (await market(client, "Sell", "0.5", reduceOnly=True))["retCode"] == 0
    assert (await position(client))["size"] == "0"
    last = core.ledger.orders()[-1]
    assert (last.qty, last.reduce_only, last.status) == (D("0.1"), True, "Filled")


async def test_a_resting_linear_limit_fills_on_a_later_candle_and_releases_its_margin() -> None:
    core, client = setup([20000, 20000, 19900, 19800])
    body = {
        "category": "linear",
        "symbol": "BTCUSDT",
        "side": "Buy",
        "orderType": "Limit",
        "qty": "0.1",
        "price": "19950",
        "orderLinkId": "dip",
    }
    assert (await client.create(**body))["retCode"] == 0
    assert core.ledger.linear.order_margin() > 0
    core.step(1)
    assert core.ledger.orders()[0].status == "New"
    core.step(1)  # 19900 goes through 19950
    record = core.ledger.orders()[0]
    assert (record.status, record.avg_price) == ("Filled", D("19950"))
    assert core.ledger.executions()[0].is_maker is True
    assert core.ledger.linear.order_margin() == 0
    assert (await position(client))["avgPrice"] == "19950"


async def test_liquidation_follows_the_shared_model_on_the_wire() -> None:
    """10x long 0.5 @ 20 000 (MMR 0.5 %): liq 20 000 - (1 000 - 50) / 0.5 = 18 100, bust
    18 000. A candle at 18 000 liquidates it: a BustTrade execution at 18 000 realising -1 000,
    the position flat, the wallet 10 000 - 5.5 (entry fee) - 1 000 = 8 994.5."""
    core, client = setup([20000, 20000, 18500, 18000])
    assert (await market(client, "Buy", "0.5"))["retCode"] == 0
    held = await position(client)
    assert (held["liqPrice"], held["bustPrice"], held["positionMM"]) == (
        "18100.00",
        "18000.00",
        "50.00000000",
    )
    core.step(1)
    core.step(1)  # 18 500: above the liquidation price
    assert (await position(client))["size"] == "0.5"
    core.step(1)  # 18 000: liquidated
    assert (await position(client))["size"] == "0"
    query = {"category": "linear", "symbol": "BTCUSDT", "execType": "BustTrade"}
    (bust,) = (await client.call("GET", "/v5/execution/list", query))["result"]["list"]
    assert (bust["execPrice"], bust["execQty"], bust["side"]) == ("18000.00", "0.5", "Sell")
    assert core.ledger.executions()[-1].exec_pnl == D(-1000)
    wallet = await client.call("GET", "/v5/account/wallet-balance", {"accountType": "UNIFIED"})
    (usdt,) = wallet["result"]["list"][0]["coin"]
    assert D(usdt["walletBalance"]) == D("8994.5")
    assert core.ledger.linear.liquidator.count == 1
