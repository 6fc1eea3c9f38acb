"""After a restart the trend follower adopts the exits the exchange still holds for its
position (a stop order, and its take profit): none is cancelled or placed again, the stop's
trigger becomes the stop level, and a trailing move later replaces that very order."""

from dataclasses import replace
from decimal import Decimal

from kit.factories import BTCUSDT
from strategy_samples import candle, ctx

from strategies.trend import TrendConfig, TrendStrategy
from traderagent.domain import CancelOrder, Order, OrderStatus, OrderType, PlaceOrder, Purpose, Side

D = Decimal
CONFIG = TrendConfig.model_validate(
    {"interval": "1m", "fast_ema": 2, "slow_ema": 3, "atr_period": 2, "breakout_bars": 3,
     "pullback_entries": False, "trailing_atr": "1", "fallback_equity": "10000"}
)  # fmt: skip


def order(tag: str, side: Side, kind: OrderType, qty: str, price: str) -> Order:
    return Order(f"t-{tag}", "BTCUSDT", side, kind, D(qty), D(price), OrderStatus.NEW, 0, 0,
                 bot="t", tag=tag)  # fmt: skip


STOP = order("stop3.2", Side.SELL, OrderType.STOP_MARKET, "0.1", "19500.00")
TP = order("tp3.1", Side.SELL, OrderType.LIMIT, "0.1", "20800.00")
OLD = order("stop2.5", Side.SELL, OrderType.STOP_MARKET, "0.1", "19000.00")  # a stale one


def restarted(resting: list[Order], position: str = "0.1") -> tuple[TrendStrategy, list[object]]:
    trend = TrendStrategy(CONFIG, BTCUSDT)
    start = replace(
        ctx("20000", {o.tag for o in resting}, position=position, avg="20000"), resting=resting
    )
    return trend, list(trend.on_start(start))


def test_the_exchanges_stop_and_take_profit_are_kept_not_placed_again() -> None:
    trend, intents = restarted([STOP, TP, OLD])
    assert intents == [CancelOrder("stop2.5")]  # only the stale one goes
    position = trend.position
    assert position is not None
    assert (position.stop.level, position.take_profit) == (D("19500.00"), D("20800.00"))
    assert (trend.seq, trend.stop_version, trend.tp_version) == (3, 2, 1)
    assert "adopted the exchange's stop stop3.2 at 19500.00" in trend.describe()


def test_a_trailing_move_replaces_the_adopted_stop_on_the_exchange() -> None:
    trend, _ = restarted([STOP, TP])
    live = {"stop3.2", "tp3.1"}
    sent: list[object] = []
    for minute, close in enumerate([20000, 20100, 20200, 20300]):  # ATR warms up, then trails
        bar = candle(minute, close - 5, close + 10, close - 10, close)
        for intent in trend.on_candle(bar, ctx(str(close), live, position="0.1")):
            sent.append(intent)
            if isinstance(intent, CancelOrder):
                live.discard(intent.tag)
            elif isinstance(intent, PlaceOrder):
                live.add(intent.tag)
    assert sent[:1] == [CancelOrder("stop3.2")]  # the exchange's stop is the one replaced
    moved = sent[1]
    assert isinstance(moved, PlaceOrder)
    assert (moved.tag, moved.type, moved.purpose, moved.reduce_only) == (
        "stop3.3", OrderType.STOP_MARKET, Purpose.STOP, True,
    )  # fmt: skip
    assert moved.price is not None and moved.price > D("19500.00")
    assert "tp3.1" in live  # the take profit stays


def test_a_stop_for_less_than_the_position_or_none_at_all_is_not_adopted() -> None:
    short_of = replace(STOP, qty=D("0.05"))
    trend, intents = restarted([short_of])
    assert CancelOrder("stop3.2") in intents
    placed = [i for i in intents if isinstance(i, PlaceOrder)]
    assert [p.tag for p in placed][:1] == ["stop4.1"]  # fresh exits under a new number
    _, fresh = restarted([])
    assert any(isinstance(i, PlaceOrder) and i.purpose is Purpose.STOP for i in fresh)


def test_an_order_of_an_outgoing_strategy_is_not_adopted() -> None:
    """A routed bot's resting orders of the strategy it switched from are not among its live
    tags: the incoming trend places exits of its own."""
    trend = TrendStrategy(CONFIG, BTCUSDT)
    start = replace(ctx("20000", set(), position="0.1", avg="20000"), resting=[STOP])
    placed = [i for i in trend.on_start(start) if isinstance(i, PlaceOrder)]
    assert placed and placed[0].purpose is Purpose.STOP and placed[0].tag != "stop3.2"
