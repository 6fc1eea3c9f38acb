"""The fill-model sensitivity line: the other two models' net PnL, and a warning only when their
spread exceeds a tenth of the run's own result."""

from __future__ import annotations

from decimal import Decimal

from traderagent.backtest.sensitivity import measure

D = Decimal


def test_the_line_shows_the_other_two_models_and_the_json_all_three() -> None:
    others = {"ohlc": D("12.3"), "olhc": D("10.1")}
    sens = measure("pessimistic", D("10"), lambda m: others[m])
    assert sens.line() == "ohlc +12.30 · olhc +10.10"
    assert sens.as_json() == {"pessimistic": "10", "ohlc": "12.3", "olhc": "10.1"}


def test_a_spread_over_a_tenth_of_the_result_is_warned_of_and_not_below() -> None:
    narrow = measure("pessimistic", D("-100"), lambda m: D("-95"))  # spread 5: 5 % of 100
    assert narrow.warning() is None
    wide = measure("ohlc", D("100"), lambda m: D("89.99") if m == "olhc" else D("100"))
    warning = wide.warning()
    assert warning is not None and "10.01" in warning and "over 10 %" in warning
