"""The local candle store: one Parquet file per exchange, symbol and interval.

Layout: `<root>/<EXCHANGE>/<SYMBOL>-<interval>.parquet` (root: `<data dir>/candles`), columns
`open_time` (epoch ms, int64) and open, high, low, close, volume (float64), sorted by time with
one row per open time. Files are replaced whole (written to a temporary file, then renamed), so
a reader never sees a half-written file. `store:SYMBOL-INTERVAL` (or `store:EXCHANGE/SYMBOL-
INTERVAL`) names a stored series wherever a candle file is accepted (`--data`, `replay.data`).
"""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from traderagent.marketdata.errors import MarketDataError
from traderagent.marketdata.merge import FIELDS, CandleConflict, merge
from traderagent.marketdata.resample import parse_interval
from traderagent.marketdata.series import CandleSeries, check_tradeable

STORE_PREFIX = "store:"
TIME = "open_time"
_NAME = re.compile(r"[A-Z0-9][A-Z0-9_-]{0,39}")
_UNITS = ((86_400_000, "d"), (3_600_000, "h"), (60_000, "m"))


def default_root() -> Path:
    """`<data dir>/candles` (the data dir honours TRADERAGENT_DATA_DIR)."""
    from traderagent.paths import data_dir

    return data_dir() / "candles"


def interval_name(interval_ms: int) -> str:
    """60_000 -> "1m", 3_600_000 -> "1h", 86_400_000 -> "1d" (the inverse of parse_interval)."""
    for unit_ms, unit in _UNITS:
        if interval_ms % unit_ms == 0:
            return f"{interval_ms // unit_ms}{unit}"
    raise MarketDataError(f"interval {interval_ms} ms is not a whole number of minutes")


def checked_name(text: str, what: str) -> str:
    """An exchange or symbol name, upper-cased; letters, digits, '_' and '-' only."""
    name = text.strip().upper()
    if not _NAME.fullmatch(name):
        raise MarketDataError(
            f"bad {what} {text!r}: use 1-40 letters, digits, '_' or '-' (e.g. BTCUSDT)"
        )
    return name


@dataclass(frozen=True, slots=True)
class StoreKey:
    """Which stored series: exchange (the folder), symbol and candle interval."""

    exchange: str
    symbol: str
    interval_ms: int

    @property
    def file_name(self) -> str:
        return f"{self.symbol}-{interval_name(self.interval_ms)}.parquet"

    @property
    def label(self) -> str:
        return f"{self.exchange}/{self.symbol}-{interval_name(self.interval_ms)}"


