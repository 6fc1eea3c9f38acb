"""Market data for the engine: closed candles exactly once and in order, tickers, top of book.

One public stream per client carries every watched topic. A candle is yielded when its kline
arrives with `confirm: true`; if candles were missed (a reconnect, a skipped push), the gap is
backfilled over REST before the next one. Repeats, replays and stale candles are dropped with a
log line and counted (`intakes[i].counts`) (see `klines.py` and `marketdata/intake.py`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

from traderagent.domain import Candle
from traderagent.exchanges.bybit.endpoints import BybitEndpoints
from traderagent.exchanges.bybit.klines import RECONNECTED, Arrival, closed_candles
from traderagent.exchanges.bybit.parse import interval_code, parse_ws_kline
from traderagent.exchanges.bybit.quotes import Ticker, TickerState, TopOfBook, parse_top_of_book
from traderagent.exchanges.bybit.streams import Handler, TopicRouter
from traderagent.exchanges.bybit.ws import StreamConnection
from traderagent.marketdata.intake import CandleIntake

log = logging.getLogger("traderagent.exchanges.bybit")


class MarketFeed:
    """Async iterators over the public stream of one category, with REST catch-up."""

    def __init__(
        self, endpoints: BybitEndpoints, connect: Callable[[TopicRouter], StreamConnection]
    ) -> None:
        self.endpoints = endpoints
        self.router = TopicRouter()
        self.intakes: list[CandleIntake] = []  # one per candle stream, for its counts
        self._connect = connect
        self._stream: StreamConnection | None = None

    async def candles(
        self, symbol: str, interval_ms: int = 60_000, after: Candle | None = None
    ) -> AsyncIterator[Candle]:
        """Each closed candle of `symbol` once, oldest first, from the next close on (or, given
        `after`, the last candle the caller already has, from the one after it: a hole
        between the two is backfilled)."""
        topic = f"kline.{interval_code(interval_ms)}.{symbol}"
        queue: asyncio.Queue[Arrival] = asyncio.Queue()

        def on_kline(message: Mapping[str, Any]) -> None:
            for item in message.get("data") or []:
                try:
                    candle = parse_ws_kline(symbol, item, interval_ms)
                except (KeyError, ValueError, TypeError) as err:
                    intake.counts["malformed"] += 1
                    log.warning("bybit: dropped a malformed %s kline %.200r (%r)", topic, item, err)
                    continue
                queue.put_nowait((candle, item.get("confirm") is True))

        def on_reconnect() -> None:
            queue.put_nowait(RECONNECTED)

        intake = CandleIntake(f"bybit {symbol} candles")
        self.intakes.append(intake)
        if after is not None:
            intake.seed(after)

        async def backfill(start_ms: int, end_ms: int) -> list[Candle]:
            return await self.history(symbol, start_ms, end_ms, interval_ms)

        async with self._watching(topic, on_kline, on_reconnect):
            async for candle in closed_candles(
                symbol, interval_ms, queue.get, backfill, self.endpoints.rest.now_ms, intake
            ):
                yield candle

    async def tickers(self, symbol: str) -> AsyncIterator[Ticker]:
        """The merged ticker of `symbol` after every push (snapshot, then deltas)."""
        state = TickerState()
        queue: asyncio.Queue[Ticker] = asyncio.Queue()
        async with self._watching(
            f"tickers.{symbol}", lambda m: queue.put_nowait(state.apply(m)), None
        ):
            while True:
                yield await queue.get()

    async def top_of_book(self, symbol: str) -> AsyncIterator[TopOfBook]:
        """Best bid and ask of `symbol` after every `orderbook.1` push."""
        queue: asyncio.Queue[TopOfBook] = asyncio.Queue()
        async with self._watching(
            f"orderbook.1.{symbol}", lambda m: queue.put_nowait(parse_top_of_book(m)), None
        ):
            while True:
                yield await queue.get()

    async def history(
        self, symbol: str, start_ms: int, end_ms: int, interval_ms: int = 60_000
    ) -> list[Candle]:
        """Closed candles opening in [start_ms, end_ms], oldest first (REST, paged)."""
        return await self.endpoints.klines(symbol, interval_ms, start_ms, end_ms)

    async def close(self) -> None:
        if self._stream is not None:
            await self._stream.close()
            self._stream = None

    def _watching(
        self, topic: str, handler: Handler, on_reconnect: Callable[[], None] | None
    ) -> _Watch:
        if self._stream is None:
            self._stream = self._connect(self.router)
            self._stream.start()
        return _Watch(self._stream, self.router, topic, handler, on_reconnect)


class _Watch:
    """Subscribes on entry (first watcher of a topic), unsubscribes on exit (last one)."""

    def __init__(
        self,
        stream: StreamConnection,
        router: TopicRouter,
        topic: str,
        handler: Handler,
        on_reconnect: Callable[[], None] | None,
    ) -> None:
        self.stream, self.router, self.topic = stream, router, topic
        self.handler, self.on_reconnect = handler, on_reconnect

    async def __aenter__(self) -> None:
        if self.router.add(self.topic, self.handler, self.on_reconnect):
            await self.stream.subscribe([self.topic])

    async def __aexit__(self, *exc: object) -> None:
        if self.router.remove(self.topic, self.handler, self.on_reconnect):
            await self.stream.unsubscribe([self.topic])
