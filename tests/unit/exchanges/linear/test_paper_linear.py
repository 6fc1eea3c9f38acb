"""The paper venue's linear perpetuals: margin, funding and liquidation, figures checked by hand."""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest

from traderagent.domain import (
    Candle,
    Fill,
    FundingFee,
    Instrument,
    Order,
    OrderRequest,
    OrderStatus,
    OrderType,
    Side,
)
from traderagent.exchanges.paper.linear import LinearFill, RateSeries
from traderagent.exchanges.paper.linear.exchange import PaperLinearExchange
from traderagent.exchanges.ports import ExchangeUpdate

D = Decimal
HOUR = 3_600_000
DAY0 = 1_677_628_800_000  # 2023-03-01 00:00 UTC: a funding mark
BTC = Instrument("BTCUSDT", "BTC", "USDT", D("0.1"), D("0.001"), D("0.001"), D("5"))


class Clock:
    def __init__(self) -> None:
        self.ms = DAY0

    def now(self) -> int:
        return self.ms


def candle(hour: int, o: float, h: float, low: float, c: float) -> Candle:
    return Candle("BTCUSDT", DAY0 + hour * HOUR, o, h, low, c, 1.0, HOUR)


def venue(
    usdt: str = "10000", leverage: str = "10", margin_mode: str = "isolated", **kw: object
) -> tuple[PaperLinearExchange, Clock, list[ExchangeUpdate], list[FundingFee]]:
    clock = Clock()
    exchange = PaperLinearExchange(
        {"BTCUSDT": BTC}, {"USDT": D(usdt)}, now_ms=clock.now,
        leverage={"BTCUSDT": D(leverage)}, margin_mode=margin_mode,  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )  # fmt: skip
    updates: list[ExchangeUpdate] = []
    funding: list[FundingFee] = []
    exchange.set_listener(updates.append)
    exchange.set_funding_listener(funding.append)
    return exchange, clock, updates, funding


def order(cid: str, side: Side, qty: str, price: str | None = None) -> OrderRequest:
    kind = OrderType.MARKET if price is None else OrderType.LIMIT
    return OrderRequest(cid, "BTCUSDT", side, kind, D(qty), None if price is None else D(price))


async def usdt(exchange: PaperLinearExchange) -> tuple[Decimal, Decimal]:
    balance = (await exchange.balances())["USDT"]
    return balance.free, balance.locked


