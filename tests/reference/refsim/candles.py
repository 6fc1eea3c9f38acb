"""Candle files as the README describes them, read with the standard library alone.

README "Configuration": a time column (`open_time`, `timestamp`, `time`, `date` or `datetime`;
ISO 8601 or epoch seconds or milliseconds) and `open`, `high`, `low`, `close`. Prices are kept
as the exact decimal text of the file. The interval is the most common gap between candles.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

TIME_COLUMNS = ("open_time", "timestamp", "time", "date", "datetime")
MINUTE_MS = 60_000


@dataclass(frozen=True)
class Bar:
    """One candle: its open time and length in epoch ms, and its four prices."""

    ts: int
    interval_ms: int
    open: Decimal
    high: Decimal
    low: Decimal
    close: Decimal

    @property
    def close_ms(self) -> int:
        return self.ts + self.interval_ms


def _epoch_ms(text: str) -> int:
    text = text.strip()
    try:
        number = int(Decimal(text))
    except ArithmeticError:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        return int(moment.timestamp() * 1000)
    return number * 1000 if number < 100_000_000_000 else number  # seconds or milliseconds


def read_bars(path: Path, start_ms: int | None = None, end_ms: int | None = None) -> list[Bar]:
    """The candles of a CSV or CSV.gz file opening in [start_ms, end_ms), oldest first."""
    raw = path.read_bytes()
    if path.suffix == ".gz":
        raw = gzip.decompress(raw)
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8"))))
    column = next(c for c in TIME_COLUMNS if rows and c in rows[0])
    stamped = sorted((_epoch_ms(r[column]), r) for r in rows)
    gaps = Counter(b[0] - a[0] for a, b in zip(stamped, stamped[1:], strict=False))
    interval = gaps.most_common(1)[0][0] if gaps else MINUTE_MS
    bars = []
    for ts, r in stamped:
        if (start_ms is not None and ts < start_ms) or (end_ms is not None and ts >= end_ms):
            continue
        o, h, lo, c = (Decimal(r[k].strip()) for k in ("open", "high", "low", "close"))
        bars.append(Bar(ts, interval, o, h, lo, c))
    return bars
