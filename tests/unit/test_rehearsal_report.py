"""The rehearsal's verdict: the venue's orders and trades against the bots' journal."""

from __future__ import annotations

from decimal import Decimal

from traderagent.domain import BotState, Fill, Liquidity, Order, OrderStatus, OrderType, Side
from traderagent.exchanges.emulator.records import ExecutionRecord, OrderRecord
from traderagent.rehearsal_report import RehearsalReport, reconcile, render_report, unknown_fate

ONE = Decimal(1)


def venue_order(link: str, status: str = "New") -> OrderRecord:
    return OrderRecord(
        link + "-id", link, "spot", "BTCUSDT", Side.BUY, OrderType.LIMIT, ONE, ONE, "GTC",
        status, 0, 0, ONE, "BTC",
    )  # fmt: skip


def trade(exec_id: str, link: str) -> ExecutionRecord:
    return ExecutionRecord(
        exec_id, link + "-id", link, "spot", "BTCUSDT", Side.BUY, OrderType.LIMIT, ONE, ONE,
        Decimal(0), ONE, ONE, Decimal(0), Decimal(0), "BTC", True, 0, ONE, 1,
    )  # fmt: skip


def ours(link: str, status: OrderStatus = OrderStatus.NEW) -> Order:
    return Order(link, "BTCUSDT", Side.BUY, OrderType.LIMIT, ONE, ONE, status, 0, 0)


def fill(fill_id: str, link: str) -> Fill:
    return Fill(fill_id, link, "BTCUSDT", Side.BUY, ONE, ONE, Decimal(0), "BTC",
                Liquidity.MAKER, 0)  # fmt: skip


def test_books_that_match_pass() -> None:
    findings = reconcile(
        [venue_order("a", "Filled"), venue_order("b")],
        [trade("x1", "a")],
        [ours("a", OrderStatus.FILLED), ours("b"), ours("c", OrderStatus.REJECTED)],
        [fill("x1", "a")],
        {"grid": BotState.RUNNING},
    )
    assert findings == []


def test_every_disagreement_is_named_with_examples() -> None:
    findings = reconcile(
        [venue_order("a", "Filled"), venue_order("a"), venue_order("stray"), venue_order("b")],
        [trade("x1", "a"), trade("x2", "b")],
        [ours("a", OrderStatus.FILLED), ours("b", OrderStatus.CANCELLED), ours("ghost")],
        [fill("x2", "b"), fill("x2", "b"), fill("x9", "b")],
        {"grid": BotState.EMERGENCY},
    )
    found = {f.what: f.examples for f in findings}
    assert found == {
        "orders that reached the venue twice": ("a",),
        "venue orders the bots do not know": ("stray",),
        "orders in another state than on the venue": (
            "a: venue New, bot Filled", "b: venue New, bot Cancelled",
        ),
        "orders the bots hold that the venue never had": ("ghost: New",),
        "venue trades not booked": ("x1",),
        "fills booked that the venue never executed": ("x9",),
        "fills booked twice": ("x2",),
        "bots halted": ("grid: EMERGENCY",),
    }  # fmt: skip
    report = RehearsalReport({"http5xx": 2}, {"exchanges.bybit": 3}, 4, 2, {}, tuple(findings))
    text = render_report(report)
    assert "FAILED: what broke" in text and "venue trades not booked: 1" in text
    assert "http5xx 2" in text and "exchanges.bybit 3" in text


def test_an_order_of_unknown_fate_the_venue_lacks_is_reported_not_judged() -> None:
    venue = [venue_order("a"), venue_order("b", "Filled")]
    journal = [ours("a"), ours("b"), ours("lost"), ours("ghost")]
    states = {"grid": BotState.RUNNING}
    findings = reconcile(venue, [], journal, [], states, unsure={"lost", "b"})
    found = {f.what: f.examples for f in findings}
    assert found == {  # "b" is on the venue: its state is compared as any other's
        "orders in another state than on the venue": ("b: venue Filled, bot New",),
        "orders the bots hold that the venue never had": ("ghost: New",),
    }
    unknown = unknown_fate(venue, {"lost", "b"})
    assert unknown == ("lost",)
    report = RehearsalReport({}, {}, 2, 0, {}, (), unknown)
    assert report.passed
    assert "fate unknown     1 (a create's answer lost" in render_report(report)
    assert "lost" in render_report(report)
