from decimal import Decimal

import pytest
from kit.factories import BTCUSDT
from pydantic import ValidationError
from strategy_samples import candle, ctx, fill, places

from strategies.trend import TrendConfig, TrendStrategy
from traderagent.domain import CancelAll, CancelOrder, OrderType, PlaceOrder, Purpose, Side

D = Decimal
STOP = OrderType.STOP_MARKET


def config(**overrides: object) -> TrendConfig:
    values: dict[str, object] = {
        "interval": "1m",
        "fast_ema": 2,
        "slow_ema": 3,
        "atr_period": 2,
        "breakout_bars": 3,
        "pullback_entries": False,
        "stop_atr": "2",
        "take_profit_atr": "4",
        "trailing_atr": "1",
        "fallback_equity": "10000",
        "max_notional": "5000",
    }
    values.update(overrides)
    return TrendConfig.model_validate(values)


def rising(trend: TrendStrategy, **kw: str) -> list[PlaceOrder]:
    """Four rising bars (true range 11 each, so ATR 11); the fourth breaks out."""
    out: list[PlaceOrder] = []
    for minute, close in enumerate([20000, 20010, 20020, 20030]):
        bar = candle(minute, close - 5, close + 1, close - 1, close)
        out = places(trend.on_candle(bar, ctx(str(close), **kw)))
        if minute < 3:
            assert out == []
    return out


def test_a_breakout_in_an_uptrend_enters_sized_from_the_risk_to_the_stop() -> None:
    trend = TrendStrategy(config(max_notional=None), BTCUSDT)
    trend.on_start(ctx("20000"))
    (entry,) = rising(trend)
    # risk 1 % of 10000 = 100 over a stop 2 ATR = 22 away: 4.545454 BTC
    assert entry == PlaceOrder("entry1", Side.BUY, D("4.545454"), type=OrderType.MARKET)
    assert entry.purpose is Purpose.ENTRY


def test_the_size_is_capped_by_the_budget_and_max_notional() -> None:
    trend = TrendStrategy(config(), BTCUSDT)
    trend.on_start(ctx("20000"))
    (entry,) = rising(trend, budget="1000")
    assert entry.qty == BTCUSDT.floor_qty(D(1000) / D(20030))
    capped = TrendStrategy(config(), BTCUSDT)
    (entry,) = rising(capped)
    assert entry.qty == BTCUSDT.floor_qty(D(5000) / D(20030))


def test_an_entry_sized_to_the_whole_budget_leaves_room_for_the_fee() -> None:
    # the venue locks notional x (1 + fee) with a buy: a buy of the whole budget is refused
    trend = TrendStrategy(config(max_notional=None), BTCUSDT)
    trend.on_start(ctx("20000"))
    (entry,) = rising(trend, budget="10000", fee_reserve="0.00055")
    assert entry.qty == BTCUSDT.floor_qty(D(10000) / (D(20030) * D("1.00055")))
    assert entry.qty * D(20030) * D("1.00055") <= D(10000)


def test_without_equity_it_does_not_enter_and_says_why() -> None:
    trend = TrendStrategy(config(fallback_equity=None), BTCUSDT)
    assert rising(trend) == []
    assert "no equity to size from" in trend.describe()
    funded = TrendStrategy(config(fallback_equity=None), BTCUSDT)
    assert len(rising(funded, equity="10000")) == 1


def entered(**overrides: object) -> tuple[TrendStrategy, PlaceOrder]:
    trend = TrendStrategy(config(**overrides), BTCUSDT)
    (entry,) = rising(trend)
    trend.on_fill(*fill(entry, price=D(20030)), ctx("20030", position=entry.qty))
    return trend, entry


def test_a_filled_entry_rests_a_stop_order_and_a_take_profit_limit() -> None:
    trend = TrendStrategy(config(), BTCUSDT)
    (entry,) = rising(trend)
    intents = trend.on_fill(*fill(entry, price=D(20030)), ctx("20030", position=entry.qty))
    assert intents == [
        # reduce-only: held on the exchange, an exit that outlives the position opens nothing
        PlaceOrder("stop1.1", Side.SELL, entry.qty, D("20008.00"), STOP, Purpose.STOP, True),
        PlaceOrder(
            "tp1.1",
            Side.SELL,
            entry.qty,
            D("20074.00"),
            purpose=Purpose.TAKE_PROFIT,
            reduce_only=True,
        ),  # fmt: skip
    ]


def test_with_its_exits_resting_a_candle_through_the_stop_leaves_the_sale_to_the_venue() -> None:
    trend, entry = entered(trailing_atr=None)
    live = {"stop1.1", "tp1.1"}
    bar = candle(4, 20030, 20080, 20007, 20040)
    assert trend.on_candle(bar, ctx("20040", live, position=entry.qty)) == []
    (stop_fill, stop_order) = fill(
        PlaceOrder("stop1.1", Side.SELL, entry.qty, D("20008.00"), STOP, Purpose.STOP)
    )
    assert trend.on_fill(stop_fill, stop_order, ctx("20040", {"tp1.1"})) == [CancelOrder("tp1.1")]
    assert trend.trades == 1 and trend.position is None


