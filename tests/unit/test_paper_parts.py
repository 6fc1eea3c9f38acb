"""The paper exchange's parts: the resting book, the account's locks, the fee schedule."""

from __future__ import annotations

from decimal import Decimal

import pytest

from traderagent.domain import (
    Candle,
    Liquidity,
    Order,
    OrderRequest,
    OrderStatus,
    OrderType,
    Side,
)
from traderagent.exchanges.fee_rules import LINEAR_FEES, FeeRules
from traderagent.exchanges.paper import DEFAULT_INSTRUMENTS, FeeSchedule, PaperExchange
from traderagent.exchanges.paper.account import Account
from traderagent.exchanges.paper.book import RestingOrder, SymbolBook
from traderagent.exchanges.paper.matching import point_ts
from traderagent.exchanges.ports import ExchangeUpdate

D = Decimal
BTC = DEFAULT_INSTRUMENTS["BTCUSDT"]


def resting(cid: str, side: Side, price: str) -> RestingOrder:
    order = Order(cid, "BTCUSDT", side, OrderType.LIMIT, D("1"), D(price), OrderStatus.NEW, 0, 0)
    return RestingOrder(order, D(price), "USDT", D("0"))


def test_book_keeps_best_price_first_and_arrival_order_at_equal_prices() -> None:
    book = SymbolBook()
    for r in (
        resting("b1", Side.BUY, "99"),
        resting("b2", Side.BUY, "100"),
        resting("b3", Side.BUY, "99"),
        resting("s1", Side.SELL, "102"),
        resting("s2", Side.SELL, "101"),
    ):
        book.add(r)
    assert [r.order.client_order_id for r in book.buys] == ["b2", "b1", "b3"]
    assert [r.order.client_order_id for r in book.sells] == ["s2", "s1"]
    assert len(book) == 5
    assert not book.may_cross(100.0, 101.0)  # touches on both sides only
    assert book.may_cross(99.99, 101.0)
    assert book.may_cross(100.0, 101.01)
    assert book.pop_buy_above(100.0) is None
    popped = book.pop_buy_above(99.5)
    assert popped is not None
    assert popped.order.client_order_id == "b2"
    assert book.discard(book.sells[1])
    assert not book.discard(popped)
    assert len(book) == 3


def test_account_locks_only_what_is_free_and_releases_exactly() -> None:
    account = Account({"USDT": D("100")})
    assert not account.lock("USDT", D("100.01"))
    assert not account.lock("BTC", D("0.1"))
    assert account.lock("USDT", D("60.5"))
    assert (account.free("USDT"), account.locked("USDT")) == (D("39.5"), D("60.5"))
    account.unlock("USDT", D("60.5"))
    account.transfer("USDT", D("10.002"), "BTC", D("0.1"))
    snap = account.snapshot()
    assert (snap["USDT"].free, snap["USDT"].locked) == (D("89.998"), D("0"))
    assert snap["BTC"].total == D("0.1")
    with pytest.raises(ValueError, match="negative"):
        Account({"USDT": D("-1")})


def test_fee_rules_charge_spot_buys_in_base_and_the_rest_in_quote_exactly() -> None:
    spot = FeeSchedule()  # the paper venue's default: Bybit spot, 0.1 % maker and taker
    assert (spot.maker, spot.taker, spot.category) == (D("0.001"), D("0.001"), "spot")
    assert spot.fee(Side.BUY, D("0.123457"), D("30000.01"), Liquidity.MAKER) == D("0.000123457")
    assert spot.fee(Side.SELL, D("0.5"), D("24691.34"), Liquidity.TAKER) == D("12.34567")
    assert [spot.fee_asset(s, BTC) for s in (Side.BUY, Side.SELL)] == ["BTC", "USDT"]
    assert spot.lock_rate == 0  # a spot buy's fee comes out of the base it receives
    assert FeeSchedule(maker=D("0.002"), taker=D("0.003")).lock_rate == 0
    linear = LINEAR_FEES
    assert (linear.maker, linear.taker) == (D("0.0002"), D("0.00055"))
    assert linear.fee(Side.BUY, D("1"), D("12345.67"), Liquidity.MAKER) == D("2.469134")
    assert linear.fee(Side.BUY, D("1"), D("12345.67"), Liquidity.TAKER) == D("6.7901185")
    assert [linear.fee_asset(s, BTC) for s in (Side.BUY, Side.SELL)] == ["USDT", "USDT"]
    assert linear.lock_rate == D("0.00055")
    assert FeeRules(D("-0.0001"), D("-0.0002"), "linear").lock_rate == 0


def test_point_timestamps_split_the_interval_in_thirds() -> None:
    candle = Candle("BTCUSDT", 3_600_000, 1, 1, 1, 1, 1, interval_ms=300_000)
    assert [point_ts(candle, k) for k in range(4)] == [3_600_000, 3_700_000, 3_800_000, 3_900_000]


def test_configured_fee_rates_are_charged() -> None:
    ex = PaperExchange(
        DEFAULT_INSTRUMENTS,
        {"USDT": D("1000")},
        maker_fee=D("0.001"),
        taker_fee=D("0.002"),
        now_ms=lambda: 0,
    )
    updates: list[ExchangeUpdate] = []
    ex.set_listener(updates.append)
    ex.on_candle(Candle("ETHUSDT", 0, 2000.0, 2000.0, 2000.0, 2000.0, 1.0))
    maker = OrderRequest("m", "ETHUSDT", Side.BUY, OrderType.LIMIT, D("0.01"), D("1990.00"))
    taker = OrderRequest("t", "ETHUSDT", Side.BUY, OrderType.MARKET, D("0.01"))
    sell = OrderRequest("s", "ETHUSDT", Side.SELL, OrderType.MARKET, D("0.01"))
    assert ex.place_order_sync(maker).status is OrderStatus.NEW
    assert ex.balances_sync()["USDT"].locked == D("19.9000")  # 0.01 * 1990: no fee in quote
    assert ex.place_order_sync(taker).status is OrderStatus.FILLED
    ex.on_candle(Candle("ETHUSDT", 60_000, 2000.0, 2001.0, 1989.0, 1995.0, 1.0))
    fees = {u.client_order_id: (u.fee, u.fee_asset) for u in updates if not isinstance(u, Order)}
    assert fees == {"t": (D("0.00002"), "ETH"), "m": (D("0.00001"), "ETH")}  # 0.01 x rate
    usdt = ex.balances_sync()["USDT"]
    assert (usdt.free, usdt.locked) == (D("1000") - D("20.00") - D("19.90"), D("0"))
    assert ex.balances_sync()["ETH"].free == D("0.01997")  # 0.02 less the fees in base
    assert ex.place_order_sync(sell).status is OrderStatus.FILLED  # at 1995.00, taker
    fees = {u.client_order_id: (u.fee, u.fee_asset) for u in updates if not isinstance(u, Order)}
    assert fees["s"] == (D("0.039900"), "USDT")  # 0.01 * 1995 * 0.002, in quote
