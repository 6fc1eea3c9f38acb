"""The candle-path fill model: path order, strict crosses, timestamps, no same-candle round trip."""

from __future__ import annotations

from decimal import Decimal

import pytest

from traderagent.domain import (
    Candle,
    Fill,
    Liquidity,
    Order,
    OrderRequest,
    OrderStatus,
    OrderType,
    Side,
)
from traderagent.exchanges.paper import DEFAULT_INSTRUMENTS, FillModel, PaperExchange, candle_path
from traderagent.exchanges.ports import ExchangeUpdate

D = Decimal
T0 = 60_000  # open time of the candle under test; the one before it sets the last price


def bar(o: float, h: float, lo: float, c: float, ts: int = T0) -> Candle:
    return Candle("BTCUSDT", ts, o, h, lo, c, 1.0)


def make(
    fill_model: FillModel = "pessimistic", last: float = 100.0
) -> tuple[PaperExchange, list[ExchangeUpdate]]:
    balances = {"USDT": D("10000"), "BTC": D("1")}
    ex = PaperExchange(DEFAULT_INSTRUMENTS, balances, fill_model=fill_model, now_ms=lambda: 1)
    ex.on_candle(bar(last, last, last, last, ts=0))
    updates: list[ExchangeUpdate] = []
    ex.set_listener(updates.append)
    return ex, updates


def rest(ex: PaperExchange, cid: str, side: Side, price: str, qty: str = "0.1") -> None:
    request = OrderRequest(cid, "BTCUSDT", side, OrderType.LIMIT, D(qty), D(price))
    assert ex.place_order_sync(request).status is OrderStatus.NEW


def fills(updates: list[ExchangeUpdate]) -> list[Fill]:
    return [u for u in updates if isinstance(u, Fill)]


@pytest.mark.parametrize(
    ("model", "candle", "path"),
    [
        ("pessimistic", bar(100, 101, 97, 99), (100, 101, 97, 99)),  # high nearer
        ("pessimistic", bar(100, 103, 99, 102), (100, 99, 103, 102)),  # low nearer
        ("pessimistic", bar(100, 102, 98, 101), (100, 102, 98, 101)),  # tie: high first
        ("ohlc", bar(100, 103, 99, 102), (100, 103, 99, 102)),
        ("olhc", bar(100, 101, 97, 99), (100, 97, 101, 99)),
    ],
)
def test_candle_path(model: FillModel, candle: Candle, path: tuple[float, ...]) -> None:
    assert candle_path(candle, DEFAULT_INSTRUMENTS["BTCUSDT"], model) == path


def test_touch_is_not_a_fill_one_tick_through_fills_at_the_limit() -> None:
    ex, updates = make(last=30000.50)
    rest(ex, "b", Side.BUY, "30000.01", qty="0.001")
    rest(ex, "s", Side.SELL, "30001.01", qty="0.001")
    ex.on_candle(bar(30000.50, 30001.01, 30000.01, 30000.50))
    assert updates == []
    assert len(ex.open_orders_sync()) == 2
    ex.on_candle(bar(30000.50, 30001.02, 30000.00, 30000.50, ts=2 * T0))
    buy, sell = sorted(fills(updates), key=lambda f: f.side)
    assert (buy.price, sell.price) == (D("30000.01"), D("30001.01"))  # never the better price
    assert buy.liquidity is sell.liquidity is Liquidity.MAKER
    assert (buy.fee, buy.fee_asset) == (D("0.000001"), "BTC")  # 0.001 x 0.001, in base
    assert (sell.fee, sell.fee_asset) == (D("0.03000101"), "USDT")  # exact, not rounded
    assert buy.fee_value == D("0.03000001")  # the base fee at its fill price
    assert ex.open_orders_sync() == []


def test_a_low_that_fills_a_buy_comes_first_even_when_the_high_is_nearer() -> None:
    ex, updates = make()  # pessimistic for a long: its buys before its sells
    rest(ex, "b", Side.BUY, "99.00")
    rest(ex, "s", Side.SELL, "100.50")
    ex.on_candle(bar(100.10, 100.60, 98.50, 99.50))  # 0.5 to the high, 1.6 to the low
    assert [(type(u).__name__, u.client_order_id) for u in updates] == [
        ("Fill", "b"),
        ("Order", "b"),
        ("Fill", "s"),
        ("Order", "s"),
    ]
    buy, sell = fills(updates)
    assert (buy.ts, sell.ts) == (T0 + 20_000, T0 + 40_000)  # path points 1 and 2 of a minute
    assert [u.updated_ms for u in updates if isinstance(u, Order)] == [T0 + 20_000, T0 + 40_000]


def test_with_nothing_to_fill_below_the_nearer_high_comes_first() -> None:
    ex, updates = make()
    rest(ex, "b", Side.BUY, "98.00")  # below the candle's low: out of reach
    rest(ex, "s", Side.SELL, "100.50")
    ex.on_candle(bar(100.10, 100.60, 98.50, 99.50))
    assert [(f.client_order_id, f.ts) for f in fills(updates)] == [("s", T0 + 20_000)]


