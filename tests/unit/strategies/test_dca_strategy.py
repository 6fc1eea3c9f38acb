from decimal import Decimal

import pytest
from kit.factories import BTCUSDT
from pydantic import ValidationError
from strategy_samples import T0, candle, ctx, fill, flat, places

from strategies.dca import DcaConfig, DcaStrategy
from traderagent.domain import (
    MINUTE_MS,
    CancelAll,
    CancelOrder,
    OrderType,
    PlaceOrder,
    Purpose,
    Side,
)

D = Decimal


def config(**overrides: object) -> DcaConfig:
    values: dict[str, object] = {
        "base_order": "100",
        "safety_order": "100",
        "max_safety_orders": 3,
        "active_safety_orders": 2,
        "price_deviation": "1",
        "step_scale": "2",
        "volume_scale": "2",
        "take_profit": "1",
    }
    values.update(overrides)
    return DcaConfig.model_validate(values)


def started(cfg: DcaConfig | None = None) -> tuple[DcaStrategy, list[PlaceOrder]]:
    """A DCA whose base order bought 0.005 at 20000; returns its take profit and safety orders."""
    dca = DcaStrategy(cfg or config(), BTCUSDT)
    (base,) = places(dca.on_start(ctx("20000")))
    assert base == PlaceOrder("base1", Side.BUY, D("0.005000"), type=OrderType.MARKET)
    armed = places(dca.on_fill(*fill(base, price=D(20000)), ctx("20000", position="0.005")))
    return dca, armed


def test_base_fill_places_the_take_profit_and_the_first_safety_orders() -> None:
    _, armed = started()
    assert armed == [
        PlaceOrder("tp1.1", Side.SELL, D("0.005000"), D("20200.00"), purpose=Purpose.TAKE_PROFIT),
        PlaceOrder("so1.1", Side.BUY, D("0.005050"), D("19800.00")),  # 1 % below, 100 USDT
        PlaceOrder("so1.2", Side.BUY, D("0.010309"), D("19400.00")),  # 1+2 = 3 %, 200 USDT
    ]


def test_a_take_profit_sells_the_credited_quantity_when_buys_pay_their_fee_in_base() -> None:
    dca = DcaStrategy(config(), BTCUSDT)
    (base,) = places(dca.on_start(ctx("20000")))
    rate = D("0.001")  # Bybit spot: 0.005 BTC bought credits 0.004995
    armed = places(
        dca.on_fill(*fill(base, price=D(20000), fee_rate=rate), ctx("20000", position="0.004995"))
    )
    assert armed[0] == PlaceOrder(
        "tp1.1", Side.SELL, D("0.004995"), D("20200.00"), purpose=Purpose.TAKE_PROFIT
    )
    so1 = armed[1]  # 0.005050 at 19800 credits 0.00504495: the cycle holds 0.01003995
    intents = dca.on_fill(*fill(so1, fee_rate=rate), ctx("19800", position="0.01003995"))
    tp = places(intents)[0]
    assert tp.tag == "tp1.2" and tp.qty == D("0.010039")  # floored to the lot: 0.00000095 dust
    assert dca.cycle.qty == D("0.01003995")


def test_a_safety_fill_reprices_the_take_profit_and_places_the_next_safety_order() -> None:
    dca, armed = started()
    so1 = armed[1]
    intents = dca.on_fill(*fill(so1), ctx("19800", {"tp1.1", "so1.2"}, position="0.010050"))
    # average entry (100 + 99.99) / 0.01005 = 19899.5025; + 1 % = 20098.4975, up to 20098.50
    assert intents == [
        CancelOrder("tp1.1"),
        PlaceOrder("tp1.2", Side.SELL, D("0.010050"), D("20098.50"), purpose=Purpose.TAKE_PROFIT),
        PlaceOrder("so1.3", Side.BUY, D("0.021505"), D("18600.00")),  # 1+2+4 = 7 %, 400 USDT
    ]
    assert dca.cycle.safety_filled == 1
    assert "safety 1/3 · TP 20098.50" in dca.describe()


