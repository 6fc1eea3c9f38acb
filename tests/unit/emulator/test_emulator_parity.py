"""One matching engine, two front doors: the emulator fills exactly as the paper exchange."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
from emulator_http import FixedClock, bundled_head, in_process

from traderagent.domain import Fill, Liquidity, OrderRequest, OrderType, Side
from traderagent.exchanges.emulator import EmulatorCore
from traderagent.exchanges.paper import DEFAULT_INSTRUMENTS, PaperExchange
from traderagent.exchanges.ports import ExchangeUpdate
from traderagent.marketdata import CandleSeries

STEPS, EVERY = 1200, 150
BALANCES = {"USDT": Decimal(100_000), "BTC": Decimal(2)}
TICK = Decimal("0.1")  # on both the spot (0.01) and the linear (0.10) tick
OFFSETS = (-40, -25, -10, 10, 25, 40)  # dollars from the last close


def candles() -> CandleSeries:
    """The bundled head on the 0.1 grid: each venue reads candle prices on its own tick, so
    the spot (0.01) and linear (0.10) venues walk one path only on data on both ticks."""
    s = bundled_head(STEPS)
    o, h, lo, c = (np.round(a, 1) for a in (s.open, s.high, s.low, s.close))
    return CandleSeries(s.symbol, s.interval_ms, s.ts, o, h, lo, c, s.volume)


def grid(last: float, round_no: int) -> list[tuple[str, Side, Decimal, Decimal]]:
    """(link id, side, qty, price) of one round of resting orders around `last`."""
    base = Decimal(repr(last)).quantize(TICK)
    orders = []
    for k, offset in enumerate(OFFSETS):
        side = Side.BUY if offset < 0 else Side.SELL
        orders.append((f"r{round_no}-{k}", side, Decimal("0.002"), base + offset))
    return orders


def paper_fills() -> list[tuple[object, ...]]:
    now = [0]
    paper = PaperExchange(DEFAULT_INSTRUMENTS, BALANCES, now_ms=lambda: now[0])
    updates: list[ExchangeUpdate] = []
    paper.set_listener(updates.append)
    for i, candle in enumerate(candles()):
        paper.on_candle(candle)
        now[0] = candle.close_time
        if (i + 1) % EVERY == 1:
            paper.cancel_all_sync("BTCUSDT")
            for link, side, qty, price in grid(candle.close, i):
                paper.place_order_sync(
                    OrderRequest(link, "BTCUSDT", side, OrderType.LIMIT, qty, price)
                )
            market = OrderRequest(f"m{i}", "BTCUSDT", Side.BUY, OrderType.MARKET, Decimal("0.001"))
            paper.place_order_sync(market)
    fills = [u for u in updates if isinstance(u, Fill)]
    return [
        (
            f.client_order_id,
            f.side.value,
            f.price,
            f.qty,
            f.fee,
            f.ts,
            f.liquidity is Liquidity.MAKER,
        )
        for f in fills
    ]


async def emulator_fills(category: str) -> list[tuple[object, ...]]:
    budgets = {"/v5/order/create": 10_000, "/v5/order/cancel-all": 10_000}
    core = EmulatorCore([candles()], balances=BALANCES, wall_ms=FixedClock(), rate_limits=budgets)
    client = in_process(core)
    for i in range(STEPS):
        if i:
            core.step(1)
        if (i + 1) % EVERY == 1:
            cancel = await client.call(
                "POST", "/v5/order/cancel-all", {"category": category, "symbol": "BTCUSDT"}
            )
            assert cancel["retCode"] == 0
            last = float(core.replay.closed("BTCUSDT").close[-1])
            for link, side, qty, price in grid(last, i):
                answer = await client.create(
                    category=f"{category}",
                    symbol="BTCUSDT",
                    side=side.value,
                    orderType="Limit",
                    qty=str(qty),
                    price=str(price),
                    orderLinkId=link,
                )
                assert answer["retCode"] == 0, answer
            unit = {"marketUnit": "baseCoin"} if category == "spot" else {}
            market = await client.create(
                category=category,
                symbol="BTCUSDT",
                side="Buy",
                orderType="Market",
                qty="0.001",
                orderLinkId=f"m{i}",
                **unit,
            )
            assert market["retCode"] == 0, market
    return [
        (
            e.order_link_id,
            e.side.value,
            e.exec_price,
            e.exec_qty,
            e.exec_fee,
            e.exec_time,
            e.is_maker,
        )
        for e in core.ledger.executions()
    ]


async def test_spot_fills_equal_the_paper_exchange_fills() -> None:
    expected = paper_fills()
    assert len(expected) > 20  # the scenario really trades, on both sides
    assert {f[1] for f in expected} == {"Buy", "Sell"}
    assert await emulator_fills("spot") == expected


async def test_linear_fills_at_the_same_prices_and_times() -> None:
    expected = [(link, side, qty, ts, maker) for link, side, _, qty, _, ts, maker in paper_fills()]
    linear = await emulator_fills("linear")
    got = [(link, side, qty, ts, maker) for link, side, _, qty, _, ts, maker in linear]
    assert got == expected
    limit_prices = {f[0]: f[2] for f in paper_fills() if f[6]}  # maker fills: the limit price
    assert all(f[2] == limit_prices[f[0]] for f in linear if f[6])
