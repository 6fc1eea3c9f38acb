"""CandleSeries: construction checks, slicing, iteration and immutability."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from traderagent.domain import Candle
from traderagent.marketdata import CandleSeries, MarketDataError

MIN = 60_000


def make_series(n: int = 5, start: int = 0) -> CandleSeries:
    ts = start + np.arange(n, dtype=np.int64) * MIN
    close = 100.0 + np.arange(n, dtype=np.float64)
    return CandleSeries("ETHUSDT", MIN, ts, close - 0.5, close + 1, close - 1, close, close / 10)


def test_candle_and_iteration_agree_and_yield_plain_python_numbers() -> None:
    series = make_series()
    candles = list(series)
    assert len(series) == len(candles) == 5
    assert candles == [series.candle(i) for i in range(5)]
    assert candles[2] == Candle("ETHUSDT", 2 * MIN, 101.5, 103.0, 101.0, 102.0, 10.2, MIN)
    assert type(candles[0].ts) is int and type(candles[0].close) is float
    assert series.candle(-1) == candles[-1]
    with pytest.raises(IndexError):
        series.candle(5)


def test_between_is_half_open_and_accepts_open_bounds() -> None:
    series = make_series(10)
    assert series.between(2 * MIN, 5 * MIN).ts.tolist() == [2 * MIN, 3 * MIN, 4 * MIN]
    assert series.between(2 * MIN + 1, 5 * MIN + 1).ts.tolist() == [3 * MIN, 4 * MIN, 5 * MIN]
    assert len(series.between(None, 3 * MIN)) == 3
    assert len(series.between(7 * MIN, None)) == 3
    assert len(series.between(None, None)) == 10
    assert len(series.between(5 * MIN, 2 * MIN)) == 0
    part = series.between(4 * MIN, 6 * MIN)
    assert (part.symbol, part.interval_ms) == ("ETHUSDT", MIN)
    assert part.close.tolist() == [104.0, 105.0]


def test_head_first_and_last_ts() -> None:
    series = make_series(10, start=1_000 * MIN)
    assert series.head(3).ts.tolist() == [1_000 * MIN, 1_001 * MIN, 1_002 * MIN]
    assert len(series.head(50)) == 10
    assert series.first_ts == 1_000 * MIN
    assert series.last_ts == 1_009 * MIN
    with pytest.raises(ValueError, match="n >= 0"):
        series.head(-1)
    with pytest.raises(MarketDataError, match="empty"):
        _ = series.head(0).first_ts


def test_series_is_immutable_and_does_not_share_callers_arrays() -> None:
    close = np.array([10.0, 11.0])
    series = CandleSeries("X", MIN, np.array([0, MIN]), close, close + 1, close - 1, close, close)
    close[0] = 999.0
    assert series.close[0] == 10.0
    with pytest.raises(ValueError, match="read-only"):
        series.close[0] = 1.0
    with pytest.raises(ValueError, match="read-only"):
        series.between(None, None).ts[0] = 5
    with pytest.raises(dataclasses.FrozenInstanceError):
        series.symbol = "Y"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("column", "index", "value", "message"),
    [
        ("ts", 3, 2 * MIN, r"candle 3 \(1970-01-01T00:02:00Z\): open time is not after"),
        ("high", 1, 100.0, r"candle 1 .*high is below max\(open, close\)"),
        ("low", 4, 104.0, r"candle 4 .*low is above min\(open, close\)"),
        ("close", 2, np.nan, r"candle 2 .*high is below"),
        ("volume", 0, -1.0, r"candle 0 .*volume is negative"),
    ],
)
def test_construction_rejects_bad_candles_naming_the_row(
    column: str, index: int, value: float, message: str
) -> None:
    good = make_series()
    arrays = {f: getattr(good, f).copy() for f in ("ts", "open", "high", "low", "close", "volume")}
    arrays[column][index] = value
    with pytest.raises(MarketDataError, match=message):
        CandleSeries("ETHUSDT", MIN, **arrays)


def test_construction_rejects_unequal_lengths_and_bad_interval() -> None:
    ts = np.array([0, MIN])
    one = np.array([1.0, 1.0])
    with pytest.raises(MarketDataError, match="column low has 1 values but ts has 2"):
        CandleSeries("X", MIN, ts, one, one, one[:1], one, one)
    with pytest.raises(MarketDataError, match="interval must be positive"):
        CandleSeries("X", 0, ts, one, one, one, one, one)
