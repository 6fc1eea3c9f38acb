"""Closed candles as ccxt.pro's `watch_ohlcv` pushes them, REST filling what it missed.

Each push brings the rows updated since the last one; the newest may still be forming. A row
is closed once a newer row has been pushed, or once its close time is `CLOSE_GRACE_MS` past
on the client's clock (a quiet market, or a replay of past candles). A row that skips ahead
(a reconnect lost pushes) is preceded by the missing candles read with `fetch_ohlcv`, the gap
logged; a stream quiet for an interval and `QUIET_S` more is read once with `fetch_ohlcv` too,
so a silent socket delays candles, never drops them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from typing import Any

from traderagent.domain import Candle
from traderagent.exchanges.ccxt.market import CandlePoller, timeframe
from traderagent.exchanges.ccxt.parse import parse_ohlcv

log = logging.getLogger("traderagent.exchanges.ccxt")

CLOSE_GRACE_MS = 2_000
"""How long past its close time a row with no newer row after it waits for a last push."""
QUIET_S = 10.0
"""Seconds past one interval without a push before the closed candles are read by REST."""


class CandleStream:
    """Closed candles of the markets a venue trades, pushed by `watch_ohlcv`."""

    def __init__(self, client: Any, poller: CandlePoller) -> None:
        self.client = client
        self.poller = poller

    async def candles(
        self, symbol: str, interval_ms: int = 60_000, after: Candle | None = None
    ) -> AsyncIterator[Candle]:
        """Each closed candle once, in order, from the one after `after` (or the first the
        stream closes)."""
        market, frame = self.poller.market_of(symbol), timeframe(interval_ms)
        last = after.ts if after is not None else None
        rows: dict[int, list[Any]] = {}
        push: asyncio.Task[Any] | None = None
        try:
            while True:
                if push is None:
                    push = asyncio.ensure_future(self.client.watch_ohlcv(market, frame))
                done, _ = await asyncio.wait({push}, timeout=interval_ms / 1000 + QUIET_S)
                if done:
                    for row in push.result():
                        rows[int(row[0])] = row
                    push = None
                else:
                    log.warning("%s: no %s candle pushed for a while; reading them", market, frame)
                    read = await self._since(symbol, last, interval_ms)
                    rows.update({c.ts: _row(c) for c in read})
                for candle in await self._closed(symbol, rows, last, interval_ms):
                    last = candle.ts
                    yield candle
        finally:
            if push is not None:  # not awaited: a cancel of the feed itself must not be eaten
                push.add_done_callback(_retrieved)
                push.cancel()

    async def _closed(
        self, symbol: str, rows: dict[int, list[Any]], last: int | None, interval_ms: int
    ) -> list[Candle]:
        """The closed rows after `last` as candles, in order, each gap filled by REST; the
        rows taken (and any at or before `last`) leave `rows`."""
        now = int(self.client.milliseconds())
        newest = max(rows, default=None)
        ready = [
            ts for ts in sorted(rows) if ts != newest or ts + interval_ms + CLOSE_GRACE_MS <= now
        ]
        out: list[Candle] = []
        for ts in ready:
            row = rows.pop(ts)
            if last is not None and ts <= last:
                continue
            if last is not None and ts > last + interval_ms:
                missed = await self.poller.history(symbol, last + interval_ms, ts, interval_ms)
                log.warning(
                    "%s: the candle stream skipped %d candle(s) before %d; read by REST",
                    symbol, (ts - last) // interval_ms - 1, ts,
                )  # fmt: skip
                out.extend(c for c in missed if c.ts > last)
            out.append(parse_ohlcv(symbol, row, interval_ms))
            last = ts
        return out

    async def _since(self, symbol: str, last: int | None, interval_ms: int) -> list[Candle]:
        """The candles closed on the client's clock after `last` (the last two without it)."""
        now = int(self.client.milliseconds())
        start = last + interval_ms if last is not None else now - 3 * interval_ms
        return await self.poller.history(symbol, start, now - interval_ms + 1, interval_ms)


def _retrieved(push: asyncio.Future[Any]) -> None:
    """Take the outcome of an abandoned push, so asyncio does not report it as lost."""
    if not push.cancelled():
        push.exception()


def _row(candle: Candle) -> list[Any]:
    """A candle as a ccxt OHLCV row (for rows read by REST while the stream was quiet)."""
    return [
        candle.ts,
        float(candle.open),
        float(candle.high),
        float(candle.low),
        float(candle.close),
        float(candle.volume),
    ]
