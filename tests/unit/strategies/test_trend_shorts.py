"""The trend follower's shorts (`sides: short|both`), on hand-made candles: a breakdown in a
downtrend sells, the stop rests above as a reduce-only buy stop, the take profit below as a
reduce-only limit buy, the trailing stop only comes down, and the candle fallback buys back."""

from decimal import Decimal

from kit.factories import BTCUSDT
from strategy_samples import candle, ctx, fill, places

from strategies.trend import TrendConfig, TrendStrategy
from strategies.trend.position import TrailingStop
from traderagent.domain import CancelOrder, OrderType, PlaceOrder, Purpose, Side

D = Decimal
STOP = OrderType.STOP_MARKET


def config(**overrides: object) -> TrendConfig:
    values: dict[str, object] = {
        "interval": "1m", "fast_ema": 2, "slow_ema": 3, "atr_period": 2, "breakout_bars": 3,
        "pullback_entries": False, "stop_atr": "2", "take_profit_atr": "4", "trailing_atr": "1",
        "fallback_equity": "10000", "max_notional": None, "sides": "short",
    }  # fmt: skip
    values.update(overrides)
    return TrendConfig.model_validate(values)


def falling(trend: TrendStrategy) -> list[PlaceOrder]:
    """Four falling bars (true range 11 each: ATR 11); the fourth closes at 20 000, below the
    lowest low of the three before it (20 009): a breakdown."""
    out: list[PlaceOrder] = []
    for minute, close in enumerate([20030, 20020, 20010, 20000]):
        bar = candle(minute, close + 5, close + 1, close - 1, close)
        out = places(trend.on_candle(bar, ctx(str(close))))
        if minute < 3:
            assert out == []
    return out


def shorted(**overrides: object) -> tuple[TrendStrategy, PlaceOrder, list[object]]:
    trend = TrendStrategy(config(**overrides), BTCUSDT)
    (entry,) = falling(trend)
    protect = trend.on_fill(*fill(entry, price=D(20000)), ctx("20000", position=-entry.qty))
    return trend, entry, list(protect)


def test_a_breakdown_in_a_downtrend_sells_sized_from_the_risk_to_the_stop() -> None:
    trend, entry, _ = shorted()
    # risk 1 % of 10 000 = 100 over a stop 2 ATR = 22 away: 4.545454 BTC, sold at market
    assert entry == PlaceOrder("entry1", Side.SELL, D("4.545454"), type=OrderType.MARKET)
    assert "short from 20000" in trend.describe()


def test_a_filled_short_rests_a_reduce_only_buy_stop_above_and_take_profit_below() -> None:
    _, entry, protect = shorted()
    assert protect == [  # stop 20 000 + 2 x 11 = 20 022; take profit 20 000 - 4 x 11 = 19 956
        PlaceOrder("stop1.1", Side.BUY, entry.qty, D("20022.00"), STOP, Purpose.STOP, True),
        PlaceOrder("tp1.1", Side.BUY, entry.qty, D("19956.00"), OrderType.LIMIT,
                   Purpose.TAKE_PROFIT, True),
    ]  # fmt: skip


def test_the_trailing_stop_follows_a_new_low_down_and_never_up() -> None:
    trend, entry, _ = shorted()
    live = {"stop1.1", "tp1.1"}
    # a new low of 19 989 (true range 11: ATR stays 11): the stop comes to 19 989 + 11
    bar = candle(4, 19995, 20000, 19989, 19995)
    intents = trend.on_candle(bar, ctx("19995", live, position=-entry.qty))
    assert intents == [
        CancelOrder("stop1.1"),
        PlaceOrder("stop1.2", Side.BUY, entry.qty, D("20000.00"), STOP, Purpose.STOP, True),
    ]
    stop = TrailingStop(D(20000), short=True)
    assert stop.tighten(D(20010)) == D(20000)  # never up
    assert stop.tighten(D(19990)) == D(19990)


def test_the_stop_filling_closes_the_short_and_cancels_the_take_profit() -> None:
    trend, entry, protect = shorted(trailing_atr=None)
    stop = protect[0]
    assert isinstance(stop, PlaceOrder)
    intents = trend.on_fill(*fill(stop, price=D(20022)), ctx("20022", {"tp1.1"}))
    assert intents == [CancelOrder("tp1.1")]
    assert trend.trades == 1 and trend.position is None
    assert "stopped at 20022" in trend.describe()


def test_without_its_exits_on_the_venue_a_candle_through_the_stop_buys_back() -> None:
    trend, entry, _ = shorted(trailing_atr=None)
    bar = candle(4, 20010, 20025, 20005, 20015)  # high 20 025 reaches the stop 20 022
    intents = trend.on_candle(bar, ctx("20015", position=-entry.qty))
    assert intents == [
        PlaceOrder("exit1", Side.BUY, entry.qty, None, OrderType.MARKET, Purpose.STOP, True)
    ]


def test_a_long_only_trend_ignores_a_downtrend_and_a_short_only_one_an_uptrend() -> None:
    assert falling(TrendStrategy(config(sides="long"), BTCUSDT)) == []
    short_only = TrendStrategy(config(), BTCUSDT)
    for minute, close in enumerate([20000, 20010, 20020, 20030]):  # a breakout up
        bar = candle(minute, close - 5, close + 1, close - 1, close)
        assert places(short_only.on_candle(bar, ctx(str(close)))) == []


def test_a_short_closed_outside_the_strategy_leaves_it_flat_on_resume() -> None:
    trend, entry, _ = shorted()
    assert trend.on_resume(ctx("21900", position="0")) == []  # liquidated: nothing left
    assert trend.position is None and trend.trades == 1
    assert "closed outside the strategy" in trend.describe()
