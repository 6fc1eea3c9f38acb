"""The reference simulator itself, held to the README's sentences on hand-made candles, and to
its independence: no module of `refsim` imports the engine or the strategies."""

from __future__ import annotations

import ast
from decimal import Decimal
from pathlib import Path

import pytest
from refsim.candles import Bar
from refsim.rules import BTCUSDT, BUY, MAKER, SELL, TAKER, FeeRule
from refsim.venue import Fill, Order, PaperVenue, candle_path

FEES = FeeRule(maker=Decimal("0.001"), taker=Decimal("0.002"))
D = Decimal


def bar(ts: int, o: str, h: str, lo: str, c: str) -> Bar:
    return Bar(ts * 60_000, 60_000, D(o), D(h), D(lo), D(c))


def venue() -> PaperVenue:
    v = PaperVenue(BTCUSDT, FEES, {"USDT": D(100_000), "BTC": D(1)})
    v.walk(bar(0, "100", "100", "100", "100"))  # a last price of 100
    return v


def test_refsim_imports_neither_the_engine_nor_the_strategies() -> None:
    for path in (Path(__file__).parent / "refsim").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            for name in names:
                assert name.split(".")[0] not in {"traderagent", "strategies"}, path.name


@pytest.mark.parametrize(
    ("model", "o", "h", "lo", "path"),
    [
        ("pessimistic", "100", "103", "98", ("100", "98", "103")),  # the nearer extreme first
        ("pessimistic", "100", "102", "98", ("100", "102", "98")),  # a tie: high first
        ("ohlc", "100", "109", "99", ("100", "109", "99")),
        ("olhc", "100", "101", "90", ("100", "90", "101")),
    ],
)
def test_the_candle_path(model: str, o: str, h: str, lo: str, path: tuple[str, ...]) -> None:
    assert candle_path(bar(1, o, h, lo, "100.5"), model) == (*map(D, path), D("100.5"))


def test_a_touch_is_not_a_fill_and_a_cross_fills_at_the_limit_as_maker() -> None:
    v = venue()
    touched = v.place_limit(BUY, D("0.1"), D("99"), "touch")
    crossed = v.place_limit(BUY, D("0.1"), D("99.5"), "cross")
    v.walk(bar(1, "100", "100", "99", "99.8"))
    assert touched.open and not crossed.open
    assert v.fills[-1].price == D("99.5") and v.fills[-1].liquidity == MAKER


def test_a_limit_never_fills_on_arrival_and_pays_taker_if_it_arrived_through_the_price() -> None:
    v = venue()
    through = v.place_limit(BUY, D("0.1"), D("101"), "through")
    at = v.place_limit(BUY, D("0.1"), D("100"), "at")
    assert through.open and at.open and v.fills == []
    v.walk(bar(1, "99", "99", "98", "98"))
    assert [(f.tag, f.liquidity) for f in v.fills] == [("through", TAKER), ("at", MAKER)]


def test_buys_fill_highest_first_going_down_and_sells_lowest_first_going_up() -> None:
    v = venue()
    for price in ("97", "99", "98"):
        v.place_limit(BUY, D("0.1"), D(price), f"b{price}")
    for price in ("103", "101", "102"):
        v.place_limit(SELL, D("0.1"), D(price), f"s{price}")
    v.walk(bar(1, "100", "104", "96.5", "100"))  # nearer extreme: the low first
    assert [f.tag for f in v.fills] == ["b99", "b98", "b97", "s101", "s102", "s103"]


def test_fees_buy_in_the_base_coin_and_sell_in_the_quote_coin() -> None:
    v = venue()
    v.place_market(BUY, D("0.5"), "buy")
    v.place_market(SELL, D("0.25"), "sell")
    buy, sell = v.fills
    assert (buy.fee, buy.fee_coin) == (D("0.5") * D("0.002"), "BTC")
    assert (sell.fee, sell.fee_coin) == (D("25") * D("0.002"), "USDT")
    assert v.balances == {
        "USDT": D(100_000) - D(50) + D(25) - sell.fee,
        "BTC": D(1) + D("0.5") - buy.fee - D("0.25"),
    }


