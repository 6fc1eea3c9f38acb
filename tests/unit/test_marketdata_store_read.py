"""Reading the candle store: the exact values back, from any column layout, without pandas,
and `load_series` reading a store file once while it is unchanged."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from traderagent.backtest import inputs
from traderagent.marketdata.merge import FIELDS
from traderagent.marketdata.series import CandleSeries
from traderagent.marketdata.store import TIME, CandleStore, StoreKey

KEY = StoreKey("LOCAL", "BTCUSDT", 60_000)


def _series(n: int = 50) -> CandleSeries:
    ts = 1_700_000_000_000 + 60_000 * np.arange(n, dtype=np.int64)
    close = np.linspace(100.0, 100.0 + 0.1 * (n - 1), n, dtype=np.float64)
    high, low = np.add(close, 1.0), np.subtract(close, 1.0)
    volume = np.full(n, 2.5, dtype=np.float64)
    return CandleSeries("BTCUSDT", 60_000, ts, close, high, low, close, volume)


def test_what_is_written_is_read_back_exactly(tmp_path: Path) -> None:
    store, series = CandleStore(tmp_path), _series()
    store.write(KEY, series)
    back = store.read(KEY)
    assert back is not None
    assert back.ts.dtype == np.int64 and back.close.dtype == np.float64
    for name in ("ts", *FIELDS):
        assert np.array_equal(getattr(back, name), getattr(series, name)), name
    root = back.close
    while isinstance(root.base, np.ndarray):
        root = root.base
    assert root.flags.owndata  # a copy of its own, not a view of arrow's (mapped) buffer


def test_other_column_types_and_several_chunks_are_read_too(tmp_path: Path) -> None:
    series = _series(40)
    store = CandleStore(tmp_path)
    path = store.path(KEY)
    path.parent.mkdir(parents=True)
    columns = {TIME: pa.array(series.ts, pa.int64())}
    columns.update({n: pa.array(getattr(series, n).astype(np.float32)) for n in FIELDS})
    pq.write_table(pa.table(columns), path, row_group_size=16)  # three row groups
    back = store.read(KEY)
    assert back is not None and len(back) == 40
    assert np.array_equal(back.ts, series.ts)
    assert np.array_equal(back.close, series.close.astype(np.float32).astype(np.float64))


def test_reading_the_store_does_not_import_pandas(tmp_path: Path) -> None:
    CandleStore(tmp_path).write(KEY, _series())
    code = (
        "import sys; from pathlib import Path; from traderagent.marketdata.store import "
        f"CandleStore, StoreKey; CandleStore(Path({str(tmp_path)!r})).read(StoreKey('LOCAL', "
        "'BTCUSDT', 60000)); print('pandas' in sys.modules)"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    out = subprocess.run(  # noqa: S603 - our own interpreter
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.strip() == "False"


def test_load_series_reads_a_store_file_once_while_it_is_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRADERAGENT_DATA_DIR", str(tmp_path))
    store = CandleStore(tmp_path / "candles")
    store.write(KEY, _series(30))
    first, label = inputs.load_series("store:BTCUSDT-1m", "BTCUSDT")
    again, _ = inputs.load_series("store:BTCUSDT-1m", "BTCUSDT")
    assert again is first and label == "store:BTCUSDT-1m"
    store.write(KEY, _series(31))  # replaced: read anew
    changed, _ = inputs.load_series("store:BTCUSDT-1m", "BTCUSDT")
    assert len(changed) == 31
