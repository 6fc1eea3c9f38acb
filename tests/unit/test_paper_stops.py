"""Stop orders on the paper venue: a stop fills where it triggers (its price, or the open on a
gap) as taker and locks nothing until then; when it triggers, the free balance must cover it
(as on Bybit's spot): beside a take profit locking the same base it is refused, with the reason,
while the market stands at its price."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from tests.unit.test_paper_matching import bar, fills, make, rest
from traderagent.domain import Liquidity, Order, OrderRequest, OrderStatus, OrderType, Side
from traderagent.exchanges.paper import PaperExchange

D = Decimal


def stop(ex: PaperExchange, cid: str, side: Side, trigger: str, qty: str = "0.1") -> Order:
    request = OrderRequest(cid, "BTCUSDT", side, OrderType.STOP_MARKET, D(qty), D(trigger), "b")
    return ex.place_order_sync(request)


def test_sell_stop_fills_at_its_trigger_as_taker_not_at_the_close() -> None:
    ex, updates = make(last=100.0)
    assert stop(ex, "s", Side.SELL, "98").status is OrderStatus.NEW
    assert ex.balances_sync()["BTC"].locked == 0  # nothing locked until it triggers
    ex.on_candle(bar(100, 100.5, 97, 97.5))
    (fill,) = fills(updates)
    assert (fill.price, fill.liquidity) == (D("98"), Liquidity.TAKER)
    assert (fill.fee, fill.fee_asset) == (D("98") * D("0.1") * D("0.001"), "USDT")  # spot taker


def test_sell_stop_fills_at_the_open_when_the_candle_gaps_through_it() -> None:
    ex, updates = make(last=100.0)
    stop(ex, "s", Side.SELL, "98")
    ex.on_candle(bar(96.5, 99, 96, 98.5))
    assert [f.price for f in fills(updates)] == [D("96.5")]


def test_buy_stop_fills_at_its_trigger_and_a_touch_triggers() -> None:
    ex, updates = make(last=100.0)
    stop(ex, "b", Side.BUY, "101")
    ex.on_candle(bar(100, 101, 99.5, 100.5))
    assert [(f.side, f.price) for f in fills(updates)] == [(Side.BUY, D("101"))]


def test_stop_beyond_the_last_price_is_refused() -> None:
    ex, _ = make(last=100.0)
    refused = stop(ex, "s", Side.SELL, "100")
    assert refused.status is OrderStatus.REJECTED
    assert "trigger at once" in refused.reject_reason


def test_a_triggered_stop_whose_base_a_take_profit_locks_is_refused_at_its_price() -> None:
    ex, updates = make(last=100.0)
    bal = ex.balances_sync()["BTC"].free
    take_profit = OrderRequest("tp", "BTCUSDT", Side.SELL, OrderType.LIMIT, bal, D("105"), "b")
    assert ex.place_order_sync(take_profit).status is OrderStatus.NEW
    stop(ex, "s", Side.SELL, "98", qty=str(bal))
    seen: list[tuple[str, float | None]] = []

    def listen(update: object) -> None:
        updates.append(update)  # type: ignore[arg-type]
        seen.append((type(update).__name__, ex.last_price("BTCUSDT")))

    ex.set_listener(listen)
    walk = ex.walk(bar(100, 100.2, 97, 99))
    next(walk)  # the walk pauses at the refusal: the bot reacts there
    refused = ex.get_order_sync("BTCUSDT", "s")
    assert refused is not None and refused.status is OrderStatus.REJECTED
    assert refused.reject_reason.startswith("insufficient BTC for a stop triggered at 98")
    assert seen == [("Order", 98.0)]  # told while the market stands at the stop's price
    for _ in walk:
        pass
    assert fills(updates) == []
    assert ex.get_order_sync("BTCUSDT", "tp").status is OrderStatus.NEW  # type: ignore[union-attr]


def test_pessimistic_path_reaches_a_sell_stop_before_the_take_profit() -> None:
    ex, updates = make(last=100.0)  # the high is nearer the open, but a stop is in reach
    rest(ex, "tp", Side.SELL, "101", qty="0.5")
    stop(ex, "s", Side.SELL, "97", qty="0.5")
    ex.on_candle(bar(100, 101.5, 96, 99))
    assert [f.client_order_id for f in fills(updates)][0] == "s"


@pytest.mark.parametrize("low", [math.nextafter(98.0, math.inf), 98.004])
def test_a_low_that_reads_as_the_trigger_on_the_tick_touches_it(low: float) -> None:
    ex, updates = make(last=100.0)
    stop(ex, "s", Side.SELL, "98")
    assert ex.band("BTCUSDT")[0] > low  # not a quiet candle
    ex.on_candle(bar(100, 100.5, low, 99))  # 98.00 on the tick
    assert [f.price for f in fills(updates)] == [D("98")]
