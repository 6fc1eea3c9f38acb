"""Metrics on small hand-computed cases: trades, ratios, drawdown, degenerate inputs, JSON."""

from __future__ import annotations

import json
import math
from decimal import Decimal

import numpy as np
import pytest

from traderagent.backtest.equity import EquityCurve
from traderagent.backtest.metrics import Metrics, compute_metrics, max_drawdown_pct
from traderagent.backtest.trades import round_trips
from traderagent.domain import Fill, Liquidity, Position, Side

D = Decimal
MINUTES_PER_YEAR = 525_600
KEYS = [
    "candles",
    "orders",
    "fills",
    "trades",
    "fees",
    "net_pnl",
    "return_pct",
    "max_drawdown_pct",
    "sharpe",
    "sortino",
    "win_rate",
    "profit_factor",
    "final_equity",
    "grid_cycles",
    "elapsed_s",
    "halted",
    "rejected_orders",
    "allocator_refused",
]


def fill(n: int, side: Side, price: str, qty: str = "1", fee: str = "1") -> Fill:
    return Fill(
        fill_id=f"f-{n}",
        client_order_id=f"bot-{n}",
        symbol="BTCUSDT",
        side=side,
        price=Decimal(price),
        qty=Decimal(qty),
        fee=Decimal(fee),
        fee_asset="USDT",
        liquidity=Liquidity.MAKER,
        ts=n * 60_000,
        bot="bot",
    )


def curve(starting: str, values: list[float], final: str | None = None) -> EquityCurve:
    return EquityCurve(
        close_ts=np.arange(1, len(values) + 1, dtype=np.int64) * 60_000,
        values=np.array(values, dtype=np.float64),
        starting=Decimal(starting),
        final=Decimal(final if final is not None else repr(values[-1])),
        fill_candles=np.zeros(0, dtype=np.int64),
    )


def metrics(fills: list[Fill], equity: EquityCurve, cycles: int | None = None) -> Metrics:
    return compute_metrics(
        fills, equity, orders=len(fills), grid_cycles=cycles, elapsed_s=0.5, interval_ms=60_000
    )


def test_no_trades_and_a_flat_curve_leave_the_ratios_undefined() -> None:
    m = metrics([], curve("100", [100.0, 100.0, 100.0]))
    assert (m.candles, m.orders, m.fills, m.trades) == (3, 0, 0, 0)
    assert (m.fees, m.net_pnl, m.final_equity) == (Decimal(0), Decimal(0), Decimal(100))
    assert (m.return_pct, m.max_drawdown_pct) == (0.0, 0.0)
    assert m.sharpe is None and m.sortino is None  # zero variance: no division by zero
    assert m.win_rate is None and m.profit_factor is None


def test_all_winning_round_trips() -> None:
    # buy 1 at 100 (fee 1), sell 1 at 110 (fee 1): 10 - 1 - 1 = +8
    fills = [fill(1, Side.BUY, "100"), fill(2, Side.SELL, "110")]
    m = metrics(fills, curve("1000", [999.0, 1008.0], final="1008"))
    assert (m.trades, m.win_rate, m.profit_factor) == (1, 1.0, None)
    assert m.fees == Decimal(2)
    assert m.net_pnl == Decimal(8) and m.return_pct == pytest.approx(0.8)


def test_round_trips_at_average_cost_with_buy_fees_shared() -> None:
    fills = [
        fill(1, Side.BUY, "100"),
        fill(2, Side.BUY, "120"),  # average 110, buy fees 2 for 2 held
        fill(3, Side.SELL, "130"),  # (130 - 110) x 1 - 1 - 1 = +18
        fill(4, Side.SELL, "100", fee="0.5"),  # (100 - 110) x 1 - 0.5 - 1 = -11.5
    ]
    m = metrics(fills, curve("1000", [998.0, 1017.0, 1005.5]))
    assert (m.trades, m.win_rate) == (2, 0.5)
    assert m.profit_factor == pytest.approx(18 / 11.5)


