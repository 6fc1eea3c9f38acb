"""A position's protective exits held by the venue (a reduce-only stop order and take-profit
limit) follow one rule on the linear paper venue and on the emulator, which settle through
the same model: the stop fills at its trigger (at the open on a gap), the take profit at its
price, and whichever is left once the position is gone is cancelled, never opening the other
side. Figures by hand: long 0.5 at 20 000, stop 19 000, take profit 21 000."""

from __future__ import annotations

from decimal import Decimal

import pytest
from emulator_http import FixedClock, in_process
from test_emulator_linear import path_series

from traderagent.domain import Candle, Instrument, OrderRequest, OrderType, Side
from traderagent.exchanges.emulator import EmulatorCore
from traderagent.exchanges.paper.linear.exchange import PaperLinearExchange

D = Decimal
BTC = Instrument("BTCUSDT", "BTC", "USDT", D("0.1"), D("0.001"), D("0.001"), D("5"))
T0 = 1_677_628_800_000
PATHS = {
    "take profit, then the stop is left": [20000, 21200, 18500],
    "stop through a gap, the take profit is left": [20000, 18800, 21500],
    "a touch of the take profit fills nothing (pessimistic)": [20000, 21000, 18500],
}
EXPECTED = {  # (the exit that filled, its price)
    "take profit, then the stop is left": ("tp", D(21000)),
    "stop through a gap, the take profit is left": ("stop", D(18800)),
    "a touch of the take profit fills nothing (pessimistic)": ("stop", D(18500)),
}


async def on_paper(closes: list[int]) -> tuple[list[tuple[str, Decimal]], Decimal]:
    clock = [T0]
    venue = PaperLinearExchange(
        {"BTCUSDT": BTC}, {"USDT": D(10000)}, now_ms=lambda: clock[0], long_only=False,
        leverage={"BTCUSDT": D(10)},
    )  # fmt: skip
    venue.on_candle(Candle("BTCUSDT", T0, 20000, 20000, 20000, 20000, 1.0))
    entry = OrderRequest("entry", "BTCUSDT", Side.BUY, OrderType.MARKET, D("0.5"))
    await venue.place_order(entry)
    exits = (("stop", OrderType.STOP_MARKET, 19000), ("tp", OrderType.LIMIT, 21000))
    for cid, kind, price in exits:
        exit_ = OrderRequest(cid, "BTCUSDT", Side.SELL, kind, D("0.5"), D(price), reduce_only=True)
        await venue.place_order(exit_)
    for i, close in enumerate(closes[1:], start=1):
        clock[0] = T0 + i * 60_000
        venue.on_candle(Candle("BTCUSDT", clock[0], close, close, close, close, 1.0))
    fills = [(f.client_order_id, f.price) for f in await venue.fills_since("BTCUSDT", 0)]
    size = venue.book.position("BTCUSDT").size
    return [f for f in fills if f[0] != "entry"], size


async def on_emulator(closes: list[int]) -> tuple[list[tuple[str, Decimal]], Decimal]:
    core = EmulatorCore([path_series([closes[0], *closes])], balances={"USDT": D(10000)},
                        wall_ms=FixedClock())  # fmt: skip
    client = in_process(core)
    common = {"category": "linear", "symbol": "BTCUSDT", "qty": "0.5"}
    entry = await client.create(**common, side="Buy", orderType="Market", orderLinkId="entry")
    assert entry["retCode"] == 0
    sell = {**common, "side": "Sell", "reduceOnly": True}
    stop = await client.create(
        **sell, orderType="Market", orderLinkId="stop", triggerPrice="19000", triggerDirection=2
    )
    tp = await client.create(**sell, orderType="Limit", price="21000", orderLinkId="tp")
    assert stop["retCode"] == tp["retCode"] == 0
    core.step(len(closes))
    fills = [
        (e.order_link_id, e.exec_price)
        for e in core.ledger.executions()
        if e.order_link_id != "entry" and e.exec_type == "Trade"
    ]
    return fills, core.ledger.linear.position("BTCUSDT").size


@pytest.mark.parametrize("path", list(PATHS))
async def test_held_exits_fill_and_cancel_alike_on_paper_and_the_emulator(path: str) -> None:
    closes = PATHS[path]
    paper = await on_paper(closes)
    emulator = await on_emulator(closes)
    assert paper == emulator == ([EXPECTED[path]], D(0))  # one exit, flat, no short opened
