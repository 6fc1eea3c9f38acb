"""One linear rule everywhere: the emulator's linear category (over the wire) and the paper
venue's linear exchange, given the same candles and orders, hold the same position, margin,
liquidation price and wallet, pay the same funding and liquidate at the same price."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
from emulator_http import FixedClock, in_process

from traderagent.domain import Candle, OrderRequest, OrderType, Side
from traderagent.exchanges.emulator import EmulatorCore
from traderagent.exchanges.paper.linear import ConstantRate
from traderagent.exchanges.paper.linear.exchange import PaperLinearExchange
from traderagent.marketdata import CandleSeries

D = Decimal
HOUR = 3_600_000
MIDNIGHT = 1_677_628_800_000  # 2023-03-01 00:00 UTC, a funding mark
#         open    high    low     close  (hourly from 06:00)
BARS = [
    (20000, 20000, 20000, 20000),
    (20000, 20100, 19850, 19900),  # the buy at 19 900 rests: not through until the next bar
    (19900, 19950, 19800, 19850),  # fills the 19 900 buy; closes 08:00: funding
    (19850, 20300, 19850, 20250),  # fills the 20 200 reduce-only sell
    *[(20250, 20250, 20250, 20250)] * 7,  # closes 16:00: funding
    (20250, 20250, 17000, 17500),  # liquidates the rest
    (17500, 17500, 17500, 17500),
]
RATE = D("0.0001")


def series() -> CandleSeries:
    n = len(BARS)
    o, h, lo, c = (np.array([b[k] for b in BARS], dtype=float) for k in range(4))
    ts = np.arange(n, dtype=np.int64) * HOUR + MIDNIGHT + 6 * HOUR
    return CandleSeries("BTCUSDT", HOUR, ts, o, h, lo, c, np.ones(n))


def candles() -> list[Candle]:
    s = series()
    return [
        Candle("BTCUSDT", int(s.ts[i]), *(float(x) for x in BARS[i]), 1.0, HOUR)
        for i in range(len(BARS))
    ]


async def test_emulator_and_paper_settle_linear_the_same_way() -> None:
    core = EmulatorCore(
        [series()], balances={"USDT": D(5000)}, wall_ms=FixedClock(), funding_rate=RATE
    )
    client = in_process(core)
    inst = core.ledger.instruments("linear")["BTCUSDT"]
    bars = candles()
    now = [bars[0].close_time]
    paper = PaperLinearExchange(
        {"BTCUSDT": inst}, {"USDT": D(5000)}, now_ms=lambda: now[0], funding=ConstantRate(RATE)
    )
    paper.on_candle(bars[0])  # the emulator's warm-up step

    async def both(side: Side, qty: str, price: str | None, reduce_only: bool = False) -> None:
        body = {"category": "linear", "symbol": "BTCUSDT", "side": side.value, "qty": qty}
        body["orderType"] = "Market" if price is None else "Limit"
        if price is not None:
            body["price"] = price
        if reduce_only:
            body["reduceOnly"] = True
        assert (await client.create(**body))["retCode"] == 0
        kind = OrderType.MARKET if price is None else OrderType.LIMIT
        request = OrderRequest(
            f"p-{len(paper.book.open)}-{qty}-{price}", "BTCUSDT", side, kind, D(qty),
            None if price is None else D(price),
        )  # fmt: skip
        paper.place_order_sync(request, reduce_only)

    async def same() -> None:
        answer = await client.call(
            "GET", "/v5/position/list", {"category": "linear", "symbol": "BTCUSDT"}
        )
        wire = answer["result"]["list"][0]
        mine = paper.book.position("BTCUSDT")
        assert D(wire["size"]) == mine.size
        if mine.size:
            assert D(wire["avgPrice"]) == mine.avg_price
            assert D(wire["positionIM"]) == mine.margin.quantize(D("1e-8"))
            liq = paper.book.liquidation_price("BTCUSDT")
            assert liq is not None and D(wire["liqPrice"]) == inst.round_price(liq)
        emulated = core.ledger.wallet.snapshot()["USDT"]
        assert emulated == paper.balances_sync()["USDT"]

    await both(Side.BUY, "0.5", None)
    await both(Side.BUY, "0.2", "19900")
    await same()
    for bar in bars[1:3]:
        core.step(1)
        paper.on_candle(bar)
        await same()
    await both(Side.SELL, "0.3", "20200", reduce_only=True)
    for bar in bars[3:]:
        core.step(1)
        paper.on_candle(bar)
        await same()
    emulated_funding = [e.exec_fee for e in core.ledger.executions() if e.exec_type == "Funding"]
    assert emulated_funding == [c.fee for c in paper.funding_charges]
    assert len(emulated_funding) == 2
    busts = [e for e in core.ledger.executions() if e.exec_type == "BustTrade"]
    assert [(e.exec_price, e.exec_qty) for e in busts] == [
        (f.price, f.qty) for f in paper.book.liquidator.fills
    ]
    assert len(busts) == 1
    fills = await paper.fills_since("BTCUSDT", 0)
    assert [(f.side, f.price, f.qty) for f in fills] == [
        (Side.BUY, D("20000.00"), D("0.5")),
        (Side.BUY, D("19900"), D("0.2")),
        (Side.SELL, D("20200"), D("0.3")),
        (Side.SELL, busts[0].exec_price, D("0.4")),
    ]