async def test_funding_and_liquidation_of_an_isolated_long_by_hand(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A 10x isolated long of 0.5 BTC at 20 000, MMR 0.5 %, taker fee 0.055 %:

    entry fee   0.5 x 20 000 x 0.00055             = 5.5
    IM          0.5 x 20 000 / 10                  = 1 000
    MM          0.5 x 20 000 x 0.005               = 50
    liq price   20 000 - (1 000 - 50) / 0.5        = 18 100
    bust price  20 000 - 1 000 / 0.5               = 18 000
    take profit sell 0.5 @ 21 000 reduce-only locks 0.5 x 21 000 x 0.00055 = 5.775 (fee only)
    funding 08:00  mark 19 500, rate +0.01 %: long pays 0.5 x 19 500 x 0.0001   = 0.975
    funding 16:00  mark 19 000, rate -0.02 %: long receives 0.5 x 19 000 x 0.0002 = 1.9
    16:00 candle's low 18 100 touches the liq price: the take profit is cancelled, the long is
    closed at 18 000: realised (18 000 - 20 000) x 0.5 = -1 000 (the whole IM), no fee.
    wallet      10 000 - 5.5 - 0.975 + 1.9 - 1 000 = 8 995.425, all free.
    """
    rates = RateSeries(
        {"BTCUSDT": [(DAY0 + 8 * HOUR, D("0.0001")), (DAY0 + 16 * HOUR, D("-0.0002"))]}
    )
    exchange, clock, updates, funding = venue(funding=rates)
    exchange.on_candle(candle(6, 20000, 20000, 20000, 20000))
    clock.ms = DAY0 + 7 * HOUR
    buy = await exchange.place_order(order("grid-1", Side.BUY, "0.5"))
    assert buy.status is OrderStatus.FILLED
    assert await usdt(exchange) == (D("8994.5"), D("1000"))
    position = exchange.book.position("BTCUSDT")
    assert (position.margin, position.maintenance) == (D("1000"), D("50"))
    assert exchange.book.liquidation_price("BTCUSDT") == D("18100")
    assert position.bankruptcy_price() == D("18000")
    tp = exchange.place_order_sync(order("grid-2", Side.SELL, "0.5", "21000"), reduce_only=True)
    assert tp.status is OrderStatus.NEW
    assert await usdt(exchange) == (D("8988.725"), D("1005.775"))

    exchange.on_candle(candle(7, 20000, 20000, 19500, 19500))  # closes 08:00: funding
    assert [(f.amount, f.rate, f.position_qty, f.ts) for f in funding] == [
        (D("0.975"), D("0.0001"), D("0.5"), DAY0 + 8 * HOUR)
    ]
    exchange.on_candle(candle(15, 19000, 19000, 19000, 19000))  # closes 16:00: funding
    assert funding[-1].amount == D("-1.9")
    assert await usdt(exchange) == (D("8989.65"), D("1005.775"))

    with caplog.at_level(logging.WARNING):
        exchange.on_candle(candle(16, 19000, 19000, 18100, 18300))
    assert exchange.liquidations == 1
    assert "LIQUIDATED BTCUSDT Buy 0.5" in caplog.text
    assert await usdt(exchange) == (D("8995.425"), D("0"))
    assert exchange.book.position("BTCUSDT").side is None
    cancelled = [u for u in updates if isinstance(u, Order) and u.client_order_id == "grid-2"]
    assert cancelled[-1].status is OrderStatus.CANCELLED
    assert "liquidation" in cancelled[-1].reject_reason
    bust = [u for u in updates if isinstance(u, Fill) and u.client_order_id == "grid-liq1"]
    assert len(bust) == 1
    fill = bust[0]
    assert isinstance(fill, LinearFill)
    assert (fill.exec_type, fill.side, fill.price, fill.qty, fill.fee) == (
        "BustTrade", Side.SELL, D("18000"), D("0.5"), D("0"),
    )  # fmt: skip
    assert (fill.exec_pnl, fill.ts) == (D("-1000"), DAY0 + 16 * HOUR + 2 * HOUR // 3)
    assert await exchange.positions() == []


async def test_cross_margin_long_draws_on_the_free_balance() -> None:
    """Cross margin, 2 000 USDT, 10x long 0.5 @ 20 000: fee 5.5, IM 1 000, free 994.5, MM 50.
    liq = 20 000 - (1 000 - 50 + 994.5) / 0.5 = 16 111; bust = 20 000 - 1 994.5 / 0.5 = 16 011.
    Liquidated by a low of 16 100: realised (16 011 - 20 000) x 0.5 = -1 994.5: wallet 0."""
    exchange, clock, _, _ = venue(usdt="2000", margin_mode="cross")
    exchange.on_candle(candle(0, 20000, 20000, 20000, 20000))
    await exchange.place_order(order("b-1", Side.BUY, "0.5"))
    assert exchange.book.liquidation_price("BTCUSDT") == D("16111")
    exchange.on_candle(candle(1, 20000, 20000, 16112, 16112))
    assert exchange.liquidations == 0
    exchange.on_candle(candle(2, 16112, 16112, 16100, 16100))
    assert exchange.liquidations == 1
    assert await usdt(exchange) == (D("0"), D("0"))


async def test_isolated_short_pays_nothing_more_than_its_margin() -> None:
    """5x isolated short 1 BTC @ 20 000, MMR 1 %: IM 4 000, MM 200, fee 11.
    liq = 20 000 + (4 000 - 200) / 1 = 23 800; bust = 24 000.
    funding 08:00, rate +0.01 %, mark 20 000: the short receives 1 x 20 000 x 0.0001 = 2.
    A candle gapping to 26 000 still closes it at 24 000: realised -4 000.
    wallet 10 000 - 11 + 2 - 4 000 = 5 991, all free."""
    exchange, clock, _, funding = venue(
        leverage="5",
        mmr={"BTCUSDT": D("0.01")},
        funding=RateSeries({"BTCUSDT": [(0, D("0.0001"))]}),
    )
    exchange.on_candle(candle(6, 20000, 20000, 20000, 20000))
    await exchange.place_order(order("t-1", Side.SELL, "1"))
    assert exchange.book.liquidation_price("BTCUSDT") == D("23800")
    exchange.on_candle(candle(7, 20000, 20000, 20000, 20000))
    assert [f.amount for f in funding] == [D("-2")]
    exchange.on_candle(candle(8, 26000, 26500, 26000, 26000))
    assert exchange.liquidations == 1
    assert await usdt(exchange) == (D("5991"), D("0"))
    assert exchange.book.liquidator.fills[0].price == D("24000")


async def test_reduce_only_never_opens() -> None:
    exchange, _, updates, _ = venue()
    exchange.on_candle(candle(0, 20000, 20000, 20000, 20000))
    refused = exchange.place_order_sync(order("r-1", Side.SELL, "0.1"), reduce_only=True)
    assert refused.status is OrderStatus.REJECTED
    assert "110017" in refused.reject_reason
    await exchange.place_order(order("r-2", Side.BUY, "0.1"))
    capped = exchange.place_order_sync(order("r-3", Side.SELL, "0.5"), reduce_only=True)
    assert (capped.status, capped.qty) == (OrderStatus.FILLED, D("0.1"))
    assert exchange.book.position("BTCUSDT").side is None
    # a resting reduce-only order whose position is gone by the time it fills is cancelled
    await exchange.place_order(order("r-4", Side.BUY, "0.1"))
    exchange.place_order_sync(order("r-5", Side.SELL, "0.1", "20100"), reduce_only=True)
    await exchange.place_order(order("r-6", Side.SELL, "0.1"))
    exchange.on_candle(candle(1, 20000, 20200, 20000, 20200))
    last = [u for u in updates if isinstance(u, Order) and u.client_order_id == "r-5"][-1]
    assert last.status is OrderStatus.CANCELLED
    assert exchange.book.position("BTCUSDT").side is None
    assert exchange.book.order_margin() == D("0")


async def test_refusals_are_rejected_orders_with_the_reason() -> None:
    exchange, _, _, _ = venue(usdt="100")
    exchange.on_candle(candle(0, 20000, 20000, 20000, 20000))
    too_big = await exchange.place_order(order("x-1", Side.BUY, "1"))
    assert too_big.status is OrderStatus.REJECTED
    assert "110007" in too_big.reject_reason
    off_tick = await exchange.place_order(order("x-2", Side.BUY, "0.001", "19999.95"))
    assert off_tick.status is OrderStatus.REJECTED
    duplicate = await exchange.place_order(order("x-2", Side.BUY, "0.001", "19999.9"))
    assert "duplicate" in duplicate.reject_reason
    assert await usdt(exchange) == (D("100"), D("0"))


async def test_a_mark_without_a_rate_is_counted_not_guessed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    rates = RateSeries({"BTCUSDT": [(DAY0 + 16 * HOUR, D("0.0001"))]})
    exchange, _, _, funding = venue(funding=rates)
    exchange.on_candle(candle(6, 20000, 20000, 20000, 20000))
    await exchange.place_order(order("f-1", Side.BUY, "0.1"))
    with caplog.at_level(logging.WARNING):
        exchange.on_candle(candle(7, 20000, 20000, 20000, 20000))  # closes 08:00: no rate yet
        exchange.on_candle(candle(15, 20000, 20000, 20000, 20000))  # closes 16:00
    assert exchange.funding_skipped == 1
    assert "no funding rate" in caplog.text
    assert [(f.ts, f.amount) for f in funding] == [(DAY0 + 16 * HOUR, D("0.2"))]


async def test_a_given_mark_series_prices_funding() -> None:
    """Mark 19 990 given for the 07:00 candle: funding 0.1 x 19 990 x 0.001 = 1.999."""
    marks = {"BTCUSDT": {DAY0 + 7 * HOUR: D("19990")}}
    exchange, _, _, funding = venue(funding=RateSeries({"BTCUSDT": [(0, D("0.001"))]}), marks=marks)
    exchange.on_candle(candle(6, 20000, 20000, 20000, 20000))
    await exchange.place_order(order("m-1", Side.BUY, "0.1"))
    exchange.on_candle(candle(7, 20000, 20000, 20000, 20000))
    assert [f.amount for f in funding] == [D("1.999")]


async def test_a_position_opened_inside_a_candle_is_liquidated_on_the_rest_of_its_path() -> None:
    """A resting 10x buy of 0.5 @ 20 000 (maker fee 0.5 x 20 000 x 0.0002 = 2) fills at the
    open of a candle gapping down to 19 000; the pessimistic path then goes to the low 18 000,
    below the liquidation price 18 100: liquidated there (20 minutes in) at the bankruptcy price
    18 000, realising -1 000. Wallet 10 000 - 2 - 1 000 = 8 998."""
    exchange, _, _, _ = venue()
    exchange.on_candle(candle(0, 20500, 20500, 20500, 20500))
    await exchange.place_order(order("dip-1", Side.BUY, "0.5", "20000"))
    exchange.on_candle(candle(1, 19000, 19200, 18000, 18200))
    assert exchange.liquidations == 1
    (bust,) = exchange.book.liquidator.fills
    assert (bust.price, bust.exec_pnl, bust.ts) == (D("18000"), D("-1000"), DAY0 + HOUR + HOUR // 3)
    assert await usdt(exchange) == (D("8998"), D("0"))


async def test_a_position_whose_path_stays_above_the_liquidation_price_is_kept() -> None:
    exchange, _, _, _ = venue()
    exchange.on_candle(candle(0, 20500, 20500, 20500, 20500))
    await exchange.place_order(order("dip-1", Side.BUY, "0.5", "20000"))
    exchange.on_candle(candle(1, 19000, 19200, 18101, 18200))  # 1 above the liquidation price
    assert exchange.liquidations == 0
    assert exchange.book.position("BTCUSDT").size == D("0.5")


async def test_a_long_only_venue_never_opens_a_short() -> None:
    """Long-only (the bots' default on perps for now): a sell with no long is refused (110017),
    a sell bigger than the long is cut to it, and a resting sell stop whose long is gone by the
    time it triggers is cancelled instead of opening a short."""
    exchange, _, updates, _ = venue(long_only=True)
    exchange.on_candle(candle(0, 20000, 20000, 20000, 20000))
    naked = await exchange.place_order(order("s-1", Side.SELL, "0.1"))
    assert naked.status is OrderStatus.REJECTED and "110017" in naked.reject_reason
    await exchange.place_order(order("s-2", Side.BUY, "0.1"))
    stop = OrderRequest("s-3", "BTCUSDT", Side.SELL, OrderType.STOP_MARKET, D("0.1"), D("19000"))
    assert (await exchange.place_order(stop)).status is OrderStatus.NEW
    cut = await exchange.place_order(order("s-4", Side.SELL, "0.3"))
    assert (cut.status, cut.qty) == (OrderStatus.FILLED, D("0.1"))
    exchange.on_candle(candle(1, 20000, 20000, 18500, 18600))  # the stop triggers: no long
    last = [u for u in updates if isinstance(u, Order) and u.client_order_id == "s-3"][-1]
    assert last.status is OrderStatus.CANCELLED
    assert exchange.book.position("BTCUSDT").side is None
