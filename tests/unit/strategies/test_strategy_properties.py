"""Property tests: grid geometry, DCA arithmetic, the trailing stop, the SMC wrapper."""

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st
from kit.factories import BTCUSDT
from strategy_samples import candle, ctx, fill, places

from strategies.base import StrategyContext
from strategies.dca import DcaCycle, SafetyOrderPlan, deviation_pct, volume
from strategies.grid import GridConfig, GridStrategy
from strategies.smc import Filtered, SmcConfig, SmcFilter
from strategies.trend import LongPosition, TrailingStop
from traderagent.domain import (
    CancelAll,
    CancelOrder,
    Candle,
    Fill,
    Intent,
    Order,
    OrderType,
    PlaceOrder,
    Purpose,
    Side,
)

D = Decimal
TICK = Fraction(1, 100)
cents = st.integers(min_value=1_000_000, max_value=6_000_000).map(lambda c: D(c) / 100)
money = st.decimals(min_value=D("0.01"), allow_nan=False, allow_infinity=False, places=2)


def on_tick(value: Fraction, rounding: str) -> Decimal:
    units = value / TICK
    whole = units.numerator // units.denominator
    if rounding == ROUND_CEILING and whole * units.denominator != units.numerator:
        whole += 1
    return (D(whole) / 100).quantize(D("0.01"))


# -- grid ----------------------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(
    lower=cents,
    width_pct=st.integers(min_value=5, max_value=80),
    levels=st.integers(min_value=3, max_value=40),
    spacing=st.sampled_from(["arithmetic", "geometric"]),
    where=st.floats(min_value=0.0, max_value=1.0),
)
def test_grid_buys_sit_below_sells_and_counters_are_one_level_apart(
    lower: Decimal, width_pct: int, levels: int, spacing: str, where: float
) -> None:
    upper = (lower * (100 + width_pct) / 100).quantize(D("0.01"))
    cfg = GridConfig.model_validate(
        {
            "lower": lower,
            "upper": upper,
            "levels": levels,
            "spacing": spacing,
            "amount_per_level": 50,
        }
    )
    grid = GridStrategy(cfg, BTCUSDT)
    price = (lower + (upper - lower) * D(repr(where))).quantize(D("0.01"))
    start = places(grid.on_start(ctx(price)))
    seed = [o for o in start if o.tag == "seed"]
    orders = [o for o in start if o.tag != "seed"]
    if seed:
        resting = {o.tag for o in orders}
        orders += places(grid.on_fill(*fill(seed[0], price=price), ctx(price, resting)))
    buys = [o.price for o in orders if o.side is Side.BUY and o.price is not None]
    sells = [o.price for o in orders if o.side is Side.SELL and o.price is not None]
    assert not buys or not sells or max(buys) < min(sells)
    assert all(b < price for b in buys) and all(s > price for s in sells)
    index = {level: i for i, level in enumerate(grid.levels)}
    for order in orders:
        assert order.price is not None
        (counter,) = places(grid.on_fill(*fill(order), ctx(order.price)))
        assert counter.price is not None and counter.side is order.side.opposite
        step = 1 if order.side is Side.BUY else -1
        assert index[counter.price] == index[order.price] + step  # exactly one level away
        assert counter.qty == order.qty  # the counter trades what the fill got


# -- DCA -----------------------------------------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(
    first=st.integers(min_value=1, max_value=50).map(lambda x: D(x) / 10),
    step_scale=st.integers(min_value=50, max_value=300).map(lambda x: D(x) / 100),
    volume_scale=st.integers(min_value=50, max_value=300).map(lambda x: D(x) / 100),
    amount=st.integers(min_value=10, max_value=1000).map(D),
    count=st.integers(min_value=1, max_value=6),
    base=cents,
)
def test_safety_orders_follow_the_3commas_formulas(
    first: Decimal,
    step_scale: Decimal,
    volume_scale: Decimal,
    amount: Decimal,
    count: int,
    base: Decimal,
) -> None:
    plan = SafetyOrderPlan(base, amount, first, step_scale, volume_scale, count, BTCUSDT)
    for n in range(1, count + 1):
        so = plan.order(n)
        exact_dev = Fraction(first) * sum(Fraction(step_scale) ** i for i in range(n))
        exact_volume = Fraction(amount) * Fraction(volume_scale) ** (n - 1)
        assert (
            Fraction(so.deviation_pct) == exact_dev == Fraction(deviation_pct(first, step_scale, n))
        )
        assert Fraction(so.amount) == exact_volume == Fraction(volume(amount, volume_scale, n))
        if exact_dev < 100:
            expected = on_tick(Fraction(base) * (1 - exact_dev / 100), ROUND_FLOOR)
            assert so.price == expected
        if n > 1:
            assert so.price <= plan.order(n - 1).price


