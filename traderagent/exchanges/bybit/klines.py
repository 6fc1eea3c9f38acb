"""Live klines to closed candles: the stream's pushes and the REST catch-up, through one intake.

What arrives is a stream push (a candle with its `confirm` flag) or a reconnect marker. Before a
closed candle that leaves a hole after the last one passed on (a skipped push, a reconnect),
the hole is backfilled over REST; everything, pushed or backfilled, then goes through
`CandleIntake`, which passes each open time on once, oldest first, and drops (with a log line
and a count) repeats, replays and stale candles. A failed backfill is logged and counted; the
stream goes on.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from traderagent.domain import Candle
from traderagent.exchanges.bybit.errors import BybitError
from traderagent.marketdata.intake import CandleIntake

log = logging.getLogger("traderagent.exchanges.bybit")

RECONNECTED = object()
Arrival = tuple[Candle, bool] | object  # (candle, confirmed) or RECONNECTED
Backfill = Callable[[int, int], Awaitable[list[Candle]]]  # (start_ms, end_ms) -> closed candles


async def closed_candles(
    symbol: str,
    interval_ms: int,
    arrivals: Callable[[], Awaitable[Arrival]],
    backfill: Backfill,
    now_ms: Callable[[], int],
    intake: CandleIntake,
) -> AsyncIterator[Candle]:
    """Each closed candle of `symbol` once, oldest first, after `intake`'s last one."""
    while True:
        got = await arrivals()
        pushed: Candle | None = None
        if isinstance(got, tuple):
            candle, confirmed = got
            if not confirmed:
                intake.offer(candle, confirmed=False)
                continue
            pushed, until = candle, candle.ts - interval_ms
        else:
            until = now_ms()  # reconnected: whatever closed while the stream was away
        last = intake.last_ts(symbol)
        if last is not None and until > last:
            for missed in await _backfill(symbol, backfill, last + interval_ms, until, intake):
                if intake.offer(missed) is not None:
                    yield missed
        if pushed is not None and intake.offer(pushed) is not None:
            yield pushed


async def _backfill(
    symbol: str, backfill: Backfill, start_ms: int, end_ms: int, intake: CandleIntake
) -> list[Candle]:
    try:
        return await backfill(start_ms, end_ms)
    except BybitError as err:
        intake.counts["backfill_failed"] += 1
        log.warning(
            "bybit: %s candle backfill from %d to %d ms failed (%s); going on without it",
            symbol,
            start_ms,
            end_ms,
            err,
        )
        return []
