"""Short and neutral grids, and the short DCA, on linear perpetuals: the orders they place,
their counter-orders and their reduce-only closes, with hand-worked figures."""

from decimal import Decimal

import pytest
from kit.factories import BTCUSDT
from pydantic import ValidationError
from strategy_samples import ctx, fill, flat, places

from strategies.dca import DcaConfig, DcaStrategy
from strategies.grid import GridConfig, GridStrategy
from traderagent.config import AppConfig
from traderagent.domain import CancelAll, CancelOrder, OrderType, PlaceOrder, Purpose, Side

D = Decimal
SELL, BUY = Side.SELL, Side.BUY


def grid(direction: str, **overrides: object) -> GridStrategy:
    values: dict[str, object] = {
        "direction": direction,
        "lower": D(20000),
        "upper": D(24000),
        "levels": 5,  # 20000 21000 22000 23000 24000; slot qty 100 / level k
        "amount_per_level": D(100),
    }
    values.update(overrides)
    return GridStrategy(GridConfig.model_validate(values), BTCUSDT)


def close(tag: str, side: Side, qty: str, price: str) -> PlaceOrder:
    return PlaceOrder(tag, side, D(qty), D(price), purpose=Purpose.COUNTER, reduce_only=True)


def test_a_short_grid_sells_first_and_seeds_the_short_of_the_levels_below() -> None:
    g = grid("short")
    seed, *rest = g.on_start(ctx("22500"))
    # slots 0 and 1 (their sell levels 21000, 22000 at or below the price) hold a short
    assert seed == PlaceOrder("seed", SELL, D("0.009761"), type=OrderType.MARKET)
    assert rest == [
        PlaceOrder("s2", SELL, D("0.004545"), D("23000.00")),
        PlaceOrder("s3", SELL, D("0.004347"), D("24000.00")),
    ]  # openings (entries) above the price; 22000 stays free
    intents = g.on_fill(*fill(seed, price=D(22500)), ctx("22500", {"s2", "s3"}, "-0.009761"))
    assert intents == [
        close("b0", BUY, "0.005000", "20000.00"),
        close("b1", BUY, "0.004761", "21000.00"),
    ]  # the short bought back one level below each slot's sell, reduce-only


def test_a_short_grid_buys_back_one_level_lower_and_sells_again() -> None:
    g = grid("short")
    g.on_start(ctx("22500"))
    sell = PlaceOrder("s2", SELL, D("0.004545"), D("23000.00"))
    (back,) = g.on_fill(*fill(sell), ctx("23000", position="-0.014306"))
    assert back == close("b2", BUY, "0.004545", "22000.00")
    assert isinstance(back, PlaceOrder)
    (again,) = g.on_fill(*fill(back), ctx("22000", position="-0.009761"))
    assert again == PlaceOrder(
        "s2", SELL, D("0.004545"), D("23000.00"), purpose=Purpose.ENTRY
    )  # an opening again: never reduce-only, an entry the risk limits count
    assert g.cycles == 1 and "short" in g.describe()


def test_a_neutral_grid_opens_nothing_at_start_longs_below_shorts_above() -> None:
    g = grid("neutral")
    intents = g.on_start(ctx("22500"))
    assert intents == [
        PlaceOrder("b0", BUY, D("0.005000"), D("20000.00")),
        PlaceOrder("b1", BUY, D("0.004761"), D("21000.00")),
        PlaceOrder("b2", BUY, D("0.004545"), D("22000.00")),
        PlaceOrder("s3", SELL, D("0.004347"), D("24000.00")),
    ]  # no seed; the level 23000 above the price stays free
    buy, sell = intents[2], intents[3]
    assert isinstance(buy, PlaceOrder) and isinstance(sell, PlaceOrder)
    assert g.on_fill(*fill(buy), ctx("22000", position="0.004545")) == [
        close("s2", SELL, "0.004545", "23000.00")
    ]  # a long sold one level up
    assert g.on_fill(*fill(sell), ctx("24000", position="-0.004347")) == [
        close("b3", BUY, "0.004347", "23000.00")
    ]  # a short bought back one level down


def test_a_restarted_short_grid_adopts_its_short_and_resting_orders() -> None:
    g = grid("short")
    g.on_start(ctx("22500"))
    live = {"b0", "b1", "s2", "s3"}
    intents = g.on_resume(ctx("22500", live, position="-0.009761"))
    assert places(intents) == [] and not any(isinstance(i, CancelOrder) for i in intents)
    fresh = grid("short")  # a new process holding that short: no seed sells it again
    intents = fresh.on_start(ctx("22500", position="-0.009761"))
    assert not any(i.tag == "seed" for i in places(intents))
    assert {i.tag for i in places(intents)} == {"b0", "b1", "s2", "s3"}


