"""Load OHLCV candles from .csv, .csv.gz or .parquet files into a CandleSeries."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from traderagent.marketdata.columns import TIME_COLUMNS, epoch_ms, find_column, float_values
from traderagent.marketdata.csv_text import read_csv
from traderagent.marketdata.errors import MarketDataError
from traderagent.marketdata.series import CandleSeries, check_tradeable

if TYPE_CHECKING:
    import pandas as pd

SUFFIXES = (".csv", ".csv.gz", ".parquet")
_PRICE_COLUMNS = ("open", "high", "low", "close")


def load_candles(
    path: str | Path, symbol: str = "BTCUSDT", *, interval_ms: int | None = None
) -> CandleSeries:
    """Read candles, sort them by time and drop repeated timestamps (the first one wins).

    The interval is the most common gap between candles unless `interval_ms` is given.
    Every problem (missing file, unknown suffix, missing column, unreadable value, bad
    candle) raises MarketDataError naming the file and what is wrong.
    `store:SYMBOL-INTERVAL` reads the local candle store (`traderagent data import|download`).
    """
    if str(path).startswith("store:"):
        from traderagent.marketdata.store import load_stored

        return load_stored(str(path), symbol, interval_ms)
    path = Path(path)
    frame = _read_frame(path)
    try:
        ts, prices = _columns(frame)
    except ValueError as exc:
        raise MarketDataError(str(exc), path) from exc
    if ts.size == 0:
        raise MarketDataError("the file holds no candles", path)
    order = np.argsort(ts, kind="stable")  # stable, so the first of equal timestamps stays first
    ts = ts[order]
    keep = np.concatenate(([True], ts[1:] != ts[:-1]))
    ts = ts[keep]
    o, h, lo, c, v = (column[order][keep] for column in prices)
    interval = interval_ms if interval_ms is not None else _infer_interval(ts, path)
    try:
        return check_tradeable(CandleSeries(symbol, interval, ts, o, h, lo, c, v))
    except MarketDataError as exc:
        raise MarketDataError(exc.problem, path) from exc


def _read_frame(path: Path) -> pd.DataFrame:
    name = path.name.lower()
    if not name.endswith(SUFFIXES):
        raise MarketDataError(
            f"unsupported file type {''.join(path.suffixes) or '(no suffix)'!r}; "
            f"expected one of {', '.join(SUFFIXES)}",
            path,
        )
    if not path.is_file():
        raise MarketDataError(f"file not found: {path}", path)
    import pandas as pd

    try:
        if name.endswith(".parquet"):
            return pd.read_parquet(path)
        return read_csv(path)
    except (ValueError, OSError, EOFError) as exc:
        raise MarketDataError(f"cannot read the file: {exc}", path) from exc


def _columns(frame: pd.DataFrame) -> tuple[npt.NDArray[np.int64], list[npt.NDArray[np.float64]]]:
    found = ", ".join(map(str, frame.columns)) or "none"
    time_name = find_column(frame, TIME_COLUMNS)
    if time_name is None:
        expected = ", ".join(TIME_COLUMNS)
        raise ValueError(f"no time column: expected one of {expected}; found {found}")
    prices = []
    for wanted in _PRICE_COLUMNS:
        name = find_column(frame, (wanted,))
        if name is None:
            raise ValueError(f"missing column {wanted!r}; found {found}")
        prices.append(float_values(frame[name]))
    volume_name = find_column(frame, ("volume",))
    if volume_name is None:
        prices.append(np.zeros(len(frame), dtype=np.float64))
    else:
        prices.append(float_values(frame[volume_name]))
    return epoch_ms(frame[time_name]), prices


def _infer_interval(ts: npt.NDArray[np.int64], path: Path) -> int:
    if ts.size < 2:
        raise MarketDataError("one candle is not enough to infer the interval", path)
    gaps, counts = np.unique(np.diff(ts), return_counts=True)
    return int(gaps[np.argmax(counts)])
