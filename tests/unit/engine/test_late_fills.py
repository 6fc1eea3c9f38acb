"""The orders a bot keeps after the venue closed them, for fills that cross their cancel."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from traderagent.domain import Fill, Liquidity, Order, OrderStatus, OrderType, Side
from traderagent.engine.late_fills import ClosedOrders

D = Decimal


def order(status: OrderStatus, filled: str = "0") -> Order:
    return Order(
        "bot-7", "BTCUSDT", Side.BUY, OrderType.LIMIT, D("0.010"), D("20000"), status, 0, 0,
        filled_qty=D(filled), bot="bot", tag="so1.1",
    )  # fmt: skip


def fill(qty: str, n: int = 1) -> Fill:
    return Fill(
        f"f{n}", "bot-7", "BTCUSDT", Side.BUY, D("20000"), D(qty), D(0), "BTC", Liquidity.MAKER,
        0, bot="bot", tag="so1.1",
    )  # fmt: skip


def test_a_cancelled_order_takes_the_fills_that_cross_its_cancel_and_stays_cancelled() -> None:
    closed = ClosedOrders()
    closed.remember(order(OrderStatus.CANCELLED, "0.002"), 3)
    late = closed.apply(fill("0.003"))
    assert late is not None
    after, generation = late
    assert (after.status, after.filled_qty, generation) == (OrderStatus.CANCELLED, D("0.005"), 3)
    after, _ = closed.apply(fill("0.005", 2)) or (None, 0)
    assert after is not None and after.status is OrderStatus.FILLED


def test_an_order_the_venue_reports_filled_ahead_of_its_fills_waits_for_them() -> None:
    closed = ClosedOrders()
    closed.remember(order(OrderStatus.FILLED), 1)  # the bot has heard of none of its fills
    part = closed.apply(fill("0.004"))
    assert part is not None and part[0].status is OrderStatus.PARTIALLY_FILLED
    rest = closed.apply(fill("0.006", 2))
    assert rest is not None and rest[0].status is OrderStatus.FILLED


def test_an_order_whose_fills_all_arrived_is_not_kept() -> None:
    closed = ClosedOrders()
    closed.remember(replace(order(OrderStatus.FILLED), filled_qty=D("0.010")), 1)
    assert closed.apply(fill("0.001")) is None
