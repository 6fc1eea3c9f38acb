"""What a run of candle open times covers: its gaps, and which parts of a range it lacks."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

Span = tuple[int, int]
"""Open times [first, last] of candles, both inclusive, epoch ms."""


@dataclass(frozen=True, slots=True)
class Coverage:
    """Rows, first and last open time, and the holes between them."""

    rows: int
    first_ts: int | None
    last_ts: int | None
    gaps: int
    """Places where one or more candles are missing between two stored ones."""
    missing: int
    """Candles missing in all those gaps."""


def coverage(ts: npt.NDArray[np.int64], interval_ms: int) -> Coverage:
    if ts.size == 0:
        return Coverage(0, None, None, 0, 0)
    steps = np.diff(ts) // interval_ms
    holes = steps[steps > 1]
    return Coverage(int(ts.size), int(ts[0]), int(ts[-1]), int(holes.size), int((holes - 1).sum()))


def missing_spans(ts: npt.NDArray[np.int64], interval_ms: int, start: int, end: int) -> list[Span]:
    """The spans of [start, end] (candle open times, aligned to the interval) that `ts` (sorted)
    does not hold: before its first candle, between candles, after its last. Newest first."""
    inside = ts[(ts >= start) & (ts <= end)]
    if inside.size == 0:
        return [(start, end)] if start <= end else []
    spans: list[Span] = []
    if inside[-1] < end:
        spans.append((int(inside[-1]) + interval_ms, end))
    holes = np.flatnonzero(np.diff(inside) > interval_ms)
    for i in holes[::-1].tolist():
        spans.append((int(inside[i]) + interval_ms, int(inside[i + 1]) - interval_ms))
    if inside[0] > start:
        spans.append((start, int(inside[0]) - interval_ms))
    return spans
