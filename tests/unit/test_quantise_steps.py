"""Tick and lot rounding: the `quantize` shortcut for 10^k steps gives exactly what dividing,
rounding to whole steps and scaling back gives (value, exponent and sign), in any context."""

from decimal import (
    ROUND_CEILING,
    ROUND_DOWN,
    ROUND_FLOOR,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Decimal,
    InvalidOperation,
    localcontext,
)

from hypothesis import given, settings
from hypothesis import strategies as st

from traderagent.domain import Instrument, Side
from traderagent.domain.market import _to_step

STEPS = ["0.01", "0.000001", "1E-8", "0.1", "1", "1E+1", "10", "0.5", "0.010", "0.25"]
ROUNDINGS = [ROUND_FLOOR, ROUND_CEILING, ROUND_HALF_EVEN, ROUND_HALF_UP, ROUND_DOWN]


def reference(value: Decimal, step: Decimal, rounding: str) -> Decimal:
    units = (value / step).to_integral_value(rounding=rounding)
    return (units * step).quantize(step)


def outcome(round_to: object, value: Decimal, step: Decimal, rounding: str) -> tuple[str, ...]:
    try:
        got = round_to(value, step, rounding)  # type: ignore[operator]
    except InvalidOperation:
        return ("invalid",)
    return (str(got), repr(got.as_tuple()))


def same(value: Decimal, step: Decimal, rounding: str) -> None:
    assert outcome(_to_step, value, step, rounding) == outcome(reference, value, step, rounding)


decimals = st.one_of(
    st.decimals(allow_nan=False, allow_infinity=False, places=12, min_value=-(10**9)),
    st.builds(
        lambda c, e: Decimal(c).scaleb(e), st.integers(-(10**36), 10**36), st.integers(-40, 8)
    ),
)


@settings(max_examples=400, deadline=None)
@given(decimals, st.sampled_from(STEPS), st.sampled_from(ROUNDINGS), st.sampled_from([28, 34, 12]))
def test_every_step_rounds_as_the_division_does(
    value: Decimal, step: str, rounding: str, precision: int
) -> None:
    with localcontext() as context:
        context.prec = precision
        same(value, Decimal(step), rounding)


def test_the_edge_cases_round_alike() -> None:
    more_than_28_digits = Decimal("19250.01499999999999999999999999999")  # levels use prec 34
    for value in ["-0", "0E-10", "-0.001", "0.005", "1E+30", "9999999999999999999999999999.5"]:
        for step in STEPS:
            for rounding in ROUNDINGS:
                same(Decimal(value), Decimal(step), rounding)
    for rounding in ROUNDINGS:
        same(more_than_28_digits, Decimal("0.01"), rounding)
    # the double rounding of the division, kept: 1925001.4999... -> 1925001.5 -> 1925002
    assert str(_to_step(more_than_28_digits, Decimal("0.01"), ROUND_HALF_EVEN)) == "19250.02"


def test_an_instrument_rounds_through_it() -> None:
    odd = Instrument("X", "B", "Q", Decimal("0.5"), Decimal("0.010"), Decimal(0), Decimal(0))
    assert str(odd.round_price(Decimal("10.74"), Side.BUY)) == "10.5"
    assert str(odd.round_price(Decimal("10.26"), Side.SELL)) == "10.5"
    assert str(odd.floor_qty(Decimal("0.0199"))) == "0.010"
