"""Loading candles from CSV, CSV.gz and Parquet, the bundled sample, and loader errors."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from traderagent.marketdata import (
    BUNDLED_SAMPLE,
    CandleSeries,
    MarketDataError,
    bundled_path,
    load_bundled,
    load_candles,
)

MIN = 60_000
MARCH_1_MS = int(datetime(2023, 3, 1, tzinfo=UTC).timestamp() * 1000)


@pytest.fixture(scope="module")
def sample_frame() -> pd.DataFrame:
    """The first 500 raw rows of the bundled file, exactly as pandas reads them."""
    return pd.read_csv(bundled_path(), nrows=500)


def assert_same_series(a: CandleSeries, b: CandleSeries) -> None:
    assert (a.symbol, a.interval_ms, len(a)) == (b.symbol, b.interval_ms, len(b))
    for field in ("ts", "open", "high", "low", "close", "volume"):
        np.testing.assert_array_equal(getattr(a, field), getattr(b, field), err_msg=field)


def test_bundled_sample_loads_the_real_candles() -> None:
    series = load_bundled()
    assert bundled_path().name == BUNDLED_SAMPLE
    assert series.symbol == "BTCUSDT"
    assert len(series) == 30_240
    assert series.interval_ms == MIN
    assert series.first_ts == MARCH_1_MS
    assert series.last_ts == MARCH_1_MS + (30_240 - 1) * MIN
    first = series.candle(0)
    assert (first.open, first.high, first.low, first.close) == (
        23140.48,
        23150.77,
        23128.52,
        23142.31,
    )
    assert first.volume == pytest.approx(2.131777)
    assert np.all(np.diff(series.ts) == MIN)


def test_bundled_sample_loads_well_under_a_second() -> None:
    load_bundled()  # first call pays for importing pandas
    started = time.thread_time()  # CPU of this thread: a loaded machine does not make it flaky
    load_bundled()
    assert time.thread_time() - started < 0.5


def test_unknown_bundled_name_lists_what_is_available() -> None:
    with pytest.raises(
        MarketDataError, match=f"no bundled data file 'nope.csv.gz'.*{BUNDLED_SAMPLE}"
    ):
        bundled_path("nope.csv.gz")


@pytest.mark.parametrize("suffix", [".csv", ".csv.gz", ".parquet"])
def test_every_format_loads_the_same_candles(
    sample_frame: pd.DataFrame, tmp_path: Path, suffix: str
) -> None:
    path = tmp_path / f"candles{suffix}"
    if suffix == ".parquet":
        sample_frame.to_parquet(path, index=False)
    else:
        sample_frame.to_csv(path, index=False)  # pandas compresses .gz by the suffix
    loaded = load_candles(path)
    assert_same_series(loaded, load_bundled().head(500))


def test_parquet_with_real_datetime_column(sample_frame: pd.DataFrame, tmp_path: Path) -> None:
    aware = sample_frame.assign(open_time=pd.to_datetime(sample_frame["open_time"], utc=True))
    naive = aware.assign(open_time=aware["open_time"].dt.tz_localize(None))
    aware.to_parquet(tmp_path / "aware.parquet", index=False)
    naive.to_parquet(tmp_path / "naive.parquet", index=False)
    expected = load_bundled().head(500)
    assert_same_series(load_candles(tmp_path / "aware.parquet"), expected)
    assert_same_series(load_candles(tmp_path / "naive.parquet"), expected)


@pytest.mark.parametrize(("column", "scale"), [("timestamp", 1), ("Date", 1000), ("TIME", 1.0)])
def test_epoch_numbers_in_seconds_or_milliseconds(
    sample_frame: pd.DataFrame, tmp_path: Path, column: str, scale: float
) -> None:
    ms = load_bundled().head(500).ts
    # scale: 1 -> integer ms, 1000 -> integer seconds, 1.0 -> float ms
    values = ms // 1000 if scale == 1000 else ms.astype(np.float64) if scale == 1.0 else ms
    frame = sample_frame.drop(columns="open_time").assign(**{column: values})
    frame.to_csv(tmp_path / "epoch.csv", index=False)
    assert_same_series(load_candles(tmp_path / "epoch.csv"), load_bundled().head(500))


def test_fractional_epoch_seconds_round_to_the_millisecond(tmp_path: Path) -> None:
    csv = "time,open,high,low,close\n1677628800.25,1,2,0.5,1.5\n1677628860.25,1,2,0.5,1.5\n"
    (tmp_path / "frac.csv").write_text(csv)
    assert load_candles(tmp_path / "frac.csv").ts.tolist() == [1677628800250, 1677628860250]


def test_iso_times_with_or_without_offset_are_utc(tmp_path: Path) -> None:
    csv = (
        "datetime,open,high,low,close,volume\n"
        "2023-03-01 00:00:00,1,2,0.5,1.5,3\n"
        "2023-03-01T01:01:00+01:00,1,2,0.5,1.5,3\n"
        "2023-03-01T00:02:00Z,1,2,0.5,1.5,3\n"
    )
    (tmp_path / "iso.csv").write_text(csv)
    series = load_candles(tmp_path / "iso.csv", symbol="ETHUSDT")
    assert series.symbol == "ETHUSDT"
    assert series.ts.tolist() == [MARCH_1_MS, MARCH_1_MS + MIN, MARCH_1_MS + 2 * MIN]


def test_rows_are_sorted_duplicates_keep_the_first_and_interval_is_the_common_gap(
    tmp_path: Path,
) -> None:
    csv = (
        "open_time,open,high,low,close\n"
        "2023-03-01 00:10:00,1,1,1,1\n"
        "2023-03-01 00:00:00,2,2,2,2\n"
        "2023-03-01 00:05:00,3,3,3,3\n"
        "2023-03-01 00:00:00,4,4,4,4\n"
        "2023-03-01 00:30:00,5,5,5,5\n"
    )
    (tmp_path / "messy.csv").write_text(csv)
    series = load_candles(tmp_path / "messy.csv")
    assert series.ts.tolist() == [MARCH_1_MS + m * MIN for m in (0, 5, 10, 30)]
    assert series.close.tolist() == [2.0, 3.0, 1.0, 5.0]
    assert series.interval_ms == 5 * MIN  # gaps 5, 5, 20: the most common wins
    assert series.volume.tolist() == [0.0] * 4  # no volume column


def test_interval_can_be_given_for_a_single_candle(tmp_path: Path) -> None:
    (tmp_path / "one.csv").write_text("time,open,high,low,close\n1677628800000,1,2,0.5,1.5\n")
    with pytest.raises(MarketDataError, match="one.csv: one candle is not enough"):
        load_candles(tmp_path / "one.csv")
    assert load_candles(tmp_path / "one.csv", interval_ms=3_600_000).interval_ms == 3_600_000


GOOD_ROW = "2023-03-01 00:00:00,1,2,0.5,1.5\n"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("open_time,open,high,low,volume\n" + GOOD_ROW, r"bad.csv: missing column 'close'; found"),
        ("when,open,high,low,close\n" + GOOD_ROW, r"bad.csv: no time column: expected one of open"),
        (
            "open_time,open,high,low,close\n2023-03-01 00:00:00,1,2,0.5,abc\n",
            r"bad.csv: column 'close', row 1: cannot read 'abc' as a number",
        ),
        (
            "open_time,open,high,low,close\n" + GOOD_ROW + "yesterday,1,2,0.5,1.5\n",
            r"bad.csv: column 'open_time', row 2: cannot read 'yesterday' as an ISO 8601 time",
        ),
        (
            "open_time,open,high,low,close\n" + GOOD_ROW + "2023-03-01 00:01:00,1,2,0.5,\n",
            r"bad.csv: column 'close', row 2: missing value",
        ),
        (
            "open_time,open,high,low,close\n" + GOOD_ROW + "2023-03-01 00:01:00,1,1.2,0.5,1.5\n",
            r"bad.csv: candle 1 \(2023-03-01T00:01:00Z\): high is below max\(open, close\)",
        ),
        ("open_time,open,high,low,close\n", r"bad.csv: the file holds no candles"),
        ("", r"bad.csv: cannot read the file"),
    ],
)
def test_bad_content_names_the_file_and_the_problem(
    tmp_path: Path, text: str, message: str
) -> None:
    (tmp_path / "bad.csv").write_text(text)
    with pytest.raises(MarketDataError, match=message):
        load_candles(tmp_path / "bad.csv")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(MarketDataError, match=r"gone.parquet: file not found: .*gone.parquet"):
        load_candles(tmp_path / "gone.parquet")


@pytest.mark.parametrize("name", ["candles.txt", "candles.feather", "candles"])
def test_unknown_suffix(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_text("open_time,open,high,low,close\n")
    with pytest.raises(MarketDataError, match=rf"{name}: unsupported file type .*\.csv\.gz"):
        load_candles(tmp_path / name)


def test_corrupt_gzip_is_a_market_data_error(tmp_path: Path) -> None:
    (tmp_path / "broken.csv.gz").write_bytes(b"not gzip at all")
    with pytest.raises(MarketDataError, match="broken.csv.gz: cannot read the file"):
        load_candles(tmp_path / "broken.csv.gz")


@pytest.mark.parametrize("name", ["wide.csv", "wide.csv.gz"])
def test_a_row_wider_than_the_header_is_refused_not_cut(tmp_path: Path, name: str) -> None:
    """pandas refuses a later wide row itself, but keeps the first data row's first fields with
    only a warning; that file is refused too, naming the row."""
    import gzip

    text = "open_time,open,high,low,close,volume\n"
    text += f"{MARCH_1_MS},100,110,90,105,1,99\n{MARCH_1_MS + MIN},105,111,95,100,2\n"
    path = tmp_path / name
    path.write_bytes(gzip.compress(text.encode()) if name.endswith(".gz") else text.encode())
    message = "line 2 has 7 fields but the header has 6; the extra fields would be lost"
    with pytest.raises(MarketDataError, match=message):
        load_candles(path)


def test_a_row_wider_than_the_header_is_refused_by_the_importer(tmp_path: Path) -> None:
    from traderagent.marketdata.importers import read_candle_file

    path = tmp_path / "wide.csv"
    path.write_text(f"open_time,open,high,low,close\n{MARCH_1_MS},1,2,0.5,1.5,7\n")
    with pytest.raises(MarketDataError, match="line 2 has 6 fields but the header has 5"):
        read_candle_file(path, symbol="BTCUSDT")
