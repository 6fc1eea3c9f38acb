from decimal import Decimal

import pytest
from kit.factories import BTCUSDT

from strategies.base import StrategyContext
from strategies.grid import GridConfig, GridError, GridStrategy, grid_levels, slot_quantities
from traderagent.domain import (
    CancelOrder,
    Fill,
    Liquidity,
    Order,
    OrderStatus,
    OrderType,
    PlaceOrder,
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


def ctx(price: str, live: frozenset[str] = frozenset()) -> StrategyContext:
    return StrategyContext(BTCUSDT, D(price), 0, live)


def test_arithmetic_levels_are_equally_spaced_and_include_bounds() -> None:
    levels = grid_levels(config(), BTCUSDT)
    assert levels == (D("20000.00"), D("21000.00"), D("22000.00"), D("23000.00"), D("24000.00"))


def test_geometric_levels_have_a_constant_ratio() -> None:
    levels = grid_levels(config(spacing="geometric", lower=D(10000), upper=D(40000)), BTCUSDT)
    assert levels == (D("10000.00"), D("14142.14"), D("20000.00"), D("28284.27"), D("40000.00"))
    ratios = [float(b / a) for a, b in zip(levels, levels[1:], strict=False)]
    assert max(ratios) - min(ratios) < 1e-6


def test_levels_closer_than_a_tick_are_refused() -> None:
    with pytest.raises(GridError, match="closer than one tick"):
        grid_levels(config(lower=D("100.00"), upper=D("100.03"), levels=5), BTCUSDT)


def test_slot_quantity_is_amount_over_the_buy_level_floored_to_the_lot() -> None:
    qty = slot_quantities(grid_levels(config(), BTCUSDT), D(100), BTCUSDT)
    assert qty == (D("0.005000"), D("0.004761"), D("0.004545"), D("0.004347"))
    with pytest.raises(GridError, match="too small"):
        slot_quantities(grid_levels(config(), BTCUSDT), D(4), BTCUSDT)


def test_start_seeds_inventory_for_the_levels_above_and_buys_below() -> None:
    grid = GridStrategy(config(), BTCUSDT)
    intents = grid.on_start(ctx("22500"))
    seed, *rest = intents
    assert seed == PlaceOrder("seed", Side.BUY, D("0.004347"), type=OrderType.MARKET)
    assert rest == [
        PlaceOrder("b0", Side.BUY, D("0.005000"), D("20000.00")),
        PlaceOrder("b1", Side.BUY, D("0.004761"), D("21000.00")),
        PlaceOrder("b2", Side.BUY, D("0.004545"), D("22000.00")),
    ]  # the sell at 24000 waits for the seed; level 23000, just above the price, stays free


def _fill(order: PlaceOrder, status: OrderStatus = OrderStatus.FILLED) -> tuple[Fill, Order]:
    price = order.price or D(22500)
    fill = Fill("f", "c", "BTCUSDT", order.side, price, order.qty, D(0), "USDT", Liquidity.MAKER, 0)
    done = Order(
        "c",
        "BTCUSDT",
        order.side,
        order.type,
        order.qty,
        order.price,
        status,
        0,
        0,
        filled_qty=order.qty,
        tag=order.tag,
    )
    return fill, done


def test_seed_fill_places_the_sells_one_level_above_each_held_slot() -> None:
    grid = GridStrategy(config(), BTCUSDT)
    seed = grid.on_start(ctx("22500"))[0]
    assert isinstance(seed, PlaceOrder)
    intents = grid.on_fill(*_fill(seed), ctx("22500", frozenset({"b0", "b1", "b2"})))
    assert intents == [PlaceOrder("s3", Side.SELL, D("0.004347"), D("24000.00"))]


def test_counter_order_goes_to_the_neighbouring_level_and_counts_cycles() -> None:
    grid = GridStrategy(config(), BTCUSDT)
    grid.on_start(ctx("22500"))
    buy = PlaceOrder("b1", Side.BUY, D("0.004761"), D("21000.00"))
    (sell,) = grid.on_fill(*_fill(buy), ctx("20900"))
    assert sell == PlaceOrder("s1", Side.SELL, D("0.004761"), D("22000.00"))
    assert isinstance(sell, PlaceOrder)
    (rebuy,) = grid.on_fill(*_fill(sell), ctx("22100"))
    assert rebuy == buy
    assert grid.cycles == 1


def test_partial_fill_waits_for_the_whole_order() -> None:
    grid = GridStrategy(config(), BTCUSDT)
    grid.on_start(ctx("22500"))
    buy = PlaceOrder("b1", Side.BUY, D("0.004761"), D("21000.00"))
    assert grid.on_fill(*_fill(buy, OrderStatus.PARTIALLY_FILLED), ctx("20990")) == []


def test_resume_places_what_is_missing_and_cancels_what_is_not_wanted() -> None:
    grid = GridStrategy(config(), BTCUSDT)
    seed = grid.on_start(ctx("22500"))[0]
    assert isinstance(seed, PlaceOrder)
    grid.on_fill(*_fill(seed), ctx("22500"))
    intents = grid.on_resume(ctx("22500", frozenset({"b0", "s3", "b9"})))
    assert CancelOrder("b9") in intents
    placed = {i.tag for i in intents if isinstance(i, PlaceOrder)}
    assert placed == {"b1", "b2"}
