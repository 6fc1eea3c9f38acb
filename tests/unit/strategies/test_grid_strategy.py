from dataclasses import replace
from decimal import Decimal

import pytest
from kit.factories import BTCUSDT
from pydantic import ValidationError
from strategy_samples import candle, ctx, fill, flat, places

from strategies.grid import (
    GridConfig,
    GridError,
    GridStrategy,
    grid_levels,
    profit_per_grid,
    slot_quantities,
)
from traderagent.domain import (
    CancelAll,
    CancelOrder,
    OrderStatus,
    OrderType,
    PlaceOrder,
    Purpose,
    Side,
)

D = Decimal


def config(**overrides: object) -> GridConfig:
    values: dict[str, object] = {
        "lower": D(20000),
        "upper": D(24000),
        "levels": 5,
        "amount_per_level": D(100),
    }
    values.update(overrides)
    return GridConfig.model_validate(values)


def test_arithmetic_levels_are_equally_spaced_and_include_bounds() -> None:
    levels = grid_levels(config(), BTCUSDT)
    assert levels == (D("20000.00"), D("21000.00"), D("22000.00"), D("23000.00"), D("24000.00"))


def test_geometric_levels_have_a_constant_ratio() -> None:
    levels = grid_levels(config(spacing="geometric", lower=D(10000), upper=D(40000)), BTCUSDT)
    assert levels == (D("10000.00"), D("14142.14"), D("20000.00"), D("28284.27"), D("40000.00"))
    low, high = profit_per_grid(levels)
    assert abs(low - D("0.414214")) < D("0.000001")
    assert high - low < D("0.000001")


def test_range_factor_shrinks_the_range_around_its_centre() -> None:
    levels = grid_levels(config(range_factor=D("0.5")), BTCUSDT)
    assert levels == (D("21000.00"), D("21500.00"), D("22000.00"), D("22500.00"), D("23000.00"))


def test_levels_closer_than_a_tick_are_refused() -> None:
    with pytest.raises(GridError, match="closer than one tick"):
        grid_levels(config(lower=D("100.00"), upper=D("100.03"), levels=5), BTCUSDT)


def test_bounds_come_either_fixed_or_from_the_atr() -> None:
    with pytest.raises(ValidationError, match="not both"):
        config(bounds={"atr_multiple": 3})
    with pytest.raises(ValidationError, match="give lower and upper, or bounds"):
        GridConfig.model_validate({"lower": 1, "levels": 5, "amount_per_level": 100})
    atr = GridConfig.model_validate(
        {"bounds": {"atr_multiple": 3}, "levels": 5, "amount_per_level": 100}
    )
    assert atr.bounds is not None and atr.bounds.interval == "1h"


def test_slot_quantity_is_amount_over_the_buy_level_floored_to_the_lot() -> None:
    qty = slot_quantities(grid_levels(config(), BTCUSDT), D(100), BTCUSDT)
    assert qty == (D("0.005000"), D("0.004761"), D("0.004545"), D("0.004347"))
    with pytest.raises(GridError, match="too small"):
        slot_quantities(grid_levels(config(), BTCUSDT), D(4), BTCUSDT)


def test_start_seeds_inventory_for_the_levels_above_and_buys_below() -> None:
    grid = GridStrategy(config(), BTCUSDT)
    seed, *rest = grid.on_start(ctx("22500"))
    assert seed == PlaceOrder("seed", Side.BUY, D("0.004347"), type=OrderType.MARKET)
    assert rest == [
        PlaceOrder("b0", Side.BUY, D("0.005000"), D("20000.00")),
        PlaceOrder("b1", Side.BUY, D("0.004761"), D("21000.00")),
        PlaceOrder("b2", Side.BUY, D("0.004545"), D("22000.00")),
    ]  # entries; the sell at 24000 waits for the seed; level 23000 stays free


