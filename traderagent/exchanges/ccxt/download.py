"""Download candles from any ccxt exchange (`fetch_ohlcv`) into the local candle store.

Only what the store lacks in the requested range is fetched (before its first candle, in its
gaps, after its last), so an interrupted download continues where it stopped. Each missing
span is paged forwards (`since`, oldest first, as every ccxt exchange pages); what has arrived
is merged into the store every `flush_rows` rows and when the run ends or fails. The newest
candle the exchange has may still be forming: a candle whose close time has not passed on
the client's clock is never stored.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from traderagent.exchanges.ccxt.client import ccxt_module
from traderagent.exchanges.ccxt.market import fetch_rows, timeframe
from traderagent.marketdata.coverage import missing_spans
from traderagent.marketdata.errors import MarketDataError
from traderagent.marketdata.merge import FIELDS, dedupe
from traderagent.marketdata.store import CandleStore, StoreKey

PAGE = 500
Progress = Callable[[int, int], None]
"""Called with (candles fetched so far, candles the missing spans could hold at most)."""


class CcxtDownloadFailed(Exception):
    """The exchange refused or stopped answering; `saved` candles reached the store first."""

    def __init__(self, message: str, saved: int) -> None:
        super().__init__(message)
        self.saved = saved


@dataclass(slots=True)
class CcxtDownloadReport:
    requests: int = 0
    fetched: int = 0
    added: int = 0
    rows: int = 0
    spans: list[tuple[int, int]] = field(default_factory=list)


async def download_ohlcv(
    client: Any,
    market: str,
    store: CandleStore,
    key: StoreKey,
    start_ms: int,
    end_ms: int,
    *,
    retries: int = 5,
    progress: Progress | None = None,
    flush_rows: int = 20_000,
    sleep: Callable[[float], Any] = asyncio.sleep,
) -> CcxtDownloadReport:
    """Fetch `key`'s candles opening in [start_ms, end_ms) that the store lacks; a request
    that gets no answer (ccxt's NetworkError) is retried up to `retries` times."""
    errors = ccxt_module("ccxt.base.errors")
    BaseError, NetworkError = errors.BaseError, errors.NetworkError  # noqa: N806

    async def fetch(since: int | None, limit: int) -> list[Any]:
        for attempt in range(retries + 1):
            try:
                report.requests += 1
                return await fetch_rows(client, market, interval, since, limit)
            except NetworkError:
                if attempt == retries:
                    raise
                await sleep(min(2.0**attempt, 30.0))
        return []

    interval = key.interval_ms
    timeframe(interval)  # ValueError for an interval ccxt has no timeframe for
    first = -(-start_ms // interval) * interval
    last = (end_ms - 1) // interval * interval
    held = store.read(key)
    stored_ts = held.ts if held is not None else np.empty(0, np.int64)
    report = CcxtDownloadReport(spans=missing_spans(stored_ts, interval, first, last))
    total = sum((hi - lo) // interval + 1 for lo, hi in report.spans)
    pending: list[list[Any]] = []

    def flush() -> None:
        if not pending:
            return
        ts = np.array([int(r[0]) for r in pending], dtype=np.int64)
        table = np.array([[float(v or 0) for v in r[1:6]] for r in pending], dtype=np.float64)
        columns = {name: table[:, k] for k, name in enumerate(FIELDS)}
        added, report.rows = store.save(
            key, dedupe(key.symbol, interval, ts, columns, newer_wins=False)
        )
        report.added += added
        pending.clear()

    try:
        for lo, hi in report.spans:
            since = lo
            while since <= hi:
                rows = await fetch(since, PAGE)
                now = int(client.milliseconds())
                rows = sorted(
                    (r for r in rows if lo <= int(r[0]) <= hi and int(r[0]) + interval <= now),
                    key=lambda r: r[0],
                )
                pending.extend(rows)
                report.fetched += len(rows)
                if progress is not None:
                    progress(report.fetched, total)
                if len(pending) >= flush_rows:
                    flush()
                if not rows or int(rows[-1][0]) < since:
                    break
                since = int(rows[-1][0]) + interval
        flush()
    except BaseError as err:
        flush()  # keep what arrived: a rerun continues from it
        raise CcxtDownloadFailed(f"{type(err).__name__}: {err}", report.added) from err
    except (ValueError, TypeError, IndexError) as err:
        flush()
        raise MarketDataError(f"unreadable candles from the exchange: {err}") from err
    except (asyncio.CancelledError, KeyboardInterrupt):
        flush()
        raise
    if not report.rows:
        report.rows = len(held) if held is not None else 0
    return report
