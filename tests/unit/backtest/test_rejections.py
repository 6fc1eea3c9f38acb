"""The venue's refusals as a backtest reports them: kinds of reason, JSON both ways, the
table's row and the run summary's count."""

from __future__ import annotations

from decimal import Decimal

from kit.factories import BTCUSDT

from traderagent.backtest.metrics import Metrics
from traderagent.backtest.rejections import (
    BELOW_MINIMUM,
    INSUFFICIENT,
    OFF_STEP,
    OTHER,
    STOP_THROUGH,
    Rejections,
    counted_rejections,
    reason_kind,
    rejections_of,
)
from traderagent.domain import BotState, Order, OrderRequest, OrderStatus, OrderType, Side
from traderagent.exchanges.paper.account import Account
from traderagent.exchanges.paper.admission import admit
from traderagent.facade import BotSnapshot, RunSummary
from traderagent.optimize.trials import metrics_from_json
from traderagent.summary import render_summary

D = Decimal


def test_the_kinds_of_reason_come_from_the_venues_own_words() -> None:
    request = OrderRequest("a-1", "BTCUSDT", Side.BUY, OrderType.LIMIT, D("0.5"), D("20000"))
    no_cash = admit(request, BTCUSDT, 20000.0, Account({"USDT": D(10000)}), D("0.00055"))
    assert isinstance(no_cash, str) and reason_kind(no_cash) == INSUFFICIENT
    tiny = BTCUSDT.check_order(D("20000"), D("0.000001"))
    assert tiny is not None and reason_kind(tiny) == BELOW_MINIMUM
    assert reason_kind(BTCUSDT.check_order(D("20000"), D(0)) or "") == BELOW_MINIMUM
    assert reason_kind(BTCUSDT.check_order(D("20000.001"), D("0.01")) or "") == OFF_STEP
    stop = OrderRequest("a-2", "BTCUSDT", Side.SELL, OrderType.STOP_MARKET, D("0.01"), D("20100"))
    through = admit(stop, BTCUSDT, 20000.0, Account({"BTC": D(1)}), D("0.00055"))
    assert isinstance(through, str) and reason_kind(through) == STOP_THROUGH
    assert reason_kind("the exchange is in maintenance") == OTHER


def order(n: int, status: OrderStatus, reason: str = "") -> Order:
    return Order(
        f"g-{n}", "BTCUSDT", Side.BUY, OrderType.LIMIT, D("0.01"), D("20000"), status,
        1000 * n, 1000 * n, reject_reason=reason, bot="g", tag=f"b{n}",
    )  # fmt: skip


def test_a_runs_refusals_are_counted_by_kind_and_listed_oldest_first() -> None:
    orders = [
        order(3, OrderStatus.REJECTED, "insufficient USDT balance: the order needs 1"),
        order(1, OrderStatus.FILLED),
        order(2, OrderStatus.REJECTED, "quantity 0 must be positive"),
        order(4, OrderStatus.REJECTED, "insufficient USDT balance: the order needs 2"),
    ]
    refused = rejections_of(orders)
    assert refused.count == 3
    assert refused.by_reason == ((INSUFFICIENT, 2), (BELOW_MINIMUM, 1))
    assert refused.orders is not None and [o.tag for o in refused.orders] == ["b2", "b3", "b4"]
    assert refused.describe() == "3 (insufficient balance 2, below the minimum size 1)"
    data = refused.as_json()
    assert data["count"] == 3 and data["by_reason"] == {INSUFFICIENT: 2, BELOW_MINIMUM: 1}
    assert data["orders"][0] == {
        "ts": 2000, "bot": "g", "tag": "b2", "side": "buy", "qty": "0.01", "price": "20000",
        "reason": "quantity 0 must be positive",
    }  # fmt: skip
    assert Rejections.from_json(data) == refused


def test_a_kernels_counts_have_no_list_and_none_is_an_empty_one() -> None:
    counted = counted_rejections({BELOW_MINIMUM: 0, INSUFFICIENT: 5})
    assert counted.as_json() == {"count": 5, "by_reason": {INSUFFICIENT: 5}, "orders": None}
    assert counted_rejections({INSUFFICIENT: 0}).as_json() == rejections_of([]).as_json()
    assert rejections_of([]).describe() == "0"


def test_an_optimizer_study_reads_the_refusals_back_from_its_json() -> None:
    refused = rejections_of([order(1, OrderStatus.REJECTED, "insufficient USDT balance")])
    metrics = Metrics(
        candles=10, orders=1, fills=0, trades=0, fees=D(0), net_pnl=D(0), return_pct=0.0,
        max_drawdown_pct=0.0, sharpe=None, sortino=None, win_rate=None, profit_factor=None,
        final_equity=D(1000), grid_cycles=None, elapsed_s=0.1, rejected_orders=refused,
    )  # fmt: skip
    assert metrics_from_json(metrics.as_json()) == metrics


def test_the_run_summary_counts_the_refusals_per_bot() -> None:
    bot = BotSnapshot("grid-btc", "BTCUSDT", "grid", BotState.RUNNING, orders_placed=60,
                      fills=9, orders_rejected=43)  # fmt: skip
    summary = RunSummary(
        bots=(bot,), orders_placed=60, fills=9, fees=D(1), realised_pnl=D(0),
        starting_equity=D(3000), final_equity=D(2990), candles=100, started_ms=0, ended_ms=6000,
        reason="end of replay data", orders_rejected=43,
    )  # fmt: skip
    text = render_summary(summary)
    assert "  rejected       43 (refused by the venue; each reason is in the log)" in text
    header, row = (
        ln.split()
        for ln in text.splitlines()
        if ln.startswith("  bot ") or ln.startswith("  grid-btc ")
    )
    assert header[:5] == ["bot", "state", "orders", "rejected", "fills"]
    assert row[:5] == ["grid-btc", "RUNNING", "60", "43", "9"]