def test_take_profit_ends_the_cycle_and_the_next_opens_after_the_cooldown() -> None:
    dca, armed = started(config(cooldown_candles=2))
    tp = armed[0]
    # the take profit filled in the candle of minute 0: the engine hears of it at its close
    intents = dca.on_fill(*fill(tp), ctx("20200", {"so1.1", "so1.2"}, ts=T0 + MINUTE_MS))
    assert intents == [CancelOrder("so1.1"), CancelOrder("so1.2")]
    assert dca.cycles_done == 1
    assert dca.on_candle(flat(1, 20210), ctx("20210")) == []
    assert "next cycle at 2023-03-01 00:03 UTC" in dca.describe()
    (base,) = places(dca.on_candle(flat(2, 20210), ctx("20210")))  # closes 2 minutes later
    assert base.tag == "base2" and base.type is OrderType.MARKET


@pytest.mark.parametrize("minutes", [1, 5, 15])
def test_the_cooldown_lasts_its_minutes_whatever_the_candle_interval(minutes: int) -> None:
    """`cooldown_candles` counts minutes: 30 of them are 30 one-minute candles, 6 five-minute
    candles or 2 fifteen-minute ones (each candle closes `minutes` after it opens)."""
    interval = minutes * MINUTE_MS
    dca, armed = started(config(cooldown_candles=30))
    ended = T0 + interval  # the close of the candle the take profit filled in
    dca.on_fill(*fill(armed[0]), ctx("20200", ts=ended))
    opened = None
    for k in range(1, 200):
        bar = candle(k * minutes, 20210, 20210, 20210, 20210, interval)
        if places(dca.on_candle(bar, ctx("20210", ts=bar.close_time))):
            opened = bar.close_time
            break
    assert opened == ended + 30 * MINUTE_MS


def test_a_cycle_is_sized_at_the_price_its_base_order_fills_at() -> None:
    """The base order spends at most `base_order` at the market price on the tick (where a
    market buy fills), never more because the price the strategy saw was off the tick."""
    amount = D("100.01999999")  # 0.005001 at 19999.996 would cost 100.02 at 20000.00
    dca = DcaStrategy(config(base_order=amount), BTCUSDT)
    (base,) = places(dca.on_start(ctx("19999.996")))  # a market buy fills at 20000.00
    assert base.qty * D("20000.00") <= amount
    assert base.qty == D("0.005000")


def test_a_safety_fill_after_the_take_profit_opens_a_cycle_with_its_own_exit() -> None:
    """The take profit ended cycle 1 and its safety orders' cancel was in flight when so1.1
    filled: the cooling-down strategy takes the fill as cycle 2's base order, with a take
    profit and safety orders of its own."""
    dca, armed = started(config(cooldown_candles=5))
    assert dca.on_fill(*fill(armed[0]), ctx("20200")) == [
        CancelOrder("so1.1"),
        CancelOrder("so1.2"),
    ]
    intents = dca.on_fill(*fill(armed[1]), ctx("19800", position="0.005050"))
    assert places(intents)[0] == PlaceOrder(
        "tp2.2", Side.SELL, D("0.005050"), D("19998.00"), purpose=Purpose.TAKE_PROFIT
    )
    assert [p.tag for p in places(intents)[1:]] == ["so2.1", "so2.2"]
    assert dca.cycle.qty == D("0.005050") and dca.cycle.number == 2
    assert "cycle 2" in dca.describe()


def test_a_late_safety_fill_while_the_next_base_order_is_in_flight_joins_that_cycle() -> None:
    dca, armed = started()  # no cooldown: the take profit's fill sends base2 at once
    (base2,) = places(dca.on_fill(*fill(armed[0]), ctx("20200")))
    assert base2.tag == "base2"
    assert dca.on_fill(*fill(armed[1]), ctx("20200", position="0.005050")) == []
    armed2 = places(dca.on_fill(*fill(base2, price=D(20200)), ctx("20200", position="0.010000")))
    tp = armed2[0]  # both fills: (99.99 + 99.99) / 0.01 = 19998, + 1 %
    assert (tp.tag, tp.qty, tp.price) == ("tp2.2", D("0.010000"), D("20197.98"))


