"""Read candle files for `traderagent data import`: CSV (optionally gzipped), Parquet, and
freqtrade's feather and JSON (`.json` / `.json.gz`, a list of [ts_ms, o, h, l, c, v]).

The symbol and interval may come from freqtrade-style file names (`BTC_USDT-1m.feather`,
`BTC_USDT_USDT-5m-futures.json`, `BTCUSDT-1m.parquet`); flags win over the name. Every problem
raises MarketDataError naming the file.
"""

from __future__ import annotations

import gzip
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from traderagent.marketdata.columns import TIME_COLUMNS, epoch_ms, find_column, float_values
from traderagent.marketdata.csv_text import read_csv
from traderagent.marketdata.errors import MarketDataError
from traderagent.marketdata.merge import FIELDS, dedupe
from traderagent.marketdata.resample import parse_interval
from traderagent.marketdata.series import CandleSeries
from traderagent.marketdata.store import checked_name, interval_name

if TYPE_CHECKING:
    import pandas as pd

FORMATS = {
    ".csv": "csv",
    ".csv.gz": "csv",
    ".parquet": "parquet",
    ".feather": "feather",
    ".json": "json",
    ".json.gz": "json",
}
_FILE_NAME = re.compile(r"(?P<symbol>[A-Za-z0-9]+(?:_[A-Za-z0-9]+)*)-(?P<interval>\d+[mhd])\b")


@dataclass(frozen=True, slots=True)
class NameHint:
    """What a file's name says: symbol and interval, each None when it says nothing."""

    symbol: str | None
    interval_ms: int | None


def name_hint(path: Path) -> NameHint:
    """`BTC_USDT-1m.feather` -> BTCUSDT, 1m; futures `BTC_USDT_USDT-1h-futures` -> BTCUSDT, 1h."""
    match = _FILE_NAME.match(path.name)
    if match is None:
        return NameHint(None, None)
    parts = match.group("symbol").upper().split("_")
    symbol = "".join(parts[:2])  # freqtrade futures add the settle coin: BASE_QUOTE_SETTLE
    return NameHint(symbol, parse_interval(match.group("interval")))


def file_format(path: Path) -> str:
    name = path.name.lower()
    for suffix in sorted(FORMATS, key=len, reverse=True):
        if name.endswith(suffix):
            return FORMATS[suffix]
    raise MarketDataError(
        f"unknown candle file format {''.join(path.suffixes) or '(no suffix)'!r}; "
        f"expected one of {', '.join(FORMATS)}",
        path,
    )


def read_candle_file(
    path: Path, symbol: str | None = None, interval_ms: int | None = None
) -> CandleSeries:
    """The candles of one file, sorted, repeats merged (they must agree), validated, and
    checked to be `interval_ms` apart (a whole number of intervals between any two)."""
    kind = file_format(path)
    if not path.is_file():
        raise MarketDataError(f"file not found: {path}", path)
    hint = name_hint(path)
    name = symbol or hint.symbol
    if name is None:
        raise MarketDataError("cannot tell the symbol from the file name: pass --symbol", path)
    name = checked_name(name, "symbol")
    try:
        ts, columns = _json_columns(path) if kind == "json" else _frame_columns(_frame(path, kind))
        if ts.size == 0:
            raise MarketDataError("the file holds no candles", path)
        interval = interval_ms or hint.interval_ms or _common_gap(ts)
        _check_spacing(ts, interval)
        return dedupe(name, interval, ts, columns, newer_wins=False)
    except ValueError as exc:  # from the column readers: names the column, row and value
        raise MarketDataError(str(exc), path) from exc
    except MarketDataError as exc:
        raise MarketDataError(exc.problem, path) from exc


def _frame(path: Path, kind: str) -> pd.DataFrame:
    import pandas as pd

    try:
        if kind == "parquet":
            return pd.read_parquet(path)
        if kind == "feather":
            return pd.read_feather(path)
        return read_csv(path)
    except (ValueError, OSError, EOFError, ImportError) as exc:
        raise MarketDataError(f"cannot read the file as {kind}: {exc}", path) from exc


def _frame_columns(
    frame: pd.DataFrame,
) -> tuple[npt.NDArray[np.int64], dict[str, npt.NDArray[np.float64]]]:
    found = ", ".join(map(str, frame.columns)) or "none"
    time_name = find_column(frame, TIME_COLUMNS)
    if time_name is None:
        raise ValueError(
            f"no time column: expected one of {', '.join(TIME_COLUMNS)}; found {found}"
        )
    columns = {}
    for wanted in FIELDS:
        name = find_column(frame, (wanted,))
        if name is None:
            raise ValueError(f"missing column {wanted!r}; found {found}")
        columns[wanted] = float_values(frame[name])
    return epoch_ms(frame[time_name]), columns


def _json_columns(path: Path) -> tuple[npt.NDArray[np.int64], dict[str, npt.NDArray[np.float64]]]:
    """freqtrade's JSON: a list of [timestamp_ms, open, high, low, close, volume]."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rt", encoding="utf-8") as handle:
            rows = json.load(handle)
    except (OSError, EOFError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise MarketDataError(f"cannot read the file as JSON: {exc}", path) from exc
    shape = "a freqtrade candle file: a list of [timestamp_ms, open, high, low, close, volume]"
    if not isinstance(rows, list):
        raise MarketDataError(f"not {shape}", path)
    for i, row in enumerate(rows):
        ok = isinstance(row, list) and len(row) == 6
        if not ok or not all(isinstance(v, int | float) and v is not True for v in row):
            raise MarketDataError(
                f"row {i + 1} is {row!r}, not [ts_ms, o, h, l, c, v] numbers", path
            )
    table = np.array(rows, dtype=np.float64).reshape(-1, 6)
    ts = np.array([row[0] for row in rows], dtype=np.int64)
    return ts, {name: table[:, k + 1] for k, name in enumerate(FIELDS)}


def _common_gap(ts: npt.NDArray[np.int64]) -> int:
    steps = np.diff(np.unique(ts))
    if steps.size == 0:
        raise MarketDataError("one candle is not enough to tell the interval: pass --interval")
    gaps, counts = np.unique(steps, return_counts=True)
    return int(gaps[np.argmax(counts)])


def _check_spacing(ts: npt.NDArray[np.int64], interval_ms: int) -> None:
    steps = np.diff(np.unique(ts))
    if steps.size == 0:
        return
    gaps, counts = np.unique(steps, return_counts=True)
    common = int(gaps[np.argmax(counts)])
    if common != interval_ms:
        raise MarketDataError(
            f"the candles are mostly {_span(common)} apart, not {_span(interval_ms)}"
            + (f": pass --interval {_span(common)}" if common % 60_000 == 0 else "")
        )
    odd = np.flatnonzero(np.mod(steps, np.int64(interval_ms)))
    if odd.size:
        raise MarketDataError(
            f"{odd.size} candles are not a whole number of {_span(interval_ms)} "
            "intervals after the previous one"
        )


def _span(ms: int) -> str:
    return interval_name(ms) if ms % 60_000 == 0 else f"{ms:,} ms"
