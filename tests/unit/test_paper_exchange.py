"""Order entry, balances and notifications of the paper exchange."""

from __future__ import annotations

import math
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
from traderagent.exchanges.paper import DEFAULT_INSTRUMENTS, PaperExchange
from traderagent.exchanges.ports import CandleMatched, Exchange, ExchangeError, ExchangeUpdate

D = Decimal


class Clock:
    def __init__(self, ms: int = 1_000) -> None:
        self.ms = ms

    def __call__(self) -> int:
        return self.ms


def make(
    usdt: str = "10000", btc: str = "0", clock: Clock | None = None
) -> tuple[PaperExchange, list[ExchangeUpdate]]:
    ex = PaperExchange(
        DEFAULT_INSTRUMENTS, {"USDT": D(usdt), "BTC": D(btc)}, now_ms=clock or Clock()
    )
    updates: list[ExchangeUpdate] = []
    ex.set_listener(updates.append)
    return ex, updates


def price_at(ex: PaperExchange, close: float, symbol: str = "BTCUSDT") -> None:
    ex.on_candle(Candle(symbol, 0, close, close, close, close, 1.0))


def limit(cid: str, side: Side, qty: str, price: str, symbol: str = "BTCUSDT") -> OrderRequest:
    return OrderRequest(cid, symbol, side, OrderType.LIMIT, D(qty), D(price), bot="b1", tag=cid)


def market(cid: str, side: Side, qty: str) -> OrderRequest:
    return OrderRequest(cid, "BTCUSDT", side, OrderType.MARKET, D(qty), bot="b1", tag=cid)


def test_implements_both_protocols() -> None:
    ex, _ = make()
    assert isinstance(ex, Exchange)
    assert isinstance(ex, CandleMatched)
    assert ex.name == "paper"


def test_unknown_fill_model_is_refused() -> None:
    with pytest.raises(ValueError, match="fill_model"):
        PaperExchange(DEFAULT_INSTRUMENTS, {}, fill_model="best", now_ms=Clock())  # type: ignore[arg-type]


async def test_unknown_symbol_raises_exchange_error() -> None:
    ex, _ = make()
    assert (await ex.instrument("ETHUSDT")).lot_size == D("0.00001")
    with pytest.raises(ExchangeError, match="XRPUSDT"):
        await ex.instrument("XRPUSDT")
    with pytest.raises(ExchangeError, match="unknown symbol"):
        await ex.place_order(limit("x", Side.BUY, "1", "1", symbol="XRPUSDT"))


async def test_resting_limit_is_acknowledged_but_not_notified() -> None:
    clock = Clock(5_000)
    ex, updates = make(clock=clock)
    price_at(ex, 100.0)
    ack = await ex.place_order(limit("b1", Side.BUY, "0.1", "99.00"))
    assert ack.status is OrderStatus.NEW
    assert ack.created_ms == 5_000
    assert ack.exchange_order_id
    assert updates == []
    assert await ex.open_orders() == [ack]
    assert await ex.get_order("BTCUSDT", "b1") == ack


@pytest.mark.parametrize(
    ("qty", "price", "reason"),
    [
        ("0.1", "99.005", "not a multiple of tick size 0.01"),
        ("0.1000001", "99.00", "not a multiple of lot size 0.000001"),
        ("0.000047", "200000.00", "below the minimum 0.000048"),
        ("0.05", "99.00", "notional 4.9500 is below the minimum 5 USDT"),
        ("0", "99.00", "must be positive"),
    ],
)
async def test_unquantised_or_too_small_orders_are_rejected(
    qty: str, price: str, reason: str
) -> None:
    ex, updates = make()
    order = await ex.place_order(limit("r", Side.BUY, qty, price))
    assert order.status is OrderStatus.REJECTED
    assert reason in order.reject_reason
    assert await ex.open_orders() == []
    assert (await ex.balances())["USDT"].free == D("10000")
    assert updates == []


async def test_limit_without_price_is_rejected() -> None:
    ex, _ = make()
    request = OrderRequest("p", "BTCUSDT", Side.BUY, OrderType.LIMIT, D("0.1"))
    order = await ex.place_order(request)
    assert order.status is OrderStatus.REJECTED
    assert order.reject_reason == "a limit order needs a price"


async def test_insufficient_balance_is_rejected_with_reason_and_no_lock() -> None:
    ex, _ = make(usdt="50")
    buy = await ex.place_order(limit("b", Side.BUY, "1", "99.00"))
    assert buy.status is OrderStatus.REJECTED
    assert "insufficient USDT balance" in buy.reject_reason
    assert "needs 99.00 but only 50 is free" in buy.reject_reason  # spot: no fee in quote
    sell = await ex.place_order(limit("s", Side.SELL, "0.1", "101.00"))
    assert sell.status is OrderStatus.REJECTED
    assert "insufficient BTC balance" in sell.reject_reason
    balances = await ex.balances()
    assert balances["USDT"].free == D("50")
    assert balances["USDT"].locked == 0


