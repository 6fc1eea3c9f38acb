"""`position/closed-pnl` and `account/transaction-log`: derived from the executions, exact."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np
from emulator_http import FixedClock, in_process

from traderagent.exchanges.emulator import EmulatorCore
from traderagent.marketdata import CandleSeries

HOUR = 3_600_000
MIDNIGHT = 1_677_628_800_000  # 2023-03-01 00:00 UTC, a funding mark
LINEAR = {"category": "linear", "symbol": "BTCUSDT"}


def hourly(prices: list[float]) -> CandleSeries:
    ts = np.arange(len(prices), dtype=np.int64) * HOUR + MIDNIGHT
    p = np.array(prices, dtype=float)
    return CandleSeries("BTCUSDT", HOUR, ts, p, p, p, p, np.ones(len(prices)))


async def round_trip(rate: str) -> tuple[EmulatorCore, Any]:
    """Long 0.1 at 23000, held over the 08:00 funding mark, closed at 23100 in two orders."""
    prices = [23000.0] * 9 + [23100.0] * 4
    core = EmulatorCore([hourly(prices)], wall_ms=FixedClock(), funding_rate=Decimal(rate))
    client = in_process(core)
    market = {**LINEAR, "orderType": "Market"}
    assert (await client.create(**market, side="Buy", qty="0.1"))["retCode"] == 0
    core.step(9)  # past 08:00 (funding) to 23100
    for qty in ("0.04", "0.06"):
        assert (await client.create(**market, side="Sell", qty=qty))["retCode"] == 0
    core.step(1)
    return core, client


async def test_closed_pnl_has_one_record_per_closing_order_with_both_fees() -> None:
    core, client = await round_trip("0.0001")
    reply = await client.call("GET", "/v5/position/closed-pnl", {"category": "linear"})
    records = reply["result"]["list"]
    assert [r["closedSize"] for r in records] == ["0.06", "0.04"]  # newest first
    first = records[1]
    assert (first["side"], first["avgEntryPrice"], first["avgExitPrice"]) == (
        "Sell", "23000", "23100",
    )  # fmt: skip
    # 0.04 x 100 gross; close fee 0.04 x 23100 x 0.00055; open fee 0.4 of 0.1 x 23000 x 0.00055
    assert Decimal(first["closeFee"]) == Decimal("0.5082")
    assert Decimal(first["openFee"]) == Decimal("0.506")
    assert Decimal(first["closedPnl"]) == Decimal(4) - Decimal("0.5082") - Decimal("0.506")
    assert Decimal(first["cumEntryValue"]) == Decimal(920)
    total = sum(Decimal(r["closedPnl"]) for r in records)
    gross, fees = Decimal(10), Decimal("0.1") * (23000 + 23100) * Decimal("0.00055")
    assert total == gross - fees  # funding is not closed PnL
    assert first["fillCount"] == "1" and first["leverage"] == "10"


async def test_transaction_log_books_trades_and_funding_and_ends_at_the_wallet() -> None:
    core, client = await round_trip("0.0001")
    query = {"accountType": "UNIFIED", "currency": "USDT", "startTime": str(MIDNIGHT)}
    entries = (await client.call("GET", "/v5/account/transaction-log", query))["result"]["list"]
    assert [e["type"] for e in entries] == ["TRADE", "TRADE", "SETTLEMENT", "TRADE"]
    settlement = entries[2]
    # a long pays 0.1 x 23000 x 0.0001 at 08:00
    assert (settlement["funding"], settlement["change"], settlement["fee"]) == (
        "-0.23", "-0.23", "0",
    )  # fmt: skip
    assert settlement["transactionTime"] == str(MIDNIGHT + 8 * HOUR)
    for entry in entries:
        flow, funding = Decimal(entry["cashFlow"]), Decimal(entry["funding"] or 0)
        assert Decimal(entry["change"]) == flow + funding - Decimal(entry["fee"])
    for newer, older in zip(entries, entries[1:], strict=False):
        assert Decimal(newer["cashBalance"]) == Decimal(older["cashBalance"]) + Decimal(
            newer["change"]
        )
    wallet = core.ledger.wallet.free("USDT") + core.ledger.wallet.locked("USDT")
    assert Decimal(entries[0]["cashBalance"]) == wallet
    funding_only = {**query, "type": "SETTLEMENT"}
    found = (await client.call("GET", "/v5/account/transaction-log", funding_only))["result"]
    assert [e["type"] for e in found["list"]] == ["SETTLEMENT"]


async def test_history_reads_refuse_what_bybit_refuses() -> None:
    core, client = await round_trip("0")
    spot = await client.call("GET", "/v5/position/closed-pnl", {"category": "spot"})
    bad_account = {"accountType": "CONTRACT"}
    log = await client.call("GET", "/v5/account/transaction-log", bad_account)
    assert spot["retCode"] == log["retCode"] == 10001
    day = await client.call("GET", "/v5/account/transaction-log", {})
    assert len(day["result"]["list"]) == 3  # the last 24 h by default; no funding at rate 0