def test_a_late_fill_of_an_earlier_cycle_extends_the_cycle_in_progress() -> None:
    dca, armed = started()
    (base2,) = places(dca.on_fill(*fill(armed[0]), ctx("20200")))
    dca.on_fill(*fill(base2, price=D(20200)), ctx("20200", position="0.004950"))
    intents = dca.on_fill(*fill(armed[1]), ctx("20200", {"tp2.2"}, position="0.010000"))
    assert intents[0] == CancelOrder("tp2.2")
    assert places(intents)[0].tag == "tp2.3" and places(intents)[0].qty == D("0.010000")


def test_a_safety_fill_after_the_stop_loss_is_sold_after_the_stop() -> None:
    dca, armed = started(config(stop_loss="5"))
    sells = places(dca.on_candle(flat(1, 18990), ctx("18990", position="0.005")))
    assert [s.tag for s in sells] == ["sl1"]
    so1 = armed[2]  # after the take profit and the stop order
    assert so1.tag == "so1.1"
    # so1.1 (cancelled by the stop) filled before the cancel reached the venue
    assert dca.on_fill(*fill(so1), ctx("18990", position="0.010050")) == []
    (again,) = places(dca.on_fill(*fill(sells[0]), ctx("18990", position="0.005050")))
    assert (again.tag, again.qty, again.type) == ("sl1", D("0.005050"), OrderType.MARKET)


def test_stop_loss_sells_everything_at_market_below_the_average() -> None:
    dca, _ = started(config(stop_loss="5"))
    assert (
        dca.on_candle(candle(1, 19500, 19500, 19001, 19100), ctx("19100", position="0.005")) == []
    )
    intents = dca.on_candle(candle(2, 19100, 19100, 18990, 19000), ctx("19000", position="0.005"))
    assert isinstance(intents[0], CancelAll)
    assert intents[1] == PlaceOrder(
        "sl1", Side.SELL, D("0.005000"), type=OrderType.MARKET, purpose=Purpose.STOP
    )
    (stop,) = places(intents)
    (base,) = places(dca.on_fill(*fill(stop, price=D(19000)), ctx("19000")))
    assert base.tag == "base2" and dca.stops == 1


def test_an_inherited_position_is_adopted_as_the_filled_base_order() -> None:
    dca = DcaStrategy(config(), BTCUSDT)
    intents = places(dca.on_start(ctx("20100", position="0.01", avg="20000")))
    assert [i.tag for i in intents] == ["tp1.1", "so1.1", "so1.2"]
    assert intents[0].price == D("20200.00") and intents[0].qty == D("0.010000")
    assert intents[1].price == D("19800.00")  # anchored at the inherited average


def test_a_dropped_base_order_is_sent_again_on_the_next_candle() -> None:
    dca = DcaStrategy(config(), BTCUSDT)
    dca.on_start(ctx("20000"))
    (again,) = places(dca.on_candle(flat(1, 20000), ctx("20000")))
    assert again.tag == "base1"


def test_resume_replaces_what_is_missing_and_wind_down_cancels_everything() -> None:
    dca, armed = started()
    intents = dca.on_resume(ctx("20000", {"so1.1", "junk"}, position="0.005"))
    assert intents == [CancelOrder("junk"), armed[0], armed[2]]
    assert dca.wind_down(ctx("20000")) == [CancelAll("dca wound down")]
    assert dca.on_fill(*fill(armed[1]), ctx("19800", position="0.01")) == []
    assert dca.on_resume(ctx("20000")) == []
    assert "wound down" in dca.describe()


def test_accumulate_mode_steps_wider_and_may_keep_everything() -> None:
    acc = DcaConfig.model_validate({"mode": "accumulate", "base_order": 100, "safety_order": 100})
    normal = config()
    assert acc.price_deviation > normal.price_deviation
    assert acc.take_profit is not None and normal.take_profit is not None
    assert acc.take_profit < normal.take_profit
    keep = DcaStrategy(config(mode="accumulate", take_profit=None), BTCUSDT)
    (base,) = places(keep.on_start(ctx("20000")))
    armed = places(keep.on_fill(*fill(base, price=D(20000)), ctx("20000", position="0.005")))
    assert all(o.side is Side.BUY for o in armed)  # safety orders, no take profit


def test_safety_orders_must_stay_above_zero() -> None:
    with pytest.raises(ValidationError, match="below the base price"):
        config(price_deviation="10", step_scale="2", max_safety_orders=5)