def test_a_replaced_stop_that_fills_while_its_cancel_flies_closes_the_position() -> None:
    trend, entry = entered()
    bar = candle(4, 20030, 20050, 20025, 20045)
    trend.on_candle(bar, ctx("20045", {"stop1.1", "tp1.1"}, position=entry.qty))  # -> stop1.2
    old = PlaceOrder("stop1.1", Side.SELL, entry.qty, D("20008.00"), STOP, Purpose.STOP)
    intents = trend.on_fill(*fill(old), ctx("20008", {"stop1.2", "tp1.1"}))
    assert intents == [CancelOrder("stop1.2"), CancelOrder("tp1.1")]
    assert trend.position is None and trend.trades == 1


def test_a_rising_trailing_stop_replaces_the_stop_order() -> None:
    trend, entry = entered(take_profit_atr=None)
    bar = candle(4, 20030, 20050, 20025, 20045)
    intents = trend.on_candle(bar, ctx("20045", {"stop1.1"}, position=entry.qty))
    assert intents == [
        CancelOrder("stop1.1"),
        PlaceOrder("stop1.2", Side.SELL, entry.qty, D("20032.00"), STOP, Purpose.STOP, True),
    ]


def test_the_stop_wins_when_stop_and_take_profit_are_both_inside_one_candle() -> None:
    trend, entry = entered()
    assert trend.position is not None
    assert trend.position.stop.level == D("20008.00")  # 20030 - 2 x 11
    assert trend.position.take_profit == D("20074.00")  # 20030 + 4 x 11
    intents = trend.on_candle(
        candle(4, 20030, 20080, 20007, 20040), ctx("20040", position=entry.qty)
    )
    assert intents == [
        PlaceOrder("exit1", Side.SELL, entry.qty, type=OrderType.MARKET, purpose=Purpose.STOP)
    ]


def test_take_profit_sells_at_market_and_the_trade_is_counted() -> None:
    trend, entry = entered(trailing_atr=None)
    (exit_,) = places(
        trend.on_candle(candle(4, 20030, 20075, 20020, 20070), ctx("20070", position=entry.qty))
    )
    assert exit_.purpose is Purpose.TAKE_PROFIT
    trend.on_fill(*fill(exit_, price=D(20070)), ctx("20070"))
    assert trend.trades == 1 and trend.position is None


def test_the_trailing_stop_follows_the_high_and_never_loosens() -> None:
    trend, entry = entered(take_profit_atr=None)
    assert trend.position is not None
    trend.on_candle(candle(4, 20030, 20050, 20025, 20045), ctx("20045", position=entry.qty))
    atr = trend.signals.atr_value
    assert atr == D(18)  # Wilder: (11 + true range 25) / 2
    assert trend.position.stop.level == D("20032.00")  # 20050 - 1 ATR
    trend.on_candle(candle(5, 20045, 20046, 20040, 20041), ctx("20041", position=entry.qty))
    # a lower high never loosens it; a smaller ATR (12) tightens it under the same high
    assert trend.position.stop.level == D("20038.00")
    (exit_,) = places(
        trend.on_candle(candle(6, 20041, 20042, 20031, 20035), ctx("20035", position=entry.qty))
    )
    assert exit_.purpose is Purpose.STOP


def test_an_inherited_position_gets_a_stop_then_a_fresh_atr_stop() -> None:
    trend = TrendStrategy(config(trailing_atr=None), BTCUSDT)
    assert trend.on_start(ctx("20000", position="0.1", avg="20000")) == [
        PlaceOrder("stop1.1", Side.SELL, D("0.1"), D("19400.00"), STOP, Purpose.STOP, True)
    ]
    assert trend.position is not None
    assert trend.position.stop.level == D("19400.00")  # warm-up stop: 3 % below
    live = {"stop1.1"}
    for minute, close in enumerate([20000, 20010, 20020, 20030]):
        bar = candle(minute, close - 5, close + 1, close - 1, close)
        placed = places(trend.on_candle(bar, ctx(str(close), live, position="0.1")))
        live |= {p.tag for p in placed}
    assert trend.position.stop.level == D("19978.00")  # ATR stop 20000 - 22 is tighter
    assert {"stop1.2", "tp1.1"} <= live  # the tighter stop and the take profit rest
    assert trend.position.take_profit == D("20044.00")


def test_wind_down_cancels_and_keeps_the_position() -> None:
    trend, entry = entered()
    assert trend.wind_down(ctx("20030", position=entry.qty)) == [CancelAll("trend wound down")]
    assert (
        trend.on_candle(candle(4, 20030, 20031, 19000, 19100), ctx("19100", position=entry.qty))
        == []
    )
    assert "trades 0" in trend.describe()


def test_config_needs_a_slow_ema_above_the_fast_one_and_an_entry_rule() -> None:
    with pytest.raises(ValidationError, match="slow_ema"):
        config(fast_ema=5, slow_ema=5)
    with pytest.raises(ValidationError, match="pullback_entries or breakout_entries"):
        config(breakout_entries=False)


def test_a_pullback_to_the_fast_ema_that_closes_above_it_enters() -> None:
    trend = TrendStrategy(config(pullback_entries=True, breakout_entries=False), BTCUSDT)
    for minute, close in enumerate([20000, 20010, 20020, 20030]):
        trend.on_candle(candle(minute, close - 5, close + 1, close - 1, close), ctx(str(close)))
    fast = D(repr(trend.signals.fast.value))
    dip = candle(4, 20030, 20040, float(fast) - 5, 20035)
    (entry,) = places(trend.on_candle(dip, ctx("20035")))
    assert entry.tag == "entry1" and "pullback entry" in trend.describe()