async def test_spot_buy_locks_exactly_its_notional_and_cancel_releases_it() -> None:
    clock = Clock(7_000)
    ex, updates = make(clock=clock)
    price_at(ex, 100.0)
    await ex.place_order(limit("b", Side.BUY, "0.1", "99.00"))
    usdt = (await ex.balances())["USDT"]
    assert usdt.locked == D("9.900")  # 0.1 * 99: a spot buy's fee comes out of its base
    assert usdt.free == D("9990.100")
    clock.ms = 8_000
    cancelled = await ex.cancel_order("BTCUSDT", "b")
    assert cancelled is not None
    assert cancelled.status is OrderStatus.CANCELLED
    assert cancelled.updated_ms == 8_000
    assert updates == [cancelled]
    usdt = (await ex.balances())["USDT"]
    assert (usdt.free, usdt.locked) == (D("10000"), D("0"))
    assert await ex.cancel_order("BTCUSDT", "b") is None
    assert await ex.cancel_order("BTCUSDT", "never-placed") is None
    assert await ex.open_orders("BTCUSDT") == []


async def test_sell_locks_base_until_filled() -> None:
    ex, _ = make(btc="1")
    price_at(ex, 100.0)
    await ex.place_order(limit("s", Side.SELL, "0.1", "101.00"))
    btc = (await ex.balances())["BTC"]
    assert (btc.free, btc.locked) == (D("0.9"), D("0.1"))
    ex.on_candle(Candle("BTCUSDT", 60_000, 100.0, 101.5, 99.5, 101.2, 1.0))
    balances = await ex.balances()
    assert (balances["BTC"].free, balances["BTC"].locked) == (D("0.9"), D("0"))
    # 0.1 * 101 = 10.1 credited, less the maker fee in quote 10.1 * 0.001 = 0.0101
    assert balances["USDT"].free == D("10010.0899")
    assert balances["USDT"].locked == 0


async def test_market_order_is_rejected_before_the_first_candle() -> None:
    ex, updates = make()
    order = await ex.place_order(market("m", Side.BUY, "0.1"))
    assert order.status is OrderStatus.REJECTED
    assert "no market price for BTCUSDT yet" in order.reject_reason
    assert updates == []


async def test_market_buy_fills_at_last_price_as_taker_with_exact_fee() -> None:
    clock = Clock(9_000)
    ex, updates = make(clock=clock)
    price_at(ex, 100.0)
    order = await ex.place_order(market("m", Side.BUY, "0.1"))
    assert order.status is OrderStatus.FILLED
    assert order.avg_fill_price == D("100.00")
    assert order.filled_qty == D("0.1")
    fill, update = updates
    assert isinstance(fill, Fill)
    assert fill.liquidity is Liquidity.TAKER
    assert fill.fee == D("0.0001")  # Bybit spot: 0.1 BTC x 0.001, in the base coin
    assert (fill.fee_asset, fill.ts, fill.bot, fill.tag) == ("BTC", 9_000, "b1", "m")
    assert (fill.base_qty, fill.fee_value) == (D("0.0999"), D("0.01"))
    assert update == order
    balances = await ex.balances()
    assert balances["USDT"].free == D("9990")  # the notional, no fee in quote
    assert balances["USDT"].locked == 0
    assert balances["BTC"].free == D("0.0999")  # credited: the quantity less the fee
    assert [(p.symbol, p.qty) for p in await ex.positions()] == [("BTCUSDT", D("0.0999"))]


async def test_market_order_notional_is_checked_at_the_last_price() -> None:
    ex, _ = make()
    price_at(ex, 100.0)
    order = await ex.place_order(market("m", Side.BUY, "0.04"))
    assert order.status is OrderStatus.REJECTED
    assert "notional" in order.reject_reason


async def test_marketable_limits_rest_until_the_next_candle_and_pay_the_taker_fee() -> None:
    ex, updates = make(btc="1")
    price_at(ex, 100.0)
    buy = await ex.place_order(limit("b", Side.BUY, "0.1", "100.50"))  # through the last price
    sell = await ex.place_order(limit("s", Side.SELL, "0.1", "99.99"))
    assert buy.status is sell.status is OrderStatus.NEW  # no fill on arrival, even when marketable
    assert updates == []
    ex.on_candle(Candle("BTCUSDT", 60_000, 100.2, 100.6, 99.5, 100.0, 1.0))
    fills = [u for u in updates if isinstance(u, Fill)]
    assert sorted((f.client_order_id, f.price, f.liquidity) for f in fills) == [
        ("b", D("100.50"), Liquidity.TAKER),  # at its limit, never at the better open
        ("s", D("99.99"), Liquidity.TAKER),
    ]
    usdt = (await ex.balances())["USDT"]
    # buy pays 10.05 (its fee 0.0001 BTC in base), sell receives 9.999 - 0.009999 fee
    assert (usdt.free, usdt.locked) == (D("9999.939001"), D("0"))
    assert (await ex.balances())["BTC"].total == D("0.9999")  # 1 + 0.1 - 0.0001 - 0.1