def test_seed_fill_places_the_sells_one_level_above_each_held_slot() -> None:
    grid = GridStrategy(config(), BTCUSDT)
    seed = places(grid.on_start(ctx("22500")))[0]
    intents = grid.on_fill(*fill(seed), ctx("22500", {"b0", "b1", "b2"}))
    assert intents == [
        PlaceOrder("s3", Side.SELL, D("0.004347"), D("24000.00"), purpose=Purpose.COUNTER)
    ]


def test_counter_order_goes_to_the_neighbouring_level_and_counts_cycles() -> None:
    grid = GridStrategy(config(), BTCUSDT)
    grid.on_start(ctx("22500"))
    buy = PlaceOrder("b1", Side.BUY, D("0.004761"), D("21000.00"))
    (sell,) = grid.on_fill(*fill(buy), ctx("20900"))
    assert sell == PlaceOrder(
        "s1", Side.SELL, D("0.004761"), D("22000.00"), purpose=Purpose.COUNTER
    )
    assert isinstance(sell, PlaceOrder)
    (rebuy,) = grid.on_fill(*fill(sell), ctx("22100"))
    assert rebuy == PlaceOrder(
        "b1", Side.BUY, D("0.004761"), D("21000.00"), purpose=Purpose.COUNTER
    )
    assert grid.cycles == 1
    assert "cycles 1" in grid.describe()


def test_a_buy_charged_in_base_holds_the_credited_quantity_and_keeps_the_dust() -> None:
    """Bybit spot takes a buy's fee from the base it buys: the counter-sell sells the credited
    quantity floored to the lot, never more than the account holds; the rest stays as dust."""
    grid = GridStrategy(config(), BTCUSDT)
    grid.on_start(ctx("22500"))
    buy = PlaceOrder("b1", Side.BUY, D("0.004761"), D("21000.00"))
    (sell,) = grid.on_fill(*fill(buy, fee_rate=D("0.001")), ctx("20900"))
    # credited 0.004761 - 0.000004761 = 0.004756239: sell 0.004756, keep 0.000000239
    assert sell == PlaceOrder(
        "s1", Side.SELL, D("0.004756"), D("22000.00"), purpose=Purpose.COUNTER
    )
    assert grid.book is not None and grid.book.held[1] == D("0.004756239")
    (rebuy,) = grid.on_fill(*fill(sell, fee_rate=D("0.001")), ctx("22100"))
    assert grid.book.held[1] == D("0.000000239")  # the dust stays with its slot
    assert rebuy == PlaceOrder(
        "b1", Side.BUY, D("0.004760"), D("21000.00"), purpose=Purpose.COUNTER
    )  # the slot's quantity less what it holds, floored
    seed_grid = GridStrategy(config(), BTCUSDT)
    seed = places(seed_grid.on_start(ctx("22500")))[0]
    intents = seed_grid.on_fill(*fill(seed, fee_rate=D("0.001")), ctx("22500", {"b0", "b1", "b2"}))
    (top,) = places(intents)  # the seed's fee comes off the highest slot it bought for
    assert top.qty == D("0.004342") and top.qty <= seed.qty * D("0.999")


def test_partial_buy_fills_hold_what_they_got_and_the_counter_sells_exactly_that() -> None:
    grid = GridStrategy(config(), BTCUSDT)
    grid.on_start(ctx("22500"))
    buy = PlaceOrder("b1", Side.BUY, D("0.004761"), D("21000.00"))
    assert grid.on_fill(*fill(buy, D("0.002000")), ctx("20990")) == []
    (sell,) = grid.on_fill(*fill(buy, filled_before=D("0.002000")), ctx("20990"))
    assert isinstance(sell, PlaceOrder) and sell.qty == D("0.004761")
    # a sell that partly fills and is then cancelled leaves its remainder with the slot
    grid.on_fill(*fill(sell, D("0.001000")), ctx("21990"))
    intents = grid.on_resume(ctx("21990", {"b0", "b2", "seed"}))
    assert PlaceOrder("s1", Side.SELL, D("0.003761"), D("22000.00"), purpose=Purpose.COUNTER) in (
        intents
    )


