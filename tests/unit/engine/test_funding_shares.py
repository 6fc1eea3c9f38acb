"""A funding settlement split between the bots holding the symbol: by quantity, exactly."""

from __future__ import annotations

from decimal import Decimal

from traderagent.domain import FundingFee, Position, Side
from traderagent.engine.funding import shares

FEE = FundingFee("f-1", "BTCUSDT", Side.BUY, Decimal("0.3"), Decimal("0.0001"),
                 Decimal("0.70000001"), "USDT", 28_800_000)  # fmt: skip


def test_one_holder_takes_it_all() -> None:
    (share,) = shares(FEE, {"grid": Decimal("0.3"), "flat": Decimal(0)})
    assert (share.bot, share.amount, share.position_qty) == ("grid", FEE.amount, Decimal("0.3"))


def test_shares_follow_the_quantities_and_add_up_exactly() -> None:
    split = shares(FEE, {"a": Decimal("0.1"), "b": Decimal("0.2")})
    assert [(s.bot, s.amount) for s in split] == [
        ("a", Decimal("0.23333334")), ("b", Decimal("0.46666667")),
    ]  # fmt: skip
    assert sum(s.amount for s in split) == FEE.amount


def test_a_short_or_nobody_holding_books_nothing() -> None:
    short = FundingFee("f-2", "BTCUSDT", Side.SELL, Decimal("0.3"), Decimal("0.0001"),
                       Decimal("-0.7"), "USDT", 0)  # fmt: skip
    assert shares(short, {"grid": Decimal("0.3")}) == []
    assert shares(FEE, {}) == []
    assert shares(FEE, {"trend": Decimal("-0.3")}) == []  # a long's funding: no short's


def test_a_shorts_funding_goes_to_the_bots_short_by_size() -> None:
    short = FundingFee("f-3", "BTCUSDT", Side.SELL, Decimal("0.3"), Decimal("0.0001"),
                       Decimal("-0.7"), "USDT", 0)  # fmt: skip
    split = shares(short, {"trend": Decimal("-0.2"), "grid": Decimal("0.5"), "x": Decimal("-0.1")})
    assert [(s.bot, s.amount, s.position_qty) for s in split] == [
        ("trend", Decimal("-0.46666667"), Decimal("0.2")),
        ("x", Decimal("-0.23333333"), Decimal("0.1")),
    ]  # sorted by name; the last takes the remainder: the shares add up to the settlement
    assert sum(s.amount for s in split) == short.amount


def test_funding_is_realised_and_kept_apart_through_fills() -> None:
    position = Position("BTCUSDT", Decimal("0.3"), Decimal(23000)).with_funding(Decimal("-0.7"))
    assert (position.realised_pnl, position.funding) == (Decimal("-0.7"), Decimal("-0.7"))
    assert position.with_funding(Decimal("0.2")).funding == Decimal("-0.5")