def test_an_order_placed_from_a_fill_rests_from_the_next_candle_and_a_cancel_acts_at_once() -> None:
    v = venue()
    later = v.place_limit(BUY, D("0.1"), D("95"), "later")
    placed: list[Order] = []

    def react(fill: Fill, order: Order) -> None:
        if fill.tag == "first":
            v.cancel(later)  # decided here: the rest of the path no longer reaches it
            placed.append(v.place_limit(SELL, D("0.1"), D("95"), "counter"))
            placed.append(v.place_market(BUY, D("0.1"), "market"))

    v.on_fill = react
    v.place_limit(BUY, D("0.1"), D("98"), "first")
    v.walk(bar(1, "100", "100.5", "94", "101"))
    assert [f.tag for f in v.fills] == ["first", "market"]
    assert v.fills[1].price == D("94")  # at the path point being walked
    # the counter-sell at 95 arrived at 94 (not through the price: a maker), and did not fill
    # on the way up to the close of 101: it rests only from the next candle
    assert placed[0].open and not placed[0].taker
    v.walk(bar(2, "101", "101", "100", "100"))
    assert v.fills[-1].tag == "counter" and v.fills[-1].liquidity == MAKER


def test_a_stop_fills_at_its_trigger_or_at_the_open_of_a_gap_as_a_taker() -> None:
    v = venue()
    v.place_stop(SELL, D("0.1"), D("97"), "stop")
    v.place_stop(SELL, D("0.1"), D("95"), "gapped")
    v.walk(bar(1, "100", "100.5", "97", "98"))  # touches 97: a stop triggers on a touch
    v.walk(bar(2, "94", "96", "93", "95"))  # opens below 95
    assert [(f.tag, f.price, f.liquidity) for f in v.fills] == [
        ("stop", D("97"), TAKER),
        ("gapped", D("94"), TAKER),
    ]


def test_a_stop_through_the_last_price_is_refused() -> None:
    v = venue()
    assert not v.place_stop(SELL, D("0.1"), D("100"), "at").open
    assert v.refusals and v.refusals[0][0] == "at"


def test_a_sell_stop_goes_low_first_and_when_refused_its_owner_is_told_there() -> None:
    v = PaperVenue(BTCUSDT, FEES, {"USDT": D(0), "BTC": D("0.1")})
    v.walk(bar(0, "100", "100", "100", "100"))
    take_profit = v.place_limit(SELL, D("0.1"), D("102"), "tp")
    v.place_stop(SELL, D("0.1"), D("98"), "stop")
    assert candle_path(bar(1, "100", "103", "97", "101"), "pessimistic") == tuple(
        map(D, ("100", "103", "97", "101"))  # a tie: high first, without a stop in reach
    )
    told: list[tuple[str, Decimal | None]] = []

    def sell_instead(order: Order) -> None:  # what the DCA and the trend follower do
        told.append((order.tag, v.last))
        v.cancel(take_profit)
        v.place_market(SELL, D("0.1"), "out")

    v.on_refused = sell_instead
    v.walk(bar(1, "100", "103", "97", "101"))
    # the low came first; the take profit locks the base, so the triggered stop is refused
    # and its owner sells at market there, at the stop's price
    assert told == [("stop", D("98"))]
    assert [(f.tag, f.price, f.liquidity) for f in v.fills] == [("out", D("98"), TAKER)]
    assert not take_profit.open and v.refusals[-1][0] == "stop"


def test_a_price_one_ulp_off_the_tick_is_read_on_the_tick() -> None:
    v = venue()
    sell = v.place_limit(SELL, D("0.1"), D("101"), "sell")
    v.walk(bar(1, "100", repr(101.00000000000001), "100", "100.5"))  # one ulp above 101
    assert sell.open and v.fills == []  # a touch, once on the tick


def test_a_pessimistic_candle_whose_low_fills_a_resting_buy_goes_low_first() -> None:
    v = venue()
    v.place_limit(BUY, D("0.1"), D("99"), "buy")
    v.place_limit(SELL, D("0.1"), D("101"), "sell")
    v.walk(bar(1, "100", "101.5", "98", "100"))  # the high is nearer, but the low fills the buy
    assert [f.tag for f in v.fills] == ["buy", "sell"]
    assert candle_path(bar(1, "100", "101.5", "98", "100"), "pessimistic", D("98")) == tuple(
        map(D, ("100", "101.5", "98", "100"))  # a buy at the low is only touched: high first
    )
