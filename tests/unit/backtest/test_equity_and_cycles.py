"""The equity curve from fills and closes, and grid cycles, by hand and against the engine."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import numpy as np
import pytest

from traderagent.backtest import runner
from traderagent.backtest.equity import equity_curve
from traderagent.backtest.trades import grid_cycles
from traderagent.config import load_config
from traderagent.domain import Fill, Liquidity, Order, OrderStatus, OrderType, Side
from traderagent.domain.events import EquityUpdated
from traderagent.marketdata import CandleSeries

MIN = 60_000


def candles(closes: list[float]) -> CandleSeries:
    n = len(closes)
    c = np.array(closes)
    return CandleSeries("BTCUSDT", MIN, np.arange(n, dtype=np.int64) * MIN, c, c + 5, c - 5, c, c)


def fill(cid: str, side: Side, price: str, ts: int, *, tag: str = "", qty: str = "1") -> Fill:
    return Fill(
        fill_id=f"f-{cid}-{ts}",
        client_order_id=cid,
        symbol="BTCUSDT",
        side=side,
        price=Decimal(price),
        qty=Decimal(qty),
        fee=Decimal("0.5"),
        fee_asset="USDT",
        liquidity=Liquidity.MAKER,
        ts=ts,
        bot="grid",
        tag=tag,
    )


def test_each_fill_counts_from_the_step_that_made_it() -> None:
    series = candles([100.0, 104.0, 96.0, 99.0])
    fills = [
        fill("m1", Side.BUY, "104", 2 * MIN),  # market at candle 1's close: candle 1
        fill("l2", Side.BUY, "97", 2 * MIN),  # resting, at candle 2's open: candle 2
        fill("l3", Side.SELL, "101", 3 * MIN + MIN // 3),  # inside candle 3
    ]
    curve = equity_curve(
        series,
        fills,
        balances={"USDT": Decimal(1000)},
        base="BTC",
        quote="USDT",
        market_orders={"m1": 2 * MIN},
    )
    assert curve.fill_candles.tolist() == [1, 2, 3]
    # candle 1: 1000 - 104.5 cash, 1 BTC at 104 -> 999.5
    # candle 2: 895.5 - 97.5 = 798 cash, 2 BTC at 96 -> 990
    # candle 3: 798 + 100.5 = 898.5 cash, 1 BTC at 99 -> 997.5
    assert curve.values.tolist() == [1000.0, 999.5, 990.0, 997.5]
    assert (curve.starting, curve.final) == (Decimal(1000), Decimal("997.5"))


def test_a_market_order_sent_inside_a_walk_counts_from_that_candle_even_at_its_open() -> None:
    series = candles([100.0, 104.0, 96.0, 99.0])
    # sold at market at candle 2's first path point (a stop's gap): its time is candle 1's
    # close, but candle 2's step sent it (its engine time is candle 2's close)
    fills = [fill("m2", Side.SELL, "97", 2 * MIN)]
    curve = equity_curve(
        series,
        fills,
        balances={"USDT": Decimal(0), "BTC": Decimal(1)},
        base="BTC",
        quote="USDT",
        market_orders={"m2": 3 * MIN},
    )
    assert curve.fill_candles.tolist() == [2]
    assert curve.values.tolist()[:2] == [100.0, 104.0]  # still held through candle 1


def test_a_cycle_is_a_complete_buy_then_its_slots_complete_sell() -> None:
    def order(cid: str, side: Side, qty: str) -> Order:
        return Order(cid, "BTCUSDT", side, OrderType.LIMIT, Decimal(qty), Decimal(1),
                     OrderStatus.FILLED, 0, 0, bot="grid")  # fmt: skip

    orders = {
        "b": order("b", Side.BUY, "2"),
        "s": order("s", Side.SELL, "2"),
        "s0": order("s0", Side.SELL, "1"),
        "b2": order("b2", Side.BUY, "1"),
    }
    fills = [
        fill("s0", Side.SELL, "110", 1, tag="s0"),  # a seed slot's sell: no buy before it
        fill("b", Side.BUY, "100", 2, tag="b3", qty="1"),  # half of the buy
        fill("b", Side.BUY, "100", 3, tag="b3", qty="1"),  # complete
        fill("s", Side.SELL, "101", 4, tag="s3", qty="2"),  # complete: one cycle
        fill("b2", Side.BUY, "100", 5, tag="seed"),  # not a slot order
    ]
    sizes = {cid: o.qty for cid, o in orders.items()}
    assert grid_cycles(fills, sizes) == 1
    assert grid_cycles(fills[:4] + [replace(fills[3], fill_id="again")], sizes) == 1
    half_bought = [fills[1], fills[3]]
    assert grid_cycles(half_bought, sizes) == 0  # the buy never completed
    assert grid_cycles(half_bought) == 1  # without order sizes every fill completes its order


@pytest.mark.parametrize("name", ["default", "dca"])
def test_the_curve_is_the_engines_equity_after_every_candle(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[int, Decimal]] = []
    assemble = runner.assemble_engine

    async def spying(*args: Any, **kwargs: Any) -> Any:
        engine = await assemble(*args, **kwargs)
        engine.bus.subscribe(EquityUpdated, lambda e: seen.append((e.ts, e.equity)))
        return engine

    monkeypatch.setattr(runner, "assemble_engine", spying)
    config = load_config(f"configs/{name}.yaml")
    config = config.model_copy(update={"equity_interval_minutes": 1})
    result = runner.run_backtest_sync(
        config, start=datetime(2023, 3, 9, tzinfo=UTC), end=datetime(2023, 3, 11, tzinfo=UTC)
    )
    engine = dict(seen)
    assert result.metrics.fills >= 5  # it traded: the curve is more than a flat line
    assert len(engine) >= len(result.equity)
    for ts, value in zip(
        result.equity.close_ts.tolist(), result.equity.values.tolist(), strict=True
    ):
        assert value == pytest.approx(float(engine[ts]), abs=1e-9)
    assert result.equity.final == result.summary.final_equity
    assert result.equity.starting == result.summary.starting_equity
