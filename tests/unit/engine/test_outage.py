"""Venue outages do not end the run: a failing candle feed is reopened after a pause from the
last candle it gave (the feed fetches what it missed), none is yielded twice, and each
failure is noted; a
failed balances call keeps the last balances and shows the engine degraded until the venue
answers again."""

from __future__ import annotations

from collections.abc import AsyncIterator
from decimal import Decimal

from traderagent.bus import EventBus
from traderagent.clock import ReplayClock
from traderagent.domain import Balance, Candle, TradingMode
from traderagent.engine.orchestrator import Engine
from traderagent.engine.outage import Outage, refresh_balances, resilient_candles
from traderagent.exchanges.bybit.errors import NetworkError, ServerError
from traderagent.exchanges.ports import UpdateListener

MIN = 60_000


def candle(i: int) -> Candle:
    return Candle("BTCUSDT", i * MIN, 1.0, 1.0, 1.0, 1.0, 1.0)


async def test_a_failed_feed_is_reopened_from_the_last_candle_it_gave() -> None:
    afters: list[int | None] = []
    pauses: list[float] = []

    async def feed(after: Candle | None) -> AsyncIterator[Candle]:
        afters.append(after.ts // MIN if after is not None else None)
        if len(afters) == 1:  # 3, 4, then the gap-fill's retries run out
            yield candle(3)
            yield candle(4)
            raise ServerError("HTTP 503", endpoint="/v5/market/kline")
        if len(afters) == 2:
            raise NetworkError("connection refused")
        yield candle(4)  # a repeat after reopening
        for i in range(5, 9):  # 5..7 backfilled by the feed from `after`, then 8
            yield candle(i)

    async def sleep(s: float) -> None:
        pauses.append(s)

    outage = Outage()
    got = [
        c.ts // MIN
        async for c in resilient_candles(
            feed, outage, lambda: 0, after=candle(2), delays=(1.0, 2.0), sleep=sleep
        )
    ]
    assert got == [3, 4, 5, 6, 7, 8]
    assert afters == [2, 4, 4]  # reopened after the last candle given, not from scratch
    assert pauses == [1.0, 2.0]  # a growing pause between attempts
    assert outage.failures == 2 and outage.outages == 1 and outage.active
    assert "candle feed" in outage.line() and "connection refused" in outage.line()


class FlakyVenue:
    name = "bybit"
    status_line = ""

    def __init__(self) -> None:
        self.down = False

    def set_listener(self, listener: UpdateListener) -> None:
        self.listener = listener

    async def balances(self) -> dict[str, Balance]:
        if self.down:
            raise NetworkError("connection refused", endpoint="/v5/account/wallet-balance")
        return {"USDT": Balance("USDT", Decimal(100), Decimal(0))}


async def test_failed_balances_keep_the_last_ones_and_show_the_engine_degraded() -> None:
    venue = FlakyVenue()
    engine = Engine(
        mode=TradingMode.DEMO,
        clock=ReplayClock(0),
        exchange=venue,  # type: ignore[arg-type]
        journal=None,  # type: ignore[arg-type]
        bus=EventBus(),
        bots=[],
        feed=[],
    )
    await refresh_balances(engine)
    known = engine.balances
    venue.down = True
    await refresh_balances(engine)  # raised NetworkError out of the engine before
    assert engine.balances is known
    assert engine.venue_status.startswith("degraded") and "connection refused" in (
        engine.venue_status
    )
    assert engine.snapshot().venue_status == engine.venue_status
    venue.down = False
    await refresh_balances(engine)
    assert engine.venue_status == "" and not engine.outage.active
