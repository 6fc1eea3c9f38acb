"""Merge candle runs by open time: sort, drop repeats, and refuse repeats that disagree.

Used by the local store (new candles into what it holds) and by the importers (repeated rows
inside one file). Two candles with the same open time agree when every price and the volume
match to a relative 1e-9; otherwise the merge fails with the first disagreement, unless the
newer run is told to win.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from traderagent.marketdata.errors import MarketDataError
from traderagent.marketdata.series import CandleSeries, check_tradeable

FIELDS = ("open", "high", "low", "close", "volume")
RTOL = 1e-9

Columns = dict[str, npt.NDArray[np.float64]]


class CandleConflict(MarketDataError):
    """Two candles with one open time and different prices or volume."""


def dedupe(
    symbol: str, interval_ms: int, ts: npt.NDArray[np.int64], columns: Columns, *, newer_wins: bool
) -> CandleSeries:
    """A validated series from raw columns in arrival order. Among rows with one open time
    the last arrival is kept when `newer_wins`; otherwise they must agree (the first is kept).
    Prices must be above zero and finite (raw columns come from files and exchanges)."""
    order = np.argsort(ts, kind="stable")
    ts = ts[order]
    cols = {name: columns[name][order] for name in FIELDS}
    same = ts[1:] == ts[:-1]
    if same.any() and not newer_wins:
        _check_agreement(ts, cols, np.flatnonzero(same))
    # the last of each run of equal times when newer wins, else the first
    keep = np.concatenate((~same, [True])) if newer_wins else np.concatenate(([True], ~same))
    kept = (cols[name][keep] for name in FIELDS)
    return check_tradeable(CandleSeries(symbol, interval_ms, ts[keep], *kept))


def merge(old: CandleSeries | None, new: CandleSeries, *, newer_wins: bool = False) -> CandleSeries:
    """`old` and `new` as one series (same symbol and interval required)."""
    if old is None or len(old) == 0:
        return new
    if old.interval_ms != new.interval_ms:
        raise MarketDataError(
            f"cannot merge {new.interval_ms} ms candles into {old.interval_ms} ms candles"
        )
    ts = np.concatenate((old.ts, new.ts))
    columns = {name: np.concatenate((getattr(old, name), getattr(new, name))) for name in FIELDS}
    return dedupe(old.symbol, old.interval_ms, ts, columns, newer_wins=newer_wins)


def _check_agreement(
    ts: npt.NDArray[np.int64], cols: Columns, firsts: npt.NDArray[np.intp]
) -> None:
    """`firsts[k]` and `firsts[k] + 1` share an open time; fail on the first that differ."""
    seconds = firsts + 1
    differs = np.zeros(firsts.size, dtype=bool)
    for name in FIELDS:
        a, b = cols[name][firsts], cols[name][seconds]
        differs |= ~np.isclose(a, b, rtol=RTOL, atol=0.0)
    hits = np.flatnonzero(differs)
    if not hits.size:
        return
    i, j = int(firsts[hits[0]]), int(seconds[hits[0]])
    when = np.datetime64(int(ts[i]), "ms").astype("datetime64[s]").astype(str)
    raise CandleConflict(
        f"two different candles open at {when}Z: {_row(cols, i)} and {_row(cols, j)} "
        f"({int(differs.sum())} such conflicts in all)"
    )


def _row(cols: Columns, i: int) -> str:
    return "o={} h={} l={} c={} v={}".format(*(float(cols[n][i]) for n in FIELDS))
