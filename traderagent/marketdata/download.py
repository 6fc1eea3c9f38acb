"""Download Bybit V5 klines (`GET /v5/market/kline`) into the local candle store.

Only what the store lacks in the requested range is fetched (before its first candle, in its
gaps, after its last), so an interrupted download continues where it stopped. Bybit pages
newest first, up to 1,000 rows: each span is walked backwards, and what has arrived is merged
into the store every `flush_rows` rows and when the run ends or fails, so the store always
holds a contiguous block ending at the span's end. Retries, back-off and the endpoint's rate
budget are the Bybit client's (`BybitRest`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from traderagent.marketdata.coverage import missing_spans
from traderagent.marketdata.errors import MarketDataError
from traderagent.marketdata.merge import FIELDS, dedupe
from traderagent.marketdata.store import CandleStore, StoreKey

if TYPE_CHECKING:
    from traderagent.exchanges.bybit.rest import BybitRest

PAGE = 1000
KLINE = "/v5/market/kline"
MARK_KLINE = "/v5/market/mark-price-kline"  # rows without volume: stored with volume 0
Progress = Callable[[int, int], None]
"""Called with (candles fetched so far, candles the missing spans could hold at most)."""


class DownloadFailed(Exception):
    """The exchange refused or stopped answering; `saved` candles reached the store first."""

    def __init__(self, message: str, saved: int, *, bad_request: bool) -> None:
        super().__init__(message)
        self.saved = saved
        self.bad_request = bad_request


@dataclass(slots=True)
class DownloadReport:
    """What one run did."""

    requests: int = 0
    fetched: int = 0
    added: int = 0
    rows: int = 0
    spans: list[tuple[int, int]] = field(default_factory=list)


@dataclass(slots=True)
class _Pending:
    ts: list[Any] = field(default_factory=list)
    values: list[Any] = field(default_factory=list)

    def __len__(self) -> int:
        return sum(len(chunk) for chunk in self.ts)


async def download(
    rest: BybitRest,
    store: CandleStore,
    key: StoreKey,
    start_ms: int,
    end_ms: int,
    *,
    category: str = "linear",
    progress: Progress | None = None,
    flush_rows: int = 20_000,
    path: str = KLINE,
    symbol: str | None = None,
) -> DownloadReport:
    """Fetch `key`'s candles opening in [start_ms, end_ms) that the store lacks, from `path`
    (KLINE, or MARK_KLINE for a mark series) for the exchange's `symbol` (default key's)."""
    from traderagent.exchanges.bybit.errors import BybitError, InvalidRequestError
    from traderagent.exchanges.bybit.parse import interval_code

    interval = key.interval_ms
    code = interval_code(interval)  # ValueError for an interval Bybit does not have
    first = -(-start_ms // interval) * interval  # the first open time at or after start
    last = (end_ms - 1) // interval * interval  # the last open time before end
    held = store.read(key)
    stored_ts = held.ts if held is not None else np.empty(0, np.int64)
    report = DownloadReport(spans=missing_spans(stored_ts, interval, first, last))
    total = sum((hi - lo) // interval + 1 for lo, hi in report.spans)
    pending = _Pending()

    def flush() -> None:
        if not pending.ts:
            return
        ts = np.concatenate(pending.ts)
        table = np.concatenate(pending.values)
        columns = {name: table[:, k] for k, name in enumerate(FIELDS)}
        series = dedupe(key.symbol, interval, ts, columns, newer_wins=False)
        added, report.rows = store.save(key, series)
        report.added += added
        pending.ts.clear()
        pending.values.clear()

    wanted = symbol or key.symbol
    params = {"category": category, "symbol": wanted, "interval": code, "limit": PAGE}
    try:
        for lo, hi in report.spans:
            end = hi
            while end >= lo:
                reply = await rest.call("GET", path, {**params, "start": lo, "end": end})
                report.requests += 1
                rows = reply.result.get("list") or []
                ts, values = _parse(rows)
                closed = (ts >= lo) & (ts <= end) & (ts + interval <= reply.time_ms)
                pending.ts.append(ts[closed])
                pending.values.append(values[closed])
                report.fetched += int(closed.sum())
                if progress is not None:
                    progress(report.fetched, total)
                if len(pending) >= flush_rows:
                    flush()
                oldest = int(ts.min()) if ts.size else lo
                if len(rows) < PAGE or oldest <= lo or oldest > end:  # done, or out of range
                    break
                end = oldest - 1
        flush()
    except BybitError as err:
        flush()  # keep what arrived: a rerun continues from it
        raise DownloadFailed(
            str(err), report.added, bad_request=isinstance(err, InvalidRequestError)
        ) from err
    except (asyncio.CancelledError, KeyboardInterrupt):
        flush()
        raise
    if not report.rows:
        report.rows = len(held) if held is not None else 0
    return report


def _parse(rows: list[Any]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """Kline rows [start, open, high, low, close, volume, turnover] (strings) as arrays; a
    mark-price row [start, open, high, low, close] gets volume 0."""
    if not rows:
        return np.empty(0, np.int64), np.empty((0, len(FIELDS)), np.float64)
    try:
        ts = np.array([int(row[0]) for row in rows], dtype=np.int64)
        values = np.array([[*row[1:6], 0][:5] for row in rows], dtype=np.float64)
    except (ValueError, TypeError, IndexError) as exc:
        raise MarketDataError(f"unreadable kline rows from the exchange: {exc}") from exc
    return ts, values.reshape(-1, len(FIELDS))