def test_an_interrupted_partial_buy_resyncs_to_the_remainder() -> None:
    grid = GridStrategy(config(), BTCUSDT)
    grid.on_start(ctx("22500"))
    buy = PlaceOrder("b0", Side.BUY, D("0.005000"), D("20000.00"))
    grid.on_fill(*fill(buy, D("0.003000")), ctx("19990"))
    intents = grid.on_resume(ctx("20100", {"b1", "b2", "seed"}))  # b0 was cancelled meanwhile
    assert places(intents) == [PlaceOrder("b0", Side.BUY, D("0.002000"), D("20000.00"))]
    # too small a remainder to buy: the slot sells what it has instead
    grid.on_fill(*fill(places(intents)[0], D("0.001990")), ctx("19990"))
    intents = grid.on_resume(ctx("20100", {"b1", "b2", "seed"}))
    assert places(intents) == [
        PlaceOrder("s0", Side.SELL, D("0.004990"), D("21000.00"), purpose=Purpose.COUNTER)
    ]


def test_an_inherited_position_counts_toward_the_held_slots() -> None:
    grid = GridStrategy(config(), BTCUSDT)
    intents = grid.on_start(ctx("21500", position="0.006000", avg="21400"))
    # slots 2 and 3 (levels 22000, 23000) hold 0.004545 + 0.004347; 0.006 covers part of it
    assert intents[0] == PlaceOrder("seed", Side.BUY, D("0.002892"), type=OrderType.MARKET)
    richer = GridStrategy(config(), BTCUSDT)
    intents = richer.on_start(ctx("21500", position="0.010000"))
    assert not any(i.tag == "seed" for i in places(intents))
    # the 0.001108 beyond slots 2 and 3 stands in for slot 1's buy: it is sold a level up,
    # not bought again (before, it was left unmanaged while b1 bought a full slot more)
    sells = {i.tag: i for i in places(intents) if i.side is Side.SELL}
    assert set(sells) == {"s1", "s2", "s3"} and sells["s1"].qty == D("0.001108")
    assert {i.tag for i in places(intents) if i.side is Side.BUY} == {"b0"}
    assert "unmanaged" not in richer.describe()


def test_profit_per_grid_is_shown_in_describe() -> None:
    grid = GridStrategy(config(), BTCUSDT)
    grid.on_start(ctx("22500"))
    # arithmetic: 1000 on 23000 (4.35 %) up to 1000 on 20000 (5 %)
    assert "profit/grid 4.35-5.00%" in grid.describe()
    assert "holding 1/4" in grid.describe()


def test_stop_below_the_range_cancels_and_sells_the_inventory() -> None:
    grid = GridStrategy(config(stop_outside_pct=D(2)), BTCUSDT)
    grid.on_start(ctx("22500"))
    assert grid.on_candle(flat(1, 19700), ctx("19700", position="0.01")) == []  # within 2 %
    intents = grid.on_candle(flat(2, 19500), ctx("19500", position="0.013"))
    assert isinstance(intents[0], CancelAll)
    assert intents[1] == PlaceOrder(
        "stop", Side.SELL, D("0.013"), type=OrderType.MARKET, purpose=Purpose.STOP
    )
    assert grid.on_candle(flat(3, 22000), ctx("22000")) == []  # stopped for good
    assert "stopped: price 19500 below 19600.00" in grid.describe()


def test_stop_above_the_range_only_cancels() -> None:
    grid = GridStrategy(config(stop_outside_pct=D(1)), BTCUSDT)
    grid.on_start(ctx("22500"))
    intents = grid.on_candle(flat(1, 24300), ctx("24300", position="0.002"))
    assert len(intents) == 1 and isinstance(intents[0], CancelAll)
    assert grid.desired() == {}


