"""The shared linear model's parts: margin arithmetic, funding marks, rates and files."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from traderagent.domain import Side
from traderagent.exchanges.paper.linear import (
    FUNDING_INTERVAL_MS,
    ConstantRate,
    LinearPosition,
    RateSeries,
    funding_fee,
    funding_times,
    read_funding_file,
)

D = Decimal
DAY0 = 1_677_628_800_000  # 2023-03-01 00:00 UTC


def test_liquidation_and_bankruptcy_prices_follow_bybits_isolated_formula() -> None:
    """Bybit's worked example shape: long 0.5 @ 50 000, 10x, MMR 0.5 %: IM 2 500, MM 125,
    liq = 50 000 - (2 500 - 125) / 0.5 = 45 250; bust = 50 000 - 2 500 / 0.5 = 45 000."""
    p = LinearPosition("BTCUSDT", D(10))
    p.trade(Side.BUY, D("0.5"), D("50000"))
    p.margin = p.value / p.leverage
    assert (p.margin, p.maintenance) == (D("2500"), D("125"))
    assert (p.liquidation_price(), p.bankruptcy_price()) == (D("45250"), D("45000"))
    assert p.liquidation_price(extra=D("500")) == D("44250")  # cross: the free balance too
    short = LinearPosition("BTCUSDT", D(10))
    short.trade(Side.SELL, D("0.5"), D("50000"))
    short.margin = short.value / short.leverage
    assert (short.liquidation_price(), short.bankruptcy_price()) == (D("54750"), D("55000"))
    flat = LinearPosition("BTCUSDT")
    assert flat.liquidation_price() is None and flat.bankruptcy_price() is None


def test_a_one_x_long_is_never_liquidated_below_zero() -> None:
    p = LinearPosition("BTCUSDT", D(1))
    p.trade(Side.BUY, D("1"), D("100"))
    p.margin = p.value
    assert p.liquidation_price() == D("0.5")  # entry x MMR: the maintenance margin is left


def test_funding_marks_are_every_eight_hours_utc() -> None:
    assert FUNDING_INTERVAL_MS == 8 * 3_600_000
    assert funding_times(DAY0 - 1, DAY0) == [DAY0]
    assert funding_times(DAY0, DAY0 + FUNDING_INTERVAL_MS - 1) == []
    assert funding_times(DAY0 - 1, DAY0 + 24 * 3_600_000) == [
        DAY0 + k * FUNDING_INTERVAL_MS for k in range(4)
    ]


def test_funding_fee_sign_and_rounding() -> None:
    assert funding_fee(Side.BUY, D("0.5"), D("19500"), D("0.0001")) == D("0.975")
    assert funding_fee(Side.SELL, D("0.5"), D("19500"), D("0.0001")) == D("-0.975")
    assert funding_fee(Side.BUY, D("0.001"), D("12345.6"), D("0.000123")) == D("0.00151851")


def test_rate_series_takes_the_latest_rate_at_or_before_a_mark() -> None:
    series = RateSeries({"BTCUSDT": [(DAY0 + 8, D("0.2")), (DAY0, D("0.1"))]})
    assert series.rate("BTCUSDT", DAY0 - 1) is None
    assert series.rate("BTCUSDT", DAY0) == D("0.1")
    assert series.rate("BTCUSDT", DAY0 + 100) == D("0.2")
    assert series.rate("ETHUSDT", DAY0) is None
    assert ConstantRate(D("0.0001")).rate("ANY", 0) == D("0.0001")


def test_funding_file_uses_bybits_field_names(tmp_path: Path) -> None:
    path = tmp_path / "funding.csv"
    path.write_text(
        f"symbol,fundingRateTimestamp,fundingRate\nBTCUSDT,{DAY0},0.0001\n"
        f"BTCUSDT,{DAY0 + FUNDING_INTERVAL_MS},-0.00005\n"
    )
    series = read_funding_file(path)
    assert series.rate("BTCUSDT", DAY0 + FUNDING_INTERVAL_MS) == D("-0.00005")
    path.write_text("symbol,ts,rate\nBTCUSDT,1,0.1\n")
    with pytest.raises(ValueError, match="lacks column"):
        read_funding_file(path)
    path.write_text("symbol,fundingRateTimestamp,fundingRate\nBTCUSDT,soon,0.1\n")
    with pytest.raises(ValueError, match=":2:"):
        read_funding_file(path)
