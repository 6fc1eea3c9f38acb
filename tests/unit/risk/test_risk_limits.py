"""Each trade and pair limit, and the gross exposure limit, on hand-built books."""

from __future__ import annotations

from decimal import Decimal

import pytest
from kit.factories import BTCUSDT

from traderagent.config.risk import PairRiskConfig, RiskConfig
from traderagent.domain import Order, OrderStatus, OrderType, PlaceOrder, Position, Purpose, Side
from traderagent.engine.risk import AccountView, BotBook, adds_exposure, bot_book, review

D = Decimal
MARK = D(20000)
RICH = AccountView(equity=D(100_000), gross_exposure=D(0))


def buy(qty: str, price: str | None = "20000", purpose: Purpose = Purpose.ENTRY) -> PlaceOrder:
    if price is None:
        return PlaceOrder("b", Side.BUY, D(qty), type=OrderType.MARKET, purpose=purpose)
    return PlaceOrder("b", Side.BUY, D(qty), D(price), purpose=purpose)


def resting(side: Side, qty: str, price: str, filled: str = "0") -> Order:
    return Order(
        "bot-1",
        "BTCUSDT",
        side,
        OrderType.LIMIT,
        D(qty),
        D(price),
        OrderStatus.NEW,
        0,
        0,
        D(filled),
    )


def test_which_intents_are_limited() -> None:
    assert adds_exposure(buy("0.1"))
    assert adds_exposure(buy("0.1", purpose=Purpose.COUNTER))  # a grid counter-buy adds
    assert adds_exposure(buy("0.1", purpose=Purpose.EXIT))  # on spot, every buy adds
    assert adds_exposure(PlaceOrder("s", Side.SELL, D("0.1"), D(21000)))  # an entry, even a sell
    for purpose in (Purpose.EXIT, Purpose.STOP, Purpose.TAKE_PROFIT):
        assert not adds_exposure(PlaceOrder("x", Side.SELL, D("0.1"), purpose=purpose))
    assert not adds_exposure(
        PlaceOrder("s", Side.SELL, D("0.1"), D(21000), purpose=Purpose.COUNTER)
    )


def test_the_book_counts_resting_buys_at_the_higher_of_price_and_mark() -> None:
    orders = [
        resting(Side.BUY, "0.1", "19000"),  # below the mark: valued at the mark
        resting(Side.BUY, "0.2", "21000", filled="0.05"),  # above: at its price, remainder only
        resting(Side.SELL, "0.3", "22000"),
    ]
    book = bot_book(Position("BTCUSDT", D("0.5"), D(18000)), orders, MARK)
    assert book.open_orders == 3
    assert book.resting_buy_qty == D("0.25")
    assert book.resting_buy_value == D("0.1") * MARK + D("0.15") * D(21000)
    assert book.position_value == D("0.5") * MARK
    assert book.exposure == D(10000) + D(2000) + D(3150)


def test_nothing_configured_passes_everything_untouched() -> None:
    intent = buy("3")
    assert review(intent, BotBook(MARK), RICH, BTCUSDT).intent is intent


def test_max_order_notional_cuts_an_entry_to_the_limit() -> None:
    pair = PairRiskConfig(max_order_notional=D(1000))
    verdict = review(buy("0.08"), BotBook(MARK), RICH, BTCUSDT, pair)  # 1,600 asked
    assert verdict.resized and verdict.intent is not None
    assert verdict.intent.qty == D("0.05")
    assert verdict.limit == "max_order_notional"
    assert verdict.reason == (
        "resized 0.08 -> 0.050000: order notional 1600.00 USDT exceeds max_order_notional 1000 USDT"
    )


def test_max_order_notional_uses_the_mark_for_a_market_order() -> None:
    pair = PairRiskConfig(max_order_notional=D(500))
    verdict = review(buy("0.1", price=None), BotBook(D(25000)), RICH, BTCUSDT, pair)
    assert verdict.intent is not None and verdict.intent.qty == D("0.02")


def test_a_cut_below_the_venue_minimum_is_a_refusal() -> None:
    pair = PairRiskConfig(max_order_notional=D(4))  # below the 5 USDT minimum notional
    verdict = review(buy("0.01"), BotBook(MARK), RICH, BTCUSDT, pair)
    assert verdict.refused
    assert verdict.limit == "max_order_notional"
    assert "exceeds max_order_notional 4 USDT" in verdict.reason


def test_max_position_qty_counts_the_position_and_resting_buys() -> None:
    pair = PairRiskConfig(max_position_qty=D("1"))
    book = BotBook(MARK, position_qty=D("0.6"), resting_buy_qty=D("0.3"))
    verdict = review(buy("0.5"), book, RICH, BTCUSDT, pair)
    assert verdict.intent is not None and verdict.intent.qty == D("0.1")
    assert "position 0.6 + resting buys 0.3 + 0.5 BTC would exceed max_position_qty 1 BTC" in (
        verdict.reason
    )
    full = BotBook(MARK, position_qty=D("0.7"), resting_buy_qty=D("0.3"))
    assert review(buy("0.01"), full, RICH, BTCUSDT, pair).refused