def test_a_short_grid_stopped_above_its_range_buys_its_short_back() -> None:
    g = grid("short", stop_outside_pct=D(2))
    g.on_start(ctx("22500"))
    assert g.on_candle(flat(1, 24400), ctx("24400", position="-0.018")) == []  # within 2 %
    cancel, buy = g.on_candle(flat(2, 24500), ctx("24500", position="-0.018"))
    assert isinstance(cancel, CancelAll)
    assert buy == PlaceOrder(
        "stop", BUY, D("0.018000"), type=OrderType.MARKET, purpose=Purpose.STOP, reduce_only=True
    )


def dca(**overrides: object) -> DcaStrategy:
    values: dict[str, object] = {
        "direction": "short",
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
    return DcaStrategy(DcaConfig.model_validate(values), BTCUSDT)


def test_a_short_dca_sells_into_rises_and_buys_back_below_its_average() -> None:
    d = dca()
    (base,) = places(d.on_start(ctx("20000")))
    assert base == PlaceOrder("base1", SELL, D("0.005000"), type=OrderType.MARKET)
    armed = places(d.on_fill(*fill(base, price=D(20000)), ctx("20000", position="-0.005")))
    assert armed == [
        PlaceOrder(
            "tp1.1", BUY, D("0.005000"), D("19800.00"), purpose=Purpose.TAKE_PROFIT,
            reduce_only=True,
        ),  # 1 % below the average
        PlaceOrder("so1.1", SELL, D("0.004950"), D("20200.00")),  # 1 % above, 100 USDT
        PlaceOrder("so1.2", SELL, D("0.009708"), D("20600.00")),  # 3 % above, 200 USDT
    ]  # fmt: skip
    intents = d.on_fill(*fill(armed[1]), ctx("20200", {"tp1.1", "so1.2"}, "-0.009950"))
    # average (100 + 0.00495 x 20200) / 0.00995 = 20099.4975; - 1 % = 19898.5025, down
    assert intents == [
        CancelOrder("tp1.1"),
        PlaceOrder(
            "tp1.2", BUY, D("0.009950"), D("19898.50"), purpose=Purpose.TAKE_PROFIT,
            reduce_only=True,
        ),
        PlaceOrder("so1.3", SELL, D("0.018691"), D("21400.00")),  # 7 % above, 400 USDT
    ]  # fmt: skip
    tp = places(intents)[0]
    done = d.on_fill(*fill(tp), ctx("19898.5", position="0"))
    assert d.cycles_done == 1 and CancelOrder("so1.2") in done and CancelOrder("so1.3") in done
    assert PlaceOrder("base2", SELL, D("0.005025"), type=OrderType.MARKET) in done


def test_a_short_dca_rests_its_stop_above_and_buys_back_at_market_through_it() -> None:
    d = dca(stop_loss="10")
    (base,) = places(d.on_start(ctx("20000")))
    armed = places(d.on_fill(*fill(base, price=D(20000)), ctx("20000", position="-0.005")))
    stop = next(o for o in armed if o.tag.startswith("sl"))
    assert stop == PlaceOrder(
        "sl1.1", BUY, D("0.005000"), D("22000.00"), OrderType.STOP_MARKET, Purpose.STOP, True
    )  # 10 % above the average entry
    wake = d.wake()
    assert wake is not None and wake.high_above < 22000 <= wake.high_above + 0.01
    # the stop is not resting (refused): a candle reaching it buys the short back at market
    intents = d.on_candle(flat(5, 22000), ctx("22000", {"tp1.1"}, position="-0.005"))
    assert isinstance(intents[0], CancelAll)
    assert intents[1] == PlaceOrder(
        "sl1", BUY, D("0.005000"), type=OrderType.MARKET, purpose=Purpose.STOP, reduce_only=True
    )


def bot_config(strategy: dict[str, object], **paper: object) -> dict[str, object]:
    return {
        "paper": {"balances": {"USDT": "10000"}, **paper},
        "bots": [{"name": "b", "symbol": "BTCUSDT", "strategy": strategy}],
    }


GRID = {"kind": "grid", "lower": 20000, "upper": 24000, "levels": 5, "amount_per_level": 100}
DCA = {"kind": "dca", "base_order": 100, "safety_order": 100}


@pytest.mark.parametrize(
    ("strategy", "why"),
    [
        ({**GRID, "direction": "neutral"}, "direction: neutral"),
        ({**GRID, "direction": "short"}, "direction: short"),
        ({**DCA, "direction": "short"}, "direction: short"),
    ],
)
def test_shorting_grids_and_dca_are_refused_on_spot_in_one_line(
    strategy: dict[str, object], why: str
) -> None:
    with pytest.raises(ValidationError, match=f"bot b shorts \\({why}\\), which a spot market"):
        AppConfig.model_validate(bot_config(strategy))
    with pytest.raises(ValidationError, match="set paper.linear.long_only: false"):
        AppConfig.model_validate(bot_config(strategy, category="linear"))
    linear = bot_config(strategy, category="linear", linear={"long_only": False})
    assert AppConfig.model_validate(linear).bots[0].strategy is not None
    long = {**strategy, "direction": "long"}
    assert AppConfig.model_validate(bot_config(long)).paper.category == "spot"


def test_a_resumed_neutral_grid_keeps_the_sides_it_opened_with() -> None:
    """Paused after a long slot bought at 21 000 and the price fell to 20 900: on resume the
    slot still holds its long and sells it at 22 000 (not a short slot's opening sell)."""
    g = grid("neutral")
    g.on_start(ctx("22500"))
    buy = PlaceOrder("b1", BUY, D("0.004761"), D("21000.00"))
    g.on_fill(*fill(buy), ctx("21000", position="0.004761"))
    live = {"b0", "s1", "b2", "s3"}
    assert g.on_resume(ctx("20900", live, position="0.004761")) == []
    assert g.book is not None and g.book.short == [False, False, False, True]
    assert g.book.holding[1] and g.book.held[1] == D("0.004761")


def test_a_restarted_short_grid_buys_nothing_back_above_the_price() -> None:
    """Started at 22 500 (slots 0, 1 short), s2 and s3 filled at 23 000 and 24 000 while the
    bot was down, and the price came back to 22 600: a new process holding that short rests
    the buy-backs below the price (b0, b1, and b2 at 22 000 for a slot it stands in for) and
    buys nothing back at market; the short no buy-back below the price can take is
    unmanaged, not closed because of the restart (its slot is empty and sells as at start)."""
    g = grid("short")
    held = D("-0.018653")  # slots 0 to 3: 0.005000 + 0.004761 + 0.004545 + 0.004347
    intents = g.on_start(ctx("22600", {"b0", "b1"}, position=held))
    assert not any(isinstance(i, CancelOrder) for i in intents)
    placed = places(intents)
    assert all(o.type is OrderType.LIMIT for o in placed)  # nothing at market
    assert placed == [
        close("b2", BUY, "0.004545", "22000.00"),
        PlaceOrder("s3", SELL, D("0.004347"), D("24000.00")),  # slot 3 opens as at start
    ]
    assert g.unmanaged == D("0.004347")  # slot 3's buy-back (23 000) is above the price
    assert g.book is not None and g.book.held[:3] == [D("0.005"), D("0.004761"), D("0.004545")]
    assert "unmanaged 0.004347" in g.describe()


def test_a_restarted_neutral_grid_keeps_its_short_below_the_price() -> None:
    """Started at 20 500 (slot 0 long, slots 1-3 short), s1 and s2 filled at 22 000 and
    23 000, their buy-backs rest at 21 000 and 22 000, and the price is 22 500 when a new
    process starts: the held short is the slots' whose buy-backs rest below the price, not a
    short slot above it closed at market; nothing is placed or cancelled."""
    g = grid("neutral")
    live = {"b0", "b1", "b2", "s3"}
    held = D("-0.009306")  # slots 1, 2: 0.004761 + 0.004545
    intents = g.on_start(ctx("22500", live, position=held))
    assert intents == []
    assert g.book is not None and g.book.short == [False, True, True, True]
    assert g.book.holding == [False, True, True, False]
    assert g.book.held == [D(0), D("0.004761"), D("0.004545"), D(0)]
    assert g.unmanaged == 0
    assert g.desired()["b1"] == close("b1", BUY, "0.004761", "21000.00")  # reduce-only
    assert g.desired()["b2"] == close("b2", BUY, "0.004545", "22000.00")


def test_a_restarted_neutral_grid_never_buys_back_above_the_price_nor_beyond_its_short() -> None:
    """The same neutral grid after a kill that lost the buy-back b2 (its sell filled, the
    counter-order never placed): the slot at 22 000 still takes its part of the short, and
    no reduce-only buy adds up to more than the position; nothing goes at market."""
    g = grid("neutral")
    held = D("-0.009306")
    intents = g.on_start(ctx("22500", {"b0", "b1", "s3"}, position=held))
    placed = places(intents)
    assert all(o.type is OrderType.LIMIT and o.price is not None for o in placed)
    assert all(o.price <= D(22500) for o in placed if o.side is BUY)  # type: ignore[operator]
    closing = sum((o.qty for o in placed if o.reduce_only), D(0))
    assert g.book is not None
    resting = sum((g.book.held[k] for k in range(4) if g.book.short[k] and g.book.holding[k]), D(0))
    assert resting + g.unmanaged == -held
    assert closing <= -held


def test_a_restarted_neutral_grid_keeps_its_long_above_the_price() -> None:
    """The mirror: started at 22 500, b2 and b1 filled at 22 000 and 21 000, their sells rest
    at 23 000 and 22 000, and a new process starts at 21 500: the held long is the slots'
    whose sells rest above the price (slot 2 stays long, not a short slot wanting to sell
    again), nothing is sold at market and nothing placed or cancelled."""
    g = grid("neutral")
    intents = g.on_start(ctx("21500", {"b0", "s1", "s2", "s3"}, position="0.009306"))
    assert intents == []
    assert g.book is not None and g.book.short == [False, False, False, True]
    assert g.book.holding == [False, True, True, False]
    assert g.unmanaged == 0
