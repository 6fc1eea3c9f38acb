"""`EmulatorCore.walk_step`: a candle closed as `step` closes it, pausing after each linear fill,
so a cancel sent at a pause (over the wire) applies from that point of the candle's path on."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
from emulator_http import FixedClock, SignedClient, in_process

from traderagent.exchanges.emulator import EmulatorCore
from traderagent.marketdata import CandleSeries

D = Decimal


def wide_candle() -> CandleSeries:
    """A flat candle at 20 000 (the warm-up), then open 20 000, low 19 700, high 20 300."""
    ts = np.arange(2, dtype=np.int64) * 60_000 + 1_677_628_800_000
    o, c = np.array([20000.0, 20000.0]), np.array([20000.0, 20000.0])
    h, lo = np.array([20000.0, 20300.0]), np.array([20000.0, 19700.0])
    return CandleSeries("BTCUSDT", 60_000, ts, o, h, lo, c, np.ones(2))


async def resting_pair() -> tuple[EmulatorCore, SignedClient]:
    """A buy at 19 800 and a sell at 20 200: the low fills the buy first (a resting buy the
    low crosses makes the pessimistic path go low first), then the high the sell."""
    core = EmulatorCore([wide_candle()], balances={"USDT": D(10_000)}, wall_ms=FixedClock())
    client = in_process(core)
    for side, price in (("Buy", "19800"), ("Sell", "20200")):
        answer = await client.create(
            category="linear", symbol="BTCUSDT", side=side, orderType="Limit", qty="0.01",
            price=price, orderLinkId=side.lower(),
        )  # fmt: skip
        assert answer["retCode"] == 0, answer
    return core, client


def filled(core: EmulatorCore) -> list[tuple[str, Decimal]]:
    return [(e.order_link_id, e.exec_price) for e in core.ledger.executions()]


async def test_a_cancel_at_a_pause_keeps_the_rest_of_the_candle_from_filling_it() -> None:
    core, client = await resting_pair()
    walk = core.walk_step()
    next(walk)  # paused after the first fill: the buy, at the low
    assert filled(core) == [("buy", D("19800"))]
    answer = await client.call(
        "POST",
        "/v5/order/cancel",
        {"category": "linear", "symbol": "BTCUSDT", "orderLinkId": "sell"},
    )
    assert answer["retCode"] == 0, answer
    assert list(walk) == []  # no other fill: the walk ends
    assert filled(core) == [("buy", D("19800"))]
    assert core.replay.finished and core.now_ms() == 1_677_628_800_000 + 2 * 60_000
    assert core.ledger.linear.position("BTCUSDT").size == D("0.01")


async def test_without_a_cancel_the_walk_fills_as_step_does() -> None:
    walked, _ = await resting_pair()
    pauses = sum(1 for _ in walked.walk_step())
    stepped, _ = await resting_pair()
    assert stepped.step(1) == 1
    assert pauses == 2
    assert filled(walked) == filled(stepped) == [("buy", D("19800")), ("sell", D("20200"))]
    assert list(walked.walk_step()) == [] and walked.step(1) == 0  # the replay has ended
