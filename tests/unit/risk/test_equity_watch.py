"""The account's daily loss (per UTC day) and drawdown (from the peak)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from traderagent.config.risk import RiskConfig
from traderagent.engine.risk import EquityWatch

D = Decimal


def ms(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp() * 1000)


def test_daily_loss_is_measured_from_the_days_first_candle() -> None:
    watch = EquityWatch(RiskConfig(max_daily_loss=D(500), max_drawdown_pct=None), "USDT")
    assert watch.observe(ms("2023-03-10T00:00"), D(10000)) is None
    assert watch.observe(ms("2023-03-10T09:00"), D(10400)) is None  # up on the day
    assert watch.observe(ms("2023-03-10T12:00"), D(9500)) is None  # exactly the limit
    breach = watch.observe(ms("2023-03-10T12:01"), D("9487.70"))
    assert breach is not None
    assert (breach.scope, breach.limit) == ("portfolio", "max_daily_loss")
    assert (breach.value, breach.threshold) == (D("512.30"), D(500))
    assert breach.reason == (
        "daily loss 512.30 USDT exceeds the limit 500 USDT (2023-03-10; max_daily_loss)"
    )


def test_a_new_utc_day_starts_from_its_own_first_equity() -> None:
    watch = EquityWatch(RiskConfig(max_daily_loss=D(300), max_drawdown_pct=None), "USDT")
    watch.observe(ms("2023-03-09T00:00"), D(10000))
    assert watch.observe(ms("2023-03-09T23:59"), D(9750)) is None  # 250 down on the 9th
    assert watch.observe(ms("2023-03-10T00:00"), D(9700)) is None  # the 10th starts at 9,700
    assert watch.daily_loss(D(9700)) == 0
    assert watch.observe(ms("2023-03-10T05:00"), D(9450)) is None  # 250 on the 10th
    breach = watch.observe(ms("2023-03-10T06:00"), D(9399))
    assert breach is not None and breach.value == D(301)
    assert "(2023-03-10;" in breach.reason


def test_drawdown_is_from_the_highest_equity_seen() -> None:
    watch = EquityWatch(RiskConfig(max_drawdown_pct=D(10)), "USDT")
    watch.observe(ms("2023-03-01T00:00"), D(10000))
    watch.observe(ms("2023-03-02T00:00"), D(12000))  # the peak
    assert watch.observe(ms("2023-03-03T00:00"), D(10800)) is None  # 10 %: at the limit
    breach = watch.observe(ms("2023-03-04T00:00"), D(10680))
    assert breach is not None
    assert (breach.limit, breach.value, breach.threshold) == ("max_drawdown_pct", D(11), D(10))
    assert breach.reason == (
        "drawdown 11.00% from the peak 12000.00 USDT exceeds the limit 10% (max_drawdown_pct)"
    )


def test_the_default_drawdown_limit_is_15_percent() -> None:
    watch = EquityWatch(RiskConfig(), "USDT")
    watch.observe(0, D(10000))
    assert watch.observe(60_000, D(8500)) is None
    breach = watch.observe(120_000, D("8499.99"))
    assert breach is not None and breach.limit == "max_drawdown_pct"


def test_daily_loss_is_reported_before_drawdown_when_both_are_crossed() -> None:
    watch = EquityWatch(RiskConfig(max_daily_loss=D(100), max_drawdown_pct=D(5)), "USDT")
    watch.observe(0, D(10000))
    breach = watch.observe(60_000, D(9000))
    assert breach is not None and breach.limit == "max_daily_loss"


def test_no_limits_no_breach() -> None:
    watch = EquityWatch(RiskConfig(max_drawdown_pct=None), "USDT")
    watch.observe(0, D(10000))
    assert watch.observe(60_000, D(1)) is None
    assert watch.drawdown_pct(D(1)) > 99


def test_the_drawdown_pre_check_agrees_with_the_exact_percent_around_the_limit() -> None:
    """`observe` skips the division where the fall is surely within the limit: at, a hair
    inside and a hair beyond the limit, and on odd peaks, it decides as the percent does."""
    for peak in (D(10000), D("10910.40491231520"), D("0.000123"), D("987654321.123456789")):
        for limit in (D(15), D("0.5"), D("33.333")):
            bound = peak - peak * limit / 100
            for equity in (
                bound,
                bound + D("1e-20"),
                bound - D("1e-20"),
                bound * D("1.000000000000001"),
                bound * D("0.999999999999999"),
                peak,
                peak / 2,
            ):
                watch = EquityWatch(RiskConfig(max_drawdown_pct=limit), "USDT")
                watch.observe(0, peak)
                expected = watch.drawdown_pct(equity) > limit
                breach = watch.observe(60_000, equity)
                assert (breach is not None) == expected, (peak, limit, equity)