@pytest.mark.parametrize(("model", "first"), [("ohlc", Side.SELL), ("olhc", Side.BUY)])
def test_fixed_path_models_override_the_nearer_extreme(model: FillModel, first: Side) -> None:
    ex, updates = make(model)
    rest(ex, "b", Side.BUY, "99.00")
    rest(ex, "s", Side.SELL, "100.50")
    ex.on_candle(bar(100.10, 100.60, 98.50, 99.50))
    assert [f.side for f in fills(updates)] == [first, first.opposite]
    assert [f.ts for f in fills(updates)] == [T0 + 20_000, T0 + 40_000]


def test_within_one_point_orders_fill_in_the_direction_of_travel() -> None:
    ex, updates = make()
    for cid, price in (("b99", "99.00"), ("b98", "98.00"), ("b995", "99.50"), ("b99x", "99.00")):
        rest(ex, cid, Side.BUY, price)
    for cid, price in (("s102", "102.00"), ("s101", "101.00")):
        rest(ex, cid, Side.SELL, price)
    ex.on_candle(bar(100.00, 100.50, 97.00, 100.00))  # down to 97: buys, highest first
    assert [f.client_order_id for f in fills(updates)] == ["b995", "b99", "b99x", "b98"]
    assert {f.ts for f in fills(updates)} == {T0 + 20_000}  # buys in reach: the low first
    updates.clear()
    ex.on_candle(bar(100.00, 103.00, 99.90, 101.00, ts=2 * T0))  # up to 103: sells, lowest first
    assert [f.client_order_id for f in fills(updates)] == ["s101", "s102"]


def test_gap_through_a_limit_fills_at_the_open_point_at_the_limit_price() -> None:
    ex, updates = make()
    rest(ex, "b", Side.BUY, "99.00")
    ex.on_candle(bar(97.00, 97.50, 96.00, 97.00))
    (fill,) = fills(updates)
    assert (fill.price, fill.ts) == (D("99.00"), T0)


def test_no_same_candle_round_trip_for_a_counter_order_placed_from_the_listener() -> None:
    ex, updates = make()
    rest(ex, "b", Side.BUY, "99.00")
    seen: list[ExchangeUpdate] = []

    def grid(update: ExchangeUpdate) -> None:
        seen.append(update)
        if isinstance(update, Fill) and update.client_order_id == "b":
            assert ex.last_price("BTCUSDT") == 98.50  # the path point the fill happened at
            counter = OrderRequest("s", "BTCUSDT", Side.SELL, OrderType.LIMIT, D("0.1"), D("100"))
            assert ex.place_order_sync(counter).status is OrderStatus.NEW

    ex.set_listener(grid)
    ex.on_candle(bar(99.50, 101.00, 98.50, 100.50))  # low first; the high crosses the counter
    assert [f.client_order_id for f in fills(seen)] == ["b"]
    (counter,) = ex.open_orders_sync()
    assert (counter.client_order_id, counter.status) == ("s", OrderStatus.NEW)
    assert counter.created_ms == T0 + 20_000
    assert ex.last_price("BTCUSDT") == 100.50
    ex.on_candle(bar(100.50, 100.60, 100.20, 100.40, ts=2 * T0))  # opens above: fills at 100
    (_, sell) = fills(seen)
    assert (sell.client_order_id, sell.price, sell.ts) == ("s", D("100"), 2 * T0)


def test_market_order_from_the_listener_fills_at_the_path_point() -> None:
    ex, _ = make()
    rest(ex, "b", Side.BUY, "99.00")
    results: list[Order] = []

    def stop_out(update: ExchangeUpdate) -> None:
        if isinstance(update, Order) and update.client_order_id == "b":
            request = OrderRequest("m", "BTCUSDT", Side.SELL, OrderType.MARKET, D("0.1"))
            results.append(ex.place_order_sync(request))

    ex.set_listener(stop_out)
    ex.on_candle(bar(99.50, 101.00, 98.50, 100.50))
    (market,) = results
    assert (market.status, market.avg_fill_price) == (OrderStatus.FILLED, D("98.50"))
    assert market.updated_ms == T0 + 20_000


def test_cancel_from_the_listener_stops_a_later_fill_on_the_same_candle() -> None:
    ex, _ = make()
    rest(ex, "b1", Side.BUY, "99.00")
    rest(ex, "b2", Side.BUY, "98.00")
    filled: list[str] = []

    def on_update(update: ExchangeUpdate) -> None:
        if isinstance(update, Fill):
            filled.append(update.client_order_id)
            assert ex.cancel_order_sync("BTCUSDT", "b2") is not None

    ex.set_listener(on_update)
    ex.on_candle(bar(100.00, 100.10, 97.00, 99.00))
    assert filled == ["b1"]
    assert ex.get_order_sync("BTCUSDT", "b2").status is OrderStatus.CANCELLED  # type: ignore[union-attr]
    assert ex.balances_sync()["USDT"].locked == 0


def test_candle_without_resting_orders_only_records_the_close() -> None:
    ex, updates = make()
    rest(ex, "b", Side.BUY, "90.00")
    for i in range(1, 100):
        ex.on_candle(bar(100.00, 101.00, 95.00, 100.00 + i / 100, ts=i * T0))
    assert updates == []
    assert ex.last_price("BTCUSDT") == 100.99
    assert ex.open_orders_sync()[0].status is OrderStatus.NEW
