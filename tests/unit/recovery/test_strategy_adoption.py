"""After a restart a strategy starts with an inherited position and the tags of its orders
still resting (`ctx.live_tags`): it adopts them and places only what is missing."""

from __future__ import annotations

from decimal import Decimal

from kit.factories import BTCUSDT

from strategies.base import StrategyContext
from strategies.dca import DcaConfig, DcaStrategy
from strategies.grid import GridConfig, GridStrategy
from strategies.trend import TrendConfig, TrendStrategy
from traderagent.domain import CancelOrder, Intent, OrderType, PlaceOrder

D = Decimal


def ctx(
    price: str, live: frozenset[str] = frozenset(), position: str = "0", avg: str | None = None
) -> StrategyContext:
    return StrategyContext(BTCUSDT, D(price), 0, live, D(position), None if avg is None else D(avg))


def places(intents: list[Intent]) -> dict[str, PlaceOrder]:
    return {i.tag: i for i in intents if isinstance(i, PlaceOrder)}


def cancels(intents: list[Intent]) -> set[str]:
    return {i.tag for i in intents if isinstance(i, CancelOrder)}


def grid() -> GridStrategy:
    config = {"lower": 20000, "upper": 24000, "levels": 5, "amount_per_level": 100}
    return GridStrategy(GridConfig.model_validate(config), BTCUSDT)


def test_a_fresh_grid_seeds_and_places_every_order() -> None:
    intents = grid().on_start(ctx("21500"))
    assert set(places(intents)) == {"seed", "b0", "b1"}  # sells wait for the seed's fill


def test_a_restarted_grid_keeps_its_resting_orders_and_places_only_the_missing_one() -> None:
    # before the crash: b0 and b1 rested below, s2 and s3 above with their base held;
    # b1 was lost in the crash (the exchange never got it)
    fresh = grid()
    fresh.on_start(ctx("21500"))
    slots = fresh.book
    assert slots is not None
    held = slots.quantities[2] + slots.quantities[3]
    intents = grid().on_start(ctx("21500", frozenset({"b0", "s2", "s3"}), str(held), "22500"))
    assert set(places(intents)) == {"b1"}  # no seed: the position fills the selling slots
    assert cancels(intents) == set()


def test_a_restarted_grid_cancels_a_resting_order_it_no_longer_wants() -> None:
    intents = grid().on_start(ctx("21500", frozenset({"b0", "b1", "b7"})))
    assert "b7" in cancels(intents)
    assert "b0" not in places(intents) and "b1" not in places(intents)


def dca() -> DcaStrategy:
    config = {
        "base_order": "100",
        "safety_order": "100",
        "max_safety_orders": 3,
        "active_safety_orders": 2,
        "price_deviation": "1",
        "step_scale": "2",
        "volume_scale": "2",
        "take_profit": "1",
    }
    return DcaStrategy(DcaConfig.model_validate(config), BTCUSDT)


def test_a_restarted_dca_continues_its_cycle_and_replaces_only_the_take_profit() -> None:
    live = {"tp3.2", "so3.2", "so3.3"}  # cycle 3: safety 1 filled, 2 and 3 resting
    intents = dca().on_start(ctx("19700", frozenset(live), "0.010", "19900"))
    placed = places(intents)
    assert set(placed) == {"tp3.3"}  # no base order, no second copy of a safety order
    assert placed["tp3.3"].qty == D("0.010")
    assert cancels(intents) == {"tp3.2"}


def test_a_restarted_dca_without_a_position_cancels_leftovers_and_opens_a_cycle() -> None:
    intents = dca().on_start(ctx("20000", frozenset({"so2.1"})))
    assert cancels(intents) == {"so2.1"}
    (base,) = places(intents).values()
    assert base.type is OrderType.MARKET and base.tag == "base2"


def test_a_restarted_trend_follower_adopts_the_position_and_cancels_stale_market_orders() -> None:
    trend = TrendStrategy(TrendConfig.model_validate({}), BTCUSDT)
    intents = trend.on_start(ctx("20000", frozenset({"exit4"}), "0.01", "19500"))
    assert cancels(intents) == {"exit4"}
    (stop,) = places(intents).values()  # the adopted position's stop rests on the venue
    assert (stop.tag, stop.type, stop.price) == ("stop5.1", OrderType.STOP_MARKET, D("18915.00"))
    assert trend.position is not None and trend.position.entry == D("19500")
    assert trend.seq == 5  # the adopted position's orders and the next entry: fresh tags