class CandleStore:
    """Read, merge into and list the store under `root` (default: `default_root()`)."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root if root is not None else default_root()

    def path(self, key: StoreKey) -> Path:
        return self.root / key.exchange / key.file_name

    def keys(self) -> list[StoreKey]:
        """Every stored series, sorted by exchange, symbol and interval."""
        found = []
        for path in self.root.glob("*/*.parquet") if self.root.is_dir() else ():
            key = _key_of(path)
            if key is not None:
                found.append(key)
        return sorted(found, key=lambda k: (k.exchange, k.symbol, k.interval_ms))

    def read(self, key: StoreKey) -> CandleSeries | None:
        """The stored series, or None when there is none yet."""
        path = self.path(key)
        if not path.is_file():
            return None
        import pyarrow as pa
        import pyarrow.parquet as pq

        # ParquetFile, not read_table (that imports pyarrow.dataset and pandas); one thread:
        # starting arrow's pool costs more CPU than the six columns take to decode
        try:
            table = pq.ParquetFile(path, memory_map=True).read(
                columns=[TIME, *FIELDS], use_threads=False
            )
        except (pa.ArrowException, OSError, KeyError) as exc:
            raise MarketDataError(f"cannot read the stored candles: {exc}", path) from exc
        ts = _numbers(table.column(TIME), np.int64)
        columns = (_numbers(table.column(n), np.float64) for n in FIELDS)
        try:
            return check_tradeable(CandleSeries(key.symbol, key.interval_ms, ts, *columns))
        except MarketDataError as exc:
            raise MarketDataError(f"the stored file is damaged: {exc.problem}", path) from exc

    def merged(
        self, key: StoreKey, new: CandleSeries, *, newer_wins: bool = False
    ) -> tuple[CandleSeries, int]:
        """The stored series with `new` merged in, and the rows that adds; nothing is written."""
        old = self.read(key)
        try:
            merged = merge(old, _relabel(new, key), newer_wins=newer_wins)
        except CandleConflict as exc:
            raise CandleConflict(f"new candles disagree with {key.label}: {exc.problem}") from exc
        return merged, len(merged) - (len(old) if old is not None else 0)

    def save(
        self, key: StoreKey, new: CandleSeries, *, newer_wins: bool = False
    ) -> tuple[int, int]:
        """Merge `new` into the stored series and write it; returns (rows added, rows now)."""
        merged, added = self.merged(key, new, newer_wins=newer_wins)
        self.write(key, merged)
        return added, len(merged)

    def write(self, key: StoreKey, series: CandleSeries) -> Path:
        """Replace the stored file with `series`, atomically (temporary file, then rename)."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        path = self.path(key)
        arrays = [pa.array(series.ts, pa.int64())]
        arrays += [pa.array(getattr(series, n), pa.float64()) for n in FIELDS]
        table = pa.Table.from_arrays(arrays, names=[TIME, *FIELDS])
        path.parent.mkdir(parents=True, exist_ok=True)
        temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            with temp.open("wb") as handle:
                pq.write_table(table, handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temp, path)
        finally:
            with contextlib.suppress(FileNotFoundError):
                temp.unlink()
        return path

    def resolve(self, ref: str) -> StoreKey:
        """`SYMBOL-INTERVAL` or `EXCHANGE/SYMBOL-INTERVAL` to the one stored series it names."""
        exchange, _, name = ref.strip().rpartition("/")
        symbol, _, interval = name.rpartition("-")
        if not symbol or not interval:
            raise MarketDataError(
                f"bad store reference {ref!r}: expected SYMBOL-INTERVAL, e.g. BTCUSDT-1m"
            )
        wanted = (checked_name(symbol, "symbol"), parse_interval(interval))
        venue = checked_name(exchange, "exchange") if exchange else None
        matches = [
            k
            for k in self.keys()
            if (k.symbol, k.interval_ms) == wanted and venue in (None, k.exchange)
        ]
        if len(matches) == 1:
            return matches[0]
        held = ", ".join(k.label for k in self.keys()) or "nothing yet"
        if not matches:
            raise MarketDataError(
                f"the candle store ({self.root}) has no {ref!r}; it holds: {held}. "
                "Add candles with `traderagent data import` or `traderagent data download`."
            )
        raise MarketDataError(
            f"{ref!r} is stored for several exchanges ({', '.join(k.label for k in matches)}); "
            "name one, e.g. store:" + matches[0].label
        )


def stored_file(ref: str) -> Path:
    """The file a `store:...` reference names (MarketDataError when it names none)."""
    store = CandleStore()
    return store.path(store.resolve(ref.removeprefix(STORE_PREFIX)))


def load_stored(ref: str, symbol: str, interval_ms: int | None = None) -> CandleSeries:
    """The series a `store:...` reference names, checked against the symbol the caller expects."""
    key = CandleStore().resolve(ref.removeprefix(STORE_PREFIX))
    if key.symbol != symbol.upper():
        raise MarketDataError(
            f"{ref} holds {key.symbol} candles, not {symbol}: set the symbol to {key.symbol}"
        )
    if interval_ms is not None and interval_ms != key.interval_ms:
        raise MarketDataError(f"{ref} holds {interval_name(key.interval_ms)} candles")
    series = CandleStore().read(key)
    if series is None or len(series) == 0:
        raise MarketDataError(f"{ref} holds no candles")
    return series


def _key_of(path: Path) -> StoreKey | None:
    symbol, _, interval = path.stem.rpartition("-")
    try:
        exchange = checked_name(path.parent.name, "exchange")
        return StoreKey(exchange, checked_name(symbol, "symbol"), parse_interval(interval))
    except MarketDataError:
        return None  # not a store file (a stray file someone put there)


def _relabel(series: CandleSeries, key: StoreKey) -> CandleSeries:
    if series.symbol == key.symbol:
        return series
    columns = (getattr(series, n) for n in FIELDS)
    return CandleSeries(key.symbol, series.interval_ms, series.ts, *columns)


def _numbers(column: Any, dtype: type[np.int64] | type[np.float64]) -> npt.NDArray[Any]:
    """A Parquet column as a numpy array of `dtype`. Columns as `write` stores them (that
    type, no nulls) are copied straight from their buffers: pyarrow's `to_numpy` imports
    pandas (~0.3 s of CPU a command would spend for nothing); any other column goes that way."""
    import pyarrow as pa

    wanted = pa.int64() if dtype is np.int64 else pa.float64()
    chunks = column.chunks
    if column.type != wanted or any(chunk.null_count for chunk in chunks):
        return np.asarray(column.to_numpy(), dtype=dtype)
    parts = [
        np.frombuffer(chunk.buffers()[1], dtype=dtype, count=len(chunk), offset=chunk.offset * 8)
        for chunk in chunks
    ]
    return np.concatenate(parts) if parts else np.empty(0, dtype=dtype)
