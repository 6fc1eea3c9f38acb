"""The candles the engine takes: its feed (a replay's, or a live venue's, which may wait minutes
for its next candle and must not hold up a shutdown) and the warm-up history before it."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable
from decimal import Decimal

from traderagent.domain import Candle
from traderagent.engine.state import EngineState

Log = Callable[[str, str], None]
"""Logs a line at a level ('warning', 'info')."""


async def feed_candles(e: EngineState, log: Log) -> AsyncIterator[Candle]:
    """The candles of `e.feed`, until it ends or a shutdown is asked for: a live feed's each
    once (a candle not after the last one taken is dropped, logged and counted), each
    telling the health monitor that its symbol's data is fresh."""
    feed, stop = e.feed, e.stop_signal
    if not isinstance(feed, AsyncIterable):
        for candle in feed:
            if stop.is_set():
                return
            yield candle
        return
    # a live feed may wait minutes for its next candle: a shutdown must not wait with it
    candles = aiter(feed)
    stopping = asyncio.ensure_future(stop.wait())
    try:
        while not stop.is_set():
            arriving = asyncio.ensure_future(anext(candles))
            await asyncio.wait({arriving, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if not arriving.done():
                arriving.cancel()
                return
            try:
                candle = arriving.result()
            except StopAsyncIteration:
                return
            if e.intake.offer(candle) is None:  # counted in intake.counts
                log(
                    "warning",
                    f"dropped a {candle.symbol} candle at {candle.ts} ms: "
                    "not after the last one the engine took",
                )
                continue
            e.health.saw_candle(
                candle.symbol, candle.close_time, candle.interval_ms, e.bots.values()
            )
            yield candle
    finally:
        stopping.cancel()


def warm_up(e: EngineState, candles: Iterable[Candle]) -> int:
    """Feed history to the regime classifiers and the bots' candle memory (no trading),
    so indicators need not warm up on live candles; its last close is each symbol's last
    known price until a candle comes (a restart values the account at once, and a replay
    that had already ended is valued where it ended). Returns the candles used."""
    used = 0
    for candle in candles:
        used += 1
        e.intake.seed(candle)  # the live feed goes on after these
        e.prices[candle.symbol] = Decimal(repr(candle.close))
        for bot in e.bots.values():
            if bot.symbol == candle.symbol:
                bot.history.append(candle)
        classifier = e.classifiers.get(candle.symbol)
        if classifier is not None:
            reading = classifier.update(candle)
            if reading is not None:
                e.regimes[candle.symbol] = reading
    return used