@pytest.mark.parametrize("last", [100.0, math.nextafter(100.0, 101), math.nextafter(100.0, 99)])
async def test_a_limit_exactly_at_the_last_price_rests_as_a_maker(last: float) -> None:
    """Issue 13 item 9: at the last price (on the tick, whatever its float noise) a limit is
    not marketable; it fills as a maker once the path strictly crosses it."""
    ex, updates = make(btc="1")
    price_at(ex, last)
    await ex.place_order(limit("b", Side.BUY, "0.1", "100.00"))
    await ex.place_order(limit("s", Side.SELL, "0.1", "100.00"))
    ex.on_candle(Candle("BTCUSDT", 60_000, 100.2, 100.6, 99.5, 100.0, 1.0))
    fills = [u for u in updates if isinstance(u, Fill)]
    assert sorted((f.client_order_id, f.price, f.liquidity, f.fee) for f in fills) == [
        ("b", D("100.00"), Liquidity.MAKER, D("0.0001")),  # 0.1 BTC x 0.001, in BTC
        ("s", D("100.00"), Liquidity.MAKER, D("0.01")),  # 10 USDT x 0.001
    ]


async def test_duplicate_client_order_ids_are_rejected() -> None:
    ex, _ = make()
    price_at(ex, 100.0)
    live = await ex.place_order(limit("a", Side.BUY, "0.1", "99.00"))
    past = await ex.place_order(market("b", Side.BUY, "0.1"))
    bad = await ex.place_order(limit("c", Side.BUY, "0.1", "99.001"))
    for cid in ("a", "b", "c"):
        again = await ex.place_order(limit(cid, Side.BUY, "0.1", "98.00"))
        assert again.status is OrderStatus.REJECTED
        assert "duplicate client_order_id" in again.reject_reason
    assert await ex.get_order("BTCUSDT", "a") == live
    assert await ex.get_order("BTCUSDT", "b") == past
    assert await ex.get_order("BTCUSDT", "c") == bad
    assert len(await ex.open_orders()) == 1


async def test_cancel_all_cancels_only_that_symbol() -> None:
    ex, updates = make(usdt="100000")
    price_at(ex, 100.0)
    price_at(ex, 2000.0, "ETHUSDT")
    for i, p in enumerate(("99.00", "98.00", "97.00")):
        await ex.place_order(limit(f"b{i}", Side.BUY, "0.1", p))
    eth = await ex.place_order(limit("e", Side.BUY, "0.01", "1900.00", symbol="ETHUSDT"))
    cancelled = await ex.cancel_all("BTCUSDT")
    assert [o.client_order_id for o in cancelled] == ["b0", "b1", "b2"]
    assert all(o.status is OrderStatus.CANCELLED for o in cancelled)
    assert updates == cancelled
    assert await ex.open_orders() == [eth]
    assert await ex.open_orders("BTCUSDT") == []
    assert (await ex.balances())["USDT"].locked == D("19.00")  # 0.01 * 1900, no fee in quote


async def test_listener_gets_fill_before_order_for_every_execution() -> None:
    ex, updates = make(btc="1")
    price_at(ex, 100.0)
    await ex.place_order(limit("b", Side.BUY, "0.1", "99.00"))
    await ex.place_order(limit("s", Side.SELL, "0.1", "101.00"))
    # the low is nearer the open, so the path is open -> low -> high -> close
    ex.on_candle(Candle("BTCUSDT", 60_000, 100.0, 101.5, 98.9, 100.0, 1.0))
    kinds = [(type(u).__name__, u.client_order_id) for u in updates]
    assert kinds == [("Fill", "b"), ("Order", "b"), ("Fill", "s"), ("Order", "s")]
    orders = [u for u in updates if isinstance(u, Order)]
    assert all(o.status is OrderStatus.FILLED for o in orders)
    assert await ex.get_order("BTCUSDT", "s") == orders[1]
    assert await ex.cancel_order("BTCUSDT", "s") is None


async def test_last_price_and_close() -> None:
    ex, _ = make()
    assert ex.last_price("BTCUSDT") is None
    price_at(ex, 123.45)
    assert ex.last_price("BTCUSDT") == 123.45
    await ex.close()  # a no-op: the account stays readable
    assert (await ex.balances())["USDT"].free == D("10000")
