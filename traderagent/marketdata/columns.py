"""Turn raw table columns (as read from CSV or Parquet) into epoch-ms and float64 arrays.

Every function raises a ValueError whose message names the column, the row and the value;
the loader adds the file name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    import pandas as pd

TIME_COLUMNS = ("open_time", "timestamp", "time", "date", "datetime")

# (largest plausible magnitude, ms per unit): seconds reach 1e11 only in the year 5138
_EPOCH_UNITS = ((1e11, 1000.0), (1e14, 1.0), (1e17, 1e-3), (float("inf"), 1e-6))


def find_column(frame: pd.DataFrame, candidates: tuple[str, ...]) -> str | None:
    """The frame's name of the first candidate present (case- and space-insensitive)."""
    by_key = {str(name).strip().lower(): str(name) for name in frame.columns}
    return next((by_key[c] for c in candidates if c in by_key), None)


def epoch_ms(column: pd.Series) -> npt.NDArray[np.int64]:
    """Candle times as epoch ms: ISO 8601 text or datetimes (naive = UTC) or epoch numbers."""
    import pandas as pd

    _reject_missing(column, "time")
    if pd.api.types.is_bool_dtype(column.dtype):
        raise ValueError(f"column {column.name!r} holds true/false values, not times")
    if pd.api.types.is_numeric_dtype(column.dtype):
        return _numeric_epoch_ms(column)
    if isinstance(column.dtype, pd.DatetimeTZDtype):
        stamps = column.dt.tz_convert("UTC")
    elif pd.api.types.is_datetime64_dtype(column.dtype):
        stamps = column.dt.tz_localize("UTC")
    else:
        stamps = _parse_iso(column)
    naive: npt.NDArray[np.datetime64] = stamps.dt.tz_localize(None).to_numpy(dtype="datetime64[ms]")
    return naive.view(np.int64)


def float_values(column: pd.Series) -> npt.NDArray[np.float64]:
    """A price or volume column as float64; text that is not a number is an error."""
    import pandas as pd

    _reject_missing(column, "value")
    if pd.api.types.is_bool_dtype(column.dtype):
        raise ValueError(f"column {column.name!r} holds true/false values, not numbers")
    if pd.api.types.is_numeric_dtype(column.dtype):
        return column.to_numpy(dtype=np.float64)
    numbers = pd.to_numeric(column, errors="coerce")
    _reject_unparsed(column, numbers.isna().to_numpy(), "a number")
    return numbers.to_numpy(dtype=np.float64)


def _numeric_epoch_ms(column: pd.Series) -> npt.NDArray[np.int64]:
    values = column.to_numpy()
    if values.size == 0:
        return np.empty(0, dtype=np.int64)
    biggest = float(np.max(np.abs(values)))
    ms_per_unit = next(scale for limit, scale in _EPOCH_UNITS if biggest < limit)
    if np.issubdtype(values.dtype, np.integer) and ms_per_unit >= 1:
        return values.astype(np.int64) * np.int64(ms_per_unit)  # exact for integer s / ms
    return np.rint(values.astype(np.float64) * ms_per_unit).astype(np.int64)


def _parse_iso(column: pd.Series) -> pd.Series:
    import pandas as pd

    try:
        return pd.to_datetime(column, utc=True, format="ISO8601")
    except (ValueError, TypeError, OverflowError):
        parsed = pd.to_datetime(column, utc=True, format="ISO8601", errors="coerce")
        _reject_unparsed(column, parsed.isna().to_numpy(), "an ISO 8601 time")
        raise  # unreachable in practice: the coerced parse found the bad row above


def _reject_missing(column: pd.Series, what: str) -> None:
    missing = column.isna().to_numpy()
    if missing.any():
        row = int(np.flatnonzero(missing)[0])
        raise ValueError(f"column {column.name!r}, row {row + 1}: missing {what}")


def _reject_unparsed(column: pd.Series, failed: npt.NDArray[np.bool_], expected: str) -> None:
    if failed.any():
        row = int(np.flatnonzero(failed)[0])
        value = column.iloc[row]
        where = f"column {column.name!r}, row {row + 1}"
        raise ValueError(f"{where}: cannot read {value!r} as {expected}")
