"""Resampling candles to coarser intervals, checked against pandas on the real sample."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from traderagent.marketdata import (
    CandleSeries,
    MarketDataError,
    load_bundled,
    parse_interval,
    resample,
)

MIN = 60_000
HOUR = 60 * MIN


@pytest.fixture(scope="module")
def sample() -> CandleSeries:
    return load_bundled()


def pandas_resample(series: CandleSeries, interval_ms: int) -> pd.DataFrame:
    """An independent computation of the same bars with pandas (empty buckets dropped)."""
    frame = pd.DataFrame(
        {f: getattr(series, f) for f in ("open", "high", "low", "close", "volume")},
        index=pd.to_datetime(series.ts, unit="ms"),  # naive, read as UTC
    )
    rule = {"open": "first", "high": "max", "low": "min", "close": "last", "volume": "sum"}
    bars = frame.resample(pd.Timedelta(milliseconds=interval_ms), origin="epoch").agg(rule)
    return bars.dropna(subset=["open"])


def assert_matches_pandas(ours: CandleSeries, expected: pd.DataFrame) -> None:
    expected_ms = expected.index.to_numpy().astype("datetime64[ms]").view(np.int64)
    assert ours.ts.tolist() == expected_ms.tolist()
    for field in ("open", "high", "low", "close"):
        np.testing.assert_array_equal(getattr(ours, field), expected[field].to_numpy(), field)
    np.testing.assert_allclose(ours.volume, expected["volume"].to_numpy(), rtol=1e-12)


def series_at(minutes: list[int], symbol: str = "BTCUSDT") -> CandleSeries:
    """1-minute candles at the given minute offsets; close = open + 1, volume 1 each."""
    ts = np.array(minutes, dtype=np.int64) * MIN
    o = np.array(minutes, dtype=np.float64)
    return CandleSeries(symbol, MIN, ts, o, o + 2, o - 1, o + 1, np.ones(len(minutes)))


@pytest.mark.parametrize(
    ("name", "bars"), [("5m", 6048), ("15m", 2016), ("1h", 504), ("4h", 126), ("1d", 21)]
)
def test_resample_real_data_matches_pandas(sample: CandleSeries, name: str, bars: int) -> None:
    interval = parse_interval(name)
    ours = resample(sample, interval)
    assert (ours.symbol, ours.interval_ms, len(ours)) == ("BTCUSDT", interval, bars)
    assert_matches_pandas(ours, pandas_resample(sample, interval))


def test_resample_a_window_starting_mid_bucket_matches_pandas(sample: CandleSeries) -> None:
    # starts at 00:07 and ends at 05:22: first 15m bucket is partial (kept), last is partial
    window = sample.between(sample.first_ts + 7 * MIN, sample.first_ts + 5 * HOUR + 23 * MIN)
    expected = pandas_resample(window, 15 * MIN)
    ours = resample(window, 15 * MIN, drop_partial=False)
    assert_matches_pandas(ours, expected)
    assert_matches_pandas(resample(window, 15 * MIN), expected.iloc[:-1])


def test_buckets_align_to_epoch_multiples_of_the_interval() -> None:
    bars = resample(series_at(list(range(7, 7 + 60))), 15 * MIN, drop_partial=False)
    assert bars.ts.tolist() == [0, 15 * MIN, 30 * MIN, 45 * MIN, 60 * MIN]
    assert bars.open.tolist() == [7.0, 15.0, 30.0, 45.0, 60.0]
    assert bars.close.tolist() == [15.0, 30.0, 45.0, 60.0, 67.0]
    assert bars.volume.tolist() == [8.0, 15.0, 15.0, 15.0, 7.0]
    assert all(ts % (15 * MIN) == 0 for ts in bars.ts.tolist())


def test_drop_partial_drops_only_an_incomplete_last_bucket() -> None:
    minutes = list(range(3, 20))  # 00:03-00:19: buckets 00:00 (7 rows), 00:05, 00:10, 00:15 (5)
    assert resample(series_at(minutes), 5 * MIN).ts.tolist() == [0, 5 * MIN, 10 * MIN, 15 * MIN]
    short = minutes[:-1]  # last bucket now holds 00:15-00:18 only
    assert resample(series_at(short), 5 * MIN).ts.tolist() == [0, 5 * MIN, 10 * MIN]
    kept = resample(series_at(short), 5 * MIN, drop_partial=False)
    assert kept.ts.tolist() == [0, 5 * MIN, 10 * MIN, 15 * MIN]
    assert (kept.volume[-1], kept.close[-1], kept.high[-1]) == (4.0, 19.0, 20.0)


def test_gaps_produce_no_invented_candles() -> None:
    # candles 00:00-00:09, nothing for an hour, then 01:10-01:19
    minutes = list(range(0, 10)) + list(range(70, 80))
    bars = resample(series_at(minutes), 5 * MIN)
    assert bars.ts.tolist() == [0, 5 * MIN, 70 * MIN, 75 * MIN]
    assert bars.open.tolist() == [0.0, 5.0, 70.0, 75.0]
    assert bars.low.tolist() == [-1.0, 4.0, 69.0, 74.0]
    assert bars.high.tolist() == [6.0, 11.0, 76.0, 81.0]
    # an interior bucket with a hole is real data, kept; only the last bucket is judged partial
    holey = resample(series_at([0, 1, 3, 4, 5, 6, 7, 8, 9]), 5 * MIN)
    assert holey.volume.tolist() == [4.0, 5.0]


def test_same_interval_returns_the_series_and_empty_stays_empty(sample: CandleSeries) -> None:
    assert resample(sample, MIN) is sample
    empty = resample(sample.head(0), HOUR)
    assert (len(empty), empty.interval_ms, empty.symbol) == (0, HOUR, "BTCUSDT")
    assert len(resample(sample.head(59), HOUR)) == 0
    assert len(resample(sample.head(59), HOUR, drop_partial=False)) == 1


@pytest.mark.parametrize("interval", [90_000, 30_000, 0, -HOUR])
def test_interval_must_be_a_positive_multiple_of_the_source(
    sample: CandleSeries, interval: int
) -> None:
    with pytest.raises(MarketDataError, match="positive multiple of the source interval"):
        resample(sample.head(10), interval)


@pytest.mark.parametrize(
    ("text", "ms"),
    [
        ("1m", MIN),
        ("15m", 15 * MIN),
        ("1h", HOUR),
        ("4h", 4 * HOUR),
        ("1d", 24 * HOUR),
        (" 5m ", 5 * MIN),
    ],
)
def test_parse_interval(text: str, ms: int) -> None:
    assert parse_interval(text) == ms


@pytest.mark.parametrize("text", ["", "15", "m", "0m", "-1h", "1.5h", "1M", "1w", "1 h", "h1"])
def test_parse_interval_rejects_bad_input(text: str) -> None:
    with pytest.raises(
        MarketDataError, match=rf"bad interval {text!r}: expected .* e\.g\. 1m, 15m"
    ):
        parse_interval(text)