def test_max_position_qty_does_not_limit_sells() -> None:
    pair = PairRiskConfig(max_position_qty=D("0.1"))
    sell = PlaceOrder("s", Side.SELL, D("5"), D(21000))  # an entry sell: no position limit
    assert review(sell, BotBook(MARK, position_qty=D(5)), RICH, BTCUSDT, pair).intent is sell


def test_max_position_notional_values_the_position_at_the_mark() -> None:
    pair = PairRiskConfig(max_position_notional=D(5000))
    book = BotBook(MARK, position_qty=D("0.2"), avg_price=D(30000))  # worth 4,000 now
    verdict = review(buy("0.1", "19000"), book, RICH, BTCUSDT, pair)  # valued at the mark
    assert verdict.intent is not None and verdict.intent.qty == D("0.05")
    assert verdict.limit == "max_position_notional"
    assert "position value 4000.00 + 2000.00 USDT would exceed" in verdict.reason


def test_max_open_orders_refuses_entries_but_never_exits() -> None:
    pair = PairRiskConfig(max_open_orders=2)
    book = BotBook(MARK, position_qty=D(1), open_orders=2)
    refused = review(buy("0.01"), book, RICH, BTCUSDT, pair)
    assert refused.refused and refused.limit == "max_open_orders"
    assert refused.reason == "2 open orders reach max_open_orders 2"
    take_profit = PlaceOrder("tp", Side.SELL, D(1), D(25000), purpose=Purpose.TAKE_PROFIT)
    assert review(take_profit, book, RICH, BTCUSDT, pair).intent is take_profit
    assert not review(buy("0.01"), BotBook(MARK, open_orders=1), RICH, BTCUSDT, pair).refused


def test_gross_exposure_is_a_share_of_the_account_equity() -> None:
    portfolio = RiskConfig(max_gross_exposure_pct=D(50))
    account = AccountView(equity=D(10000), gross_exposure=D(4000))  # room: 1,000
    verdict = review(buy("0.1"), BotBook(MARK), account, BTCUSDT, None, portfolio)
    assert verdict.intent is not None and verdict.intent.qty == D("0.05")
    assert verdict.limit == "max_gross_exposure_pct"
    assert "gross exposure 4000.00 + 2000.00 USDT would exceed max_gross_exposure_pct 50%" in (
        verdict.reason
    )
    full = AccountView(equity=D(10000), gross_exposure=D(5000))
    assert review(buy("0.001"), BotBook(MARK), full, BTCUSDT, None, portfolio).refused


def test_the_tightest_limit_binds() -> None:
    pair = PairRiskConfig(max_order_notional=D(3000), max_position_qty=D("0.12"))
    verdict = review(buy("0.5"), BotBook(MARK), RICH, BTCUSDT, pair)  # 0.15 vs 0.12
    assert verdict.intent is not None and verdict.intent.qty == D("0.12")
    assert verdict.limit == "max_position_qty"


def test_without_a_price_an_entry_is_refused() -> None:
    pair = PairRiskConfig(max_order_notional=D(1000))
    verdict = review(buy("0.1", price=None), BotBook(D(0)), RICH, BTCUSDT, pair)
    assert verdict.refused and "no market price" in verdict.reason


@pytest.mark.parametrize("purpose", [Purpose.EXIT, Purpose.STOP, Purpose.TAKE_PROFIT])
def test_exits_pass_even_when_every_limit_is_exhausted(purpose: Purpose) -> None:
    pair = PairRiskConfig(max_order_notional=D(1), max_position_qty=D("0.001"), max_open_orders=1)
    book = BotBook(MARK, position_qty=D(3), open_orders=50)
    broke = AccountView(equity=D(1), gross_exposure=D(60000))
    intent = PlaceOrder("x", Side.SELL, D(3), type=OrderType.MARKET, purpose=purpose)
    portfolio = RiskConfig(max_gross_exposure_pct=D(1))
    verdict = review(intent, book, broke, BTCUSDT, pair, portfolio)
    assert verdict.intent is intent and verdict.reason == ""


def test_max_order_notional_is_checked_at_the_price_the_order_is_placed_at() -> None:
    """A sell's limit price rounds up to the tick when it is placed: the limit is checked at
    that price (hypothesis found 0.115489 x 25309.765 passing 2923, placed at 25309.77 for
    2923.00034)."""
    pair = PairRiskConfig(max_order_notional=D(2923))
    entry = PlaceOrder("s", Side.SELL, D("0.115489"), D("25309.765"), purpose=Purpose.ENTRY)
    verdict = review(entry, BotBook(MARK, position_qty=D(1)), RICH, BTCUSDT, pair)
    assert verdict.intent is not None and verdict.resized
    placed_price = BTCUSDT.round_price(D("25309.765"), Side.SELL)
    assert placed_price == D("25309.77")
    assert verdict.intent.qty * placed_price <= D(2923)
    assert verdict.intent.qty == D("0.115488")
