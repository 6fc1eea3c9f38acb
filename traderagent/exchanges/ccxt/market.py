"""Candles from any ccxt exchange: history in pages, and closed candles as they close.

A row is closed once its close time has passed on the client's clock (ccxt's
`milliseconds()`, the wall clock exchanges keep): the newest row of `fetch_ohlcv` may still be
forming on a live exchange, and is left for the next poll.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from traderagent.domain import Candle
from traderagent.exchanges.ccxt.parse import parse_ohlcv
from traderagent.exchanges.ports import ExchangeError

log = logging.getLogger("traderagent.exchanges.ccxt")

TIMEFRAMES = {
    60_000: "1m",
    180_000: "3m",
    300_000: "5m",
    900_000: "15m",
    1_800_000: "30m",
    3_600_000: "1h",
    14_400_000: "4h",
    86_400_000: "1d",
}
PAGE = 500
"""Rows asked for per request (exchanges cap it: Binance 1,000, OKX 300, Bybit 1,000)."""


def timeframe(interval_ms: int) -> str:
    try:
        return TIMEFRAMES[interval_ms]
    except KeyError:
        raise ExchangeError(f"no ccxt timeframe for {interval_ms} ms candles") from None


async def fetch_rows(
    client: Any, market: str, interval_ms: int, since: int | None, limit: int = PAGE
) -> list[Any]:
    """`fetch_ohlcv` rows from `since` on (the newest `limit` without it). The window is
    bounded with ccxt's unified `until` as well: an exchange that pages newest first within
    [since, until] (Bybit) then answers the same rows as one that pages oldest first."""
    frame = timeframe(interval_ms)
    if since is None:
        return list(await client.fetch_ohlcv(market, frame, limit=limit))
    until = since + limit * interval_ms - 1
    rows = await client.fetch_ohlcv(
        market, frame, since=since, limit=limit, params={"until": until}
    )
    return list(rows)


async def ohlcv_page(
    client: Any, market: str, symbol: str, interval_ms: int, since: int
) -> list[Candle]:
    """One page of candles from `since` on, oldest first, each open time once."""
    rows = await fetch_rows(client, market, interval_ms, since)
    candles = {int(r[0]): parse_ohlcv(symbol, r, interval_ms) for r in rows if int(r[0]) >= since}
    return [candles[ts] for ts in sorted(candles)]


class CandlePoller:
    """Candles of the markets a venue trades, read with `fetch_ohlcv`."""

    def __init__(self, client: Any, market_of: Callable[[str], str], every_s: float) -> None:
        self.client = client
        self.market_of = market_of
        self.every_s = every_s

    async def history(
        self, symbol: str, start_ms: int, end_ms: int, interval_ms: int = 60_000
    ) -> list[Candle]:
        """Closed candles opening in [start_ms, end_ms), oldest first."""
        market = self.market_of(symbol)
        out: list[Candle] = []
        since = start_ms
        while since < end_ms:
            page = await ohlcv_page(self.client, market, symbol, interval_ms, since)
            page = [c for c in page if c.ts < end_ms]
            if not page:
                break
            out.extend(page)
            since = page[-1].ts + interval_ms
        return out

    async def latest_closed(self, symbol: str, interval_ms: int = 60_000) -> int | None:
        """The open time of the newest closed candle."""
        rows = await fetch_rows(self.client, self.market_of(symbol), interval_ms, None, 3)
        now = int(self.client.milliseconds())
        return max((int(r[0]) for r in rows if int(r[0]) + interval_ms <= now), default=None)

    async def candles(
        self, symbol: str, interval_ms: int = 60_000, after: Candle | None = None
    ) -> AsyncIterator[Candle]:
        """Each closed candle once, in order, from the one after `after` (or the newest)."""
        market = self.market_of(symbol)
        last = after.ts if after is not None else None
        while True:
            since = last + interval_ms if last is not None else None
            got = await fetch_rows(self.client, market, interval_ms, since)
            rows = sorted({int(r[0]): r for r in got}.items())
            now = int(self.client.milliseconds())
            closed = [r for ts, r in rows if ts + interval_ms <= now]
            if last is None and closed:
                closed = closed[-1:]
            for row in closed:
                candle = parse_ohlcv(symbol, row, interval_ms)
                if last is None or candle.ts > last:
                    last = candle.ts
                    yield candle
            if len(rows) < PAGE:
                await asyncio.sleep(self.every_s)
