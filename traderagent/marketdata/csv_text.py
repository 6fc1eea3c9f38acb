"""Read a candle CSV into a frame, refusing the rows pandas would otherwise cut short.

`pandas.read_csv(..., index_col=False)` drops the fields of a row beyond its header's count
with only a warning; a candle file that does that is malformed, so it is refused, naming the
first such row, instead of trading on what was left of it.
"""

from __future__ import annotations

import csv
import gzip
import io
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd


def read_csv(path: Path) -> pd.DataFrame:
    """The CSV (gzipped if its name says so) as a frame; ValueError for a row wider than the
    header, naming it."""
    import pandas as pd

    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.ParserWarning)
        try:
            return pd.read_csv(path, index_col=False)  # never turn a column into the index
        except pd.errors.ParserWarning as exc:
            raise ValueError(_wide_row(path) or f"malformed rows: {exc}") from None


def _wide_row(path: Path) -> str | None:
    """'row N has M fields, the header K' for the first row wider than the header."""
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rb") as raw:
        rows = csv.reader(io.TextIOWrapper(raw, encoding="utf-8", errors="replace", newline=""))
        header = next(rows, [])
        for number, row in enumerate(rows, start=2):
            if len(row) > len(header):
                return (
                    f"line {number} has {len(row)} fields but the header has {len(header)}; "
                    "the extra fields would be lost"
                )
    return None