@settings(max_examples=150, deadline=None)
@given(
    buys=st.lists(
        st.tuples(cents, st.integers(min_value=48, max_value=2_000_000)), min_size=1, max_size=8
    ),
    take_profit=st.integers(min_value=1, max_value=500).map(lambda x: D(x) / 100),
)
def test_average_entry_and_take_profit_are_exact(
    buys: list[tuple[Decimal, int]], take_profit: Decimal
) -> None:
    cycle = DcaCycle(1)
    for price, units in buys:
        cycle.bought(D(units) / 1_000_000, price)
    cost = sum(Fraction(p) * Fraction(u, 1_000_000) for p, u in buys)
    qty = sum(Fraction(u, 1_000_000) for _, u in buys)
    assert Fraction(cycle.cost) == cost and Fraction(cycle.qty) == qty
    average = cost / qty
    assert cycle.average_entry == D(average.numerator) / D(average.denominator)
    target = cycle.take_profit_price(take_profit)
    assert target is not None
    exact_tp = average * (1 + Fraction(take_profit) / 100)
    assert BTCUSDT.round_price(target, Side.SELL) == on_tick(exact_tp, ROUND_CEILING)


# -- trend ---------------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(
    start=cents,
    moves=st.lists(
        st.tuples(
            st.integers(min_value=-500_00, max_value=500_00),
            st.integers(min_value=1, max_value=2_000_00),
        ),
        min_size=1,
        max_size=40,
    ),
)
def test_a_trailing_stop_never_loosens(start: Decimal, moves: list[tuple[int, int]]) -> None:
    position = LongPosition(start, TrailingStop(start * D("0.95")), None, start)
    level = position.stop.level
    high = start
    for move, distance in moves:
        high = max(D("0.01"), high + D(move) / 100)
        new = position.trail(high, D(distance) / 100)
        assert new >= level
        assert new >= position.highest - D(distance) / 100
        level = new


# -- SMC wrapper ---------------------------------------------------------------------------------

purposes = st.sampled_from(list(Purpose))
intents = st.one_of(
    st.builds(
        PlaceOrder,
        tag=st.sampled_from(["a", "b", "c", "d"]),
        side=st.sampled_from(list(Side)),
        qty=st.just(D("0.01")),
        price=st.one_of(st.none(), cents),
        type=st.sampled_from(list(OrderType)),
        purpose=purposes,
    ),
    st.builds(CancelOrder, tag=st.sampled_from(["a", "b", "c", "d"])),
    st.just(CancelAll("x")),
)


class Scripted:
    """A strategy that says whatever the test scripts."""

    kind = "scripted"

    def __init__(self, script: list[Intent]) -> None:
        self.script = script

    def on_start(self, ctx: StrategyContext) -> list[Intent]:
        return list(self.script)

    def on_candle(self, candle: Candle, ctx: StrategyContext) -> list[Intent]:
        return list(self.script)

    def on_fill(self, fill: Fill, order: Order, ctx: StrategyContext) -> list[Intent]:
        return list(self.script)

    def on_resume(self, ctx: StrategyContext) -> list[Intent]:
        return list(self.script)

    def wind_down(self, ctx: StrategyContext) -> list[Intent]:
        return [CancelAll("wind down")]

    def describe(self) -> str:
        return "scripted"


@settings(max_examples=100, deadline=None)
@given(
    script=st.lists(intents, max_size=12),
    closes=st.lists(st.integers(min_value=19_000, max_value=21_000), min_size=1, max_size=60),
)
def test_the_smc_wrapper_never_drops_a_non_entry(script: list[Intent], closes: list[int]) -> None:
    wrapped = Filtered(
        Scripted(script), SmcFilter(SmcConfig(interval="1m", swing_left=1, swing_right=1))
    )
    keep = [i for i in script if not (isinstance(i, PlaceOrder) and i.purpose.is_entry)]
    out = wrapped.on_start(ctx("20000"))
    assert [i for i in out if i in keep] == keep
    for minute, close in enumerate(closes):
        bar = candle(minute, close, close + 40, close - 40, close + (minute % 3 - 1) * 20)
        out = wrapped.on_candle(bar, ctx(D(close)))
        assert [i for i in out if not (isinstance(i, PlaceOrder) and i.purpose.is_entry)][
            : len(keep)
        ] == keep
