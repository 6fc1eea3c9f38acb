"""Careless and hostile candle files: the loaders return valid candles (positive, finite
prices) or raise MarketDataError naming the problem, within a second, never anything else."""

from __future__ import annotations

import gc
import time
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from traderagent.marketdata import CandleSeries, MarketDataError, load_candles
from traderagent.marketdata.importers import read_candle_file

CPU_BOUND_S = 1.0
HEADERS = ["open_time", "timestamp", "date", "open", "high", "low", "close", "volume", "x", ""]

cells = st.one_of(
    st.integers(-(10**20), 10**20).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["0", "-0", "1e400", "-1e400", "inf", "nan", "", "2023-03-01T00:00", '"']),
    st.text(max_size=6).filter(lambda t: "\n" not in t and "\r" not in t),
)


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    header = draw(st.lists(st.sampled_from(HEADERS), min_size=1, max_size=7))
    rows = draw(st.lists(st.lists(cells, min_size=len(header), max_size=len(header)), max_size=6))
    return "\n".join(",".join(row) for row in [header, *rows]).encode()


@st.composite
def nearly_valid(draw: st.DrawFn) -> bytes:
    """Good candles with one price or volume replaced by something odd."""
    n = draw(st.integers(2, 6))
    rows = [[str(1_677_628_800_000 + 60_000 * i), "100", "110", "90", "105", "1"] for i in range(n)]
    row, column = draw(st.integers(0, n - 1)), draw(st.integers(1, 5))
    rows[row][column] = draw(st.sampled_from(["0", "-5", "inf", "1e400", "nan", "-inf", "1e308"]))
    body = "\n".join(",".join(r) for r in rows)
    return f"open_time,open,high,low,close,volume\n{body}\n".encode()


files = st.one_of(csv_files(), nearly_valid(), st.binary(max_size=200))


def assert_sane(series: CandleSeries) -> None:
    for name in ("open", "high", "low", "close"):
        prices = getattr(series, name)
        assert np.all(np.isfinite(prices)) and np.all(prices > 0), name
    assert np.all(np.isfinite(series.volume)) and np.all(series.volume >= 0)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(content=files)
def test_candle_loaders_accept_sane_candles_or_say_why(
    tmp_path_factory: pytest.TempPathFactory, content: bytes
) -> None:
    path = tmp_path_factory.mktemp("candles") / "BTCUSDT-1m.csv"
    path.write_bytes(content)
    for load in (load_candles, read_candle_file):
        gc.disable()  # no collection of the suite's whole heap in the timing: not the loader's work
        try:
            started = time.process_time()
            try:
                assert_sane(load(path))
            except MarketDataError as err:
                assert str(err) and "\n" not in str(err)
            spent = time.process_time() - started
        finally:
            gc.enable()
        assert spent < CPU_BOUND_S


@pytest.mark.parametrize(
    "low, close, says",
    [
        ("-5", "105", "zero or negative"),
        ("0", "105", "zero or negative"),
        ("90", "inf", "high is below"),
        ("90", "1e400", "high is below"),
    ],
)
def test_a_nonpositive_or_infinite_price_is_refused(
    tmp_path: Path, low: str, close: str, says: str
) -> None:
    path = tmp_path / "c.csv"
    path.write_text(
        "open_time,open,high,low,close,volume\n"
        "1677628800000,100,110,90,105,1\n"
        f"1677628860000,100,110,{low},{close},1\n"
    )
    with pytest.raises(MarketDataError, match=says):
        load_candles(path)


def test_an_infinite_high_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text(
        "open_time,open,high,low,close,volume\n1677628800000,100,inf,90,105,1\n"
        "1677628860000,100,110,90,105,1e400\n"
    )
    with pytest.raises(MarketDataError, match="a price is infinite"):
        load_candles(path)
