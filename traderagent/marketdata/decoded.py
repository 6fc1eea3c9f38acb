"""Candle files decoded once: a binary copy of what `load_candles` made of a CSV or Parquet
file, kept in the data directory (`cache/candles/`) and read back while the file is unchanged.

A backtest of a year from the candle store spent a tenth of a second importing pyarrow and
decoding the Parquet file (a CSV goes through pandas: more); the copy loads in a few
milliseconds. It is keyed by the file's resolved path and the symbol asked for, and holds the
file's size, modification time (ns) and inode: a file rewritten in any way is decoded anew
(and its old copy replaced). The copy is the series exactly (int64 times, float64 prices as
their bits), checked again as any series is (`CandleSeries`, `check_tradeable`) when read.

The copy is only a cache: one that cannot be read or written (a read-only data directory, a
damaged file) is logged at debug level and the candle file is decoded as before.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt

from traderagent.marketdata.errors import MarketDataError
from traderagent.marketdata.series import CandleSeries, check_tradeable

log = logging.getLogger(__name__)

FORMAT = 1
"""The layout below; a copy of another layout is decoded anew."""
HEADER = 6
"""format, interval, rows, size, mtime (ns), inode; then ts, open, high, low, close, volume."""
COLUMNS = 6


def cache_root() -> Path:
    from traderagent.paths import data_dir

    return data_dir() / "cache" / "candles"


def decoded_candles(
    path: Path, symbol: str, load: Callable[[], CandleSeries], root: Path | None = None
) -> CandleSeries:
    """`load()` (which decodes `path` for `symbol`), or its copy while `path` is unchanged."""
    try:
        stat = path.stat()
    except OSError:
        return load()  # `load` says what is wrong with the path
    identity = (stat.st_size, stat.st_mtime_ns, stat.st_ino)
    where = cache_root() if root is None else root
    key = hashlib.sha256(f"{path.resolve()}\0{symbol}".encode()).hexdigest()[:32]
    copy = where / f"{key}.npy"
    found = _read(copy, symbol, identity)
    if found is not None:
        return found
    series = load()
    _write(copy, series, identity)
    return series


def _read(copy: Path, symbol: str, identity: tuple[int, int, int]) -> CandleSeries | None:
    try:
        flat = np.load(copy, allow_pickle=False)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        log.debug("decoded candles %s unreadable (%s): decoding the file", copy, exc)
        return None
    if flat.dtype != np.int64 or flat.ndim != 1 or len(flat) < HEADER:
        return None
    fmt, interval, rows, *seen = (int(v) for v in flat[:HEADER])
    if fmt != FORMAT or tuple(seen) != identity or len(flat) != HEADER + COLUMNS * rows:
        return None
    columns = flat[HEADER:].reshape(COLUMNS, rows)
    prices = [columns[i].view(np.float64) for i in range(1, COLUMNS)]
    try:
        return check_tradeable(CandleSeries(symbol, interval, columns[0], *prices))
    except MarketDataError as exc:
        log.debug("decoded candles %s rejected (%s): decoding the file", copy, exc.problem)
        return None


def _write(copy: Path, series: CandleSeries, identity: tuple[int, int, int]) -> None:
    header = np.array([FORMAT, series.interval_ms, len(series), *identity], np.int64)
    prices = (series.open, series.high, series.low, series.close, series.volume)
    body: list[npt.NDArray[np.int64]] = [np.asarray(series.ts, np.int64)]
    body += [np.ascontiguousarray(p, np.float64).view(np.int64) for p in prices]
    partial = copy.with_name(f"{copy.stem}.{os.getpid()}.tmp")
    try:
        copy.parent.mkdir(parents=True, exist_ok=True)
        with partial.open("wb") as out:
            np.save(out, np.concatenate([header, *body]), allow_pickle=False)
        os.replace(partial, copy)
    except OSError as exc:
        log.debug("decoded candles not kept at %s: %s", copy, exc)
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