def test_drawdown_is_the_deepest_fall_from_a_running_peak() -> None:
    assert max_drawdown_pct(np.array([100.0, 120.0, 90.0, 130.0, 117.0])) == pytest.approx(25.0)
    assert max_drawdown_pct(np.array([100.0, 101.0, 102.0])) == 0.0
    # the starting equity counts as the first peak
    assert metrics([], curve("100", [80.0, 90.0])).max_drawdown_pct == pytest.approx(20.0)


def test_sharpe_and_sortino_by_hand() -> None:
    # returns +10 %, +10 %, -10 %: mean 1/30, sample std sqrt(0.04/3), downside sqrt(0.01/3)
    m = metrics([], curve("100", [110.0, 121.0, 108.9]))
    per_year = math.sqrt(MINUTES_PER_YEAR)
    mean = 0.1 / 3
    assert m.sharpe == pytest.approx(mean / math.sqrt(0.04 / 3) * per_year)
    assert m.sortino == pytest.approx(mean / math.sqrt(0.01 / 3) * per_year)


def test_steady_growth_has_no_deviation_and_no_ratio() -> None:
    m = metrics([], curve("100", [110.0, 121.0, 133.1]))
    assert m.sharpe is None and m.sortino is None
    assert m.return_pct == pytest.approx(33.1)


def test_a_single_candle_has_too_few_returns_for_a_ratio() -> None:
    m = metrics([], curve("100", [101.0]))
    assert m.sharpe is None and m.sortino is None


def test_json_has_exactly_the_keys_with_money_as_exact_text() -> None:
    fills = [fill(1, Side.BUY, "100", fee="0.0200"), fill(2, Side.SELL, "110", fee="0.022")]
    m = metrics(fills, curve("1000", [999.98, 1009.958]), cycles=1)
    data = m.as_json()
    assert list(data) == KEYS
    assert data["fees"] == "0.0420" and data["final_equity"] == "1009.958"
    assert data["net_pnl"] == "9.958" and data["grid_cycles"] == 1
    assert data["profit_factor"] is None and data["halted"] is None
    assert data["rejected_orders"] == {"count": 0, "by_reason": {}, "orders": []}
    assert json.loads(json.dumps(data, allow_nan=False)) == data


def test_a_fee_in_the_base_coin_counts_at_its_fill_price_and_off_the_quantity() -> None:
    """Bybit spot: buying 1 BTC at 100 for a fee of 0.001 BTC holds 0.999 BTC; the fee is worth
    0.1 USDT. Selling the 0.999 closes the whole position, and the round trip's PnL is what the
    engine's position realises, every fee included."""
    buy = Fill("b", "c-b", "BTCUSDT", Side.BUY, D("100"), D("1"), D("0.001"), "BTC",
               Liquidity.MAKER, 0, "bot")  # fmt: skip
    sell = Fill("s", "c-s", "BTCUSDT", Side.SELL, D("110"), D("0.999"), D("0.10989"), "USDT",
                Liquidity.MAKER, 60_000, "bot")  # fmt: skip
    assert (buy.fee_in_base, buy.base_qty, buy.fee_value) == (True, D("0.999"), D("0.1"))
    assert (sell.fee_in_base, sell.base_qty, sell.fee_value) == (False, D("0.999"), D("0.10989"))
    position = Position("BTCUSDT").apply(buy)
    assert (position.qty, position.avg_price, position.fees) == (D("0.999"), D("100"), D("0.1"))
    position = position.apply(sell)
    assert position.qty == 0
    realised = (D("110") - D("100")) * D("0.999") - D("0.1") - D("0.10989")
    assert position.realised_pnl == realised
    (trip,) = round_trips([buy, sell])
    assert (trip.qty, trip.pnl) == (D("0.999"), realised)
    m = metrics([buy, sell], curve("1000", [999.9, 1009.68]))
    assert m.fees == D("0.20989")
