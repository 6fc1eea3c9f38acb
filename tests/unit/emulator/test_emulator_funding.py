"""Funding executions every 8 h on linear positions, and replay time laid onto the wall clock."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
from emulator_http import FixedClock, in_process

from traderagent.exchanges.emulator import EmulatorCore
from traderagent.exchanges.paper.linear import RateSeries
from traderagent.marketdata import CandleSeries

HOUR = 3_600_000
MIDNIGHT = 1_677_628_800_000  # 2023-03-01 00:00 UTC, a funding mark


def hourly(n: int, price: float = 23000.0) -> CandleSeries:
    ts = np.arange(n, dtype=np.int64) * HOUR + MIDNIGHT
    p = np.full(n, price)
    return CandleSeries("BTCUSDT", HOUR, ts, p, p, p, p, np.ones(n))


async def test_a_long_pays_funding_at_the_8h_mark_as_an_execution() -> None:
    core = EmulatorCore([hourly(12)], wall_ms=FixedClock(), funding_rate=Decimal("0.0001"))
    client = in_process(core)
    body = {"category": "linear", "symbol": "BTCUSDT", "side": "Buy", "orderType": "Market"}
    assert (await client.create(**body, qty="0.1"))["retCode"] == 0
    core.step(6)  # to 07:00: no mark crossed since the order
    query = {"category": "linear", "symbol": "BTCUSDT", "execType": "Funding"}
    assert (await client.call("GET", "/v5/execution/list", query))["result"]["list"] == []
    before = core.ledger.wallet.free("USDT") + core.ledger.wallet.locked("USDT")
    core.step(1)  # the candle closing at 08:00
    (funding,) = (await client.call("GET", "/v5/execution/list", query))["result"]["list"]
    assert funding["execType"] == "Funding" and funding["execTime"] == str(MIDNIGHT + 8 * HOUR)
    assert (funding["execFee"], funding["feeRate"], funding["side"]) == ("0.23", "0.0001", "Buy")
    after = core.ledger.wallet.free("USDT") + core.ledger.wallet.locked("USDT")
    assert before - after == Decimal("0.23")
    trades = await client.call("GET", "/v5/execution/list", {**query, "execType": "Trade"})
    assert [e["execType"] for e in trades["result"]["list"]] == ["Trade"]


async def test_no_funding_when_the_rate_is_zero_or_flat() -> None:
    core = EmulatorCore([hourly(12)], wall_ms=FixedClock(), funding_rate=Decimal(0))
    client = in_process(core)
    body = {"category": "linear", "symbol": "BTCUSDT", "side": "Buy", "orderType": "Market"}
    await client.create(**body, qty="0.1")
    core.step(10)
    assert [e.exec_type for e in core.ledger.executions()] == ["Trade"]
    flat = EmulatorCore([hourly(12)], wall_ms=FixedClock())
    flat.step(10)
    assert flat.ledger.executions() == []


async def test_align_to_wall_puts_the_replay_now_at_the_wall_clock() -> None:
    wall = FixedClock(1_800_000_123_456)
    core = EmulatorCore([hourly(48)], wall_ms=wall, warmup=24, align_to_wall=True)
    assert wall.now - HOUR < core.now_ms() <= wall.now
    client = in_process(core)
    since = wall.now - 3 * HOUR
    query = {"category": "linear", "symbol": "BTCUSDT", "interval": "60", "start": str(since)}
    rows = (await client.call("GET", "/v5/market/kline", query))["result"]["list"]
    assert len(rows) == 2 and all(int(r[0]) >= since for r in rows)
    unaligned = EmulatorCore([hourly(48)], wall_ms=wall, warmup=24)
    assert unaligned.now_ms() == MIDNIGHT + 24 * HOUR


async def test_funding_rates_from_a_series_price_each_mark_and_a_missing_one_is_counted() -> None:
    """Rates known from 16:00 on (0.02 %): the 08:00 mark has none (skipped, counted); at 16:00
    the long of 0.1 @ 23 000 pays 0.1 x 23 000 x 0.0002 = 0.46."""
    rates = RateSeries({"BTCUSDT": [(MIDNIGHT + 16 * HOUR, Decimal("0.0002"))]})
    core = EmulatorCore([hourly(18)], wall_ms=FixedClock(), funding_rates=rates)
    client = in_process(core)
    body = {"category": "linear", "symbol": "BTCUSDT", "side": "Buy", "orderType": "Market"}
    assert (await client.create(**body, qty="0.1"))["retCode"] == 0
    core.step(16)  # to 17:00: the 08:00 and 16:00 marks
    assert core.funding_skipped == 1
    funding = [e for e in core.ledger.executions() if e.exec_type == "Funding"]
    assert [(e.exec_time, e.exec_fee, e.fee_rate) for e in funding] == [
        (MIDNIGHT + 16 * HOUR, Decimal("0.46"), Decimal("0.0002"))
    ]