def test_atr_bounds_wait_for_warm_up_then_centre_on_the_price() -> None:
    cfg = GridConfig.model_validate(
        {
            "bounds": {"atr_multiple": 2, "atr_period": 2, "interval": "1m"},
            "levels": 5,
            "amount_per_level": 100,
        }
    )
    grid = GridStrategy(cfg, BTCUSDT)
    assert grid.on_start(ctx("22000")) == []
    assert "waiting for ATR(2) on 1m: 0/3 bars" in grid.describe()
    assert grid.on_candle(candle(0, 22000, 22100, 21900, 22000), ctx("22000")) == []
    assert grid.on_candle(candle(1, 22000, 22100, 21900, 22000), ctx("22000")) == []
    intents = grid.on_candle(candle(2, 22000, 22100, 21900, 22000), ctx("22000"))
    # ATR = 200 on every bar: the range is 22000 +/- 400
    assert grid.levels == (
        D("21600.00"),
        D("21800.00"),
        D("22000.00"),
        D("22200.00"),
        D("22400.00"),
    )
    assert [i.tag for i in places(intents)] == ["seed", "b0", "b1"]


def test_wind_down_cancels_everything_and_places_nothing_after() -> None:
    grid = GridStrategy(config(), BTCUSDT)
    grid.on_start(ctx("22500"))
    assert grid.wind_down(ctx("22500", {"b0", "b1"})) == [CancelAll("grid wound down")]
    buy = PlaceOrder("b1", Side.BUY, D("0.004761"), D("21000.00"))
    assert grid.on_fill(*fill(buy), ctx("20900")) == []  # a late fill updates the book only
    assert grid.book is not None and grid.book.holding[1]
    assert grid.on_resume(ctx("20900")) == []
    assert "wound down" in grid.describe()


def test_resume_places_what_is_missing_and_cancels_what_is_not_wanted() -> None:
    grid = GridStrategy(config(), BTCUSDT)
    seed = places(grid.on_start(ctx("22500")))[0]
    grid.on_fill(*fill(seed), ctx("22500"))
    intents = grid.on_resume(ctx("22500", {"b0", "s3", "b9"}, position=str(seed.qty)))
    assert CancelOrder("b9") in intents
    assert {i.tag for i in places(intents)} == {"b1", "b2"}


def test_a_dropped_seed_is_sent_again_on_resume() -> None:
    grid = GridStrategy(config(), BTCUSDT)
    grid.on_start(ctx("22500"))
    intents = grid.on_resume(ctx("22500", {"b0", "b1", "b2"}))
    assert places(intents) == [PlaceOrder("seed", Side.BUY, D("0.004347"), type=OrderType.MARKET)]


def test_a_partial_fill_that_crossed_the_cancel_gets_its_counter_sell() -> None:
    """b1 was cancelled (a resume re-sync) and a part fill arrived after the cancel: the order
    fills no further, so the slot sells what it got one level up."""
    grid = GridStrategy(config(), BTCUSDT)
    grid.on_start(ctx("22500"))
    buy = PlaceOrder("b1", Side.BUY, D("0.004761"), D("21000.00"))
    part, order = fill(buy, D("0.002000"))
    cancelled = replace(order, status=OrderStatus.CANCELLED)
    assert grid.on_fill(part, cancelled, ctx("20990")) == [
        PlaceOrder("s1", Side.SELL, D("0.002000"), D("22000.00"), purpose=Purpose.COUNTER)
    ]


def test_a_buy_filled_after_the_stop_is_sold_at_market() -> None:
    grid = GridStrategy(config(stop_outside_pct=D(2)), BTCUSDT)
    grid.on_start(ctx("22500"))
    grid.on_candle(flat(2, 19500), ctx("19500", position="0.013"))  # stopped below the range
    buy = PlaceOrder("b0", Side.BUY, D("0.005000"), D("20000.00"))
    # b0 filled while the stop's cancel was in flight
    assert grid.on_fill(*fill(buy, price=D(19400)), ctx("19400", position="0.005")) == [
        PlaceOrder("stop", Side.SELL, D("0.005000"), type=OrderType.MARKET, purpose=Purpose.STOP)
    ]
