"""When the venue stops answering: the engine waits, degraded, instead of crashing.

A failed call the engine cannot do without (balances, a bot's orders, the candle feed) starts
an outage: the operator sees it in the venue status line (TUI, API snapshot, metrics), each
failure is counted, and nothing is read from a missing answer (balances keep their last known
value; a bot whose call failed decides again on the next candle). The first call that works
again ends it; the engine then has every running bot re-sync with what the exchange has.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Protocol

from traderagent.bus import EventBus
from traderagent.clock import Clock
from traderagent.domain import Balance, BotState, Candle
from traderagent.domain.events import LogRecord
from traderagent.engine.unsure import UnsureBot, settle_unsure
from traderagent.exchanges.ports import Exchange, ExchangeError

RETRY_DELAYS_S = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0)
"""Pauses before opening a failed candle feed again (the last one repeats)."""
FAILURES: tuple[type[BaseException], ...] = (ExchangeError, OSError, TimeoutError)
"""What a venue call raises when the venue did not answer (or refused to)."""


class Outage:
    """Whether the venue is answering, and since when it is not."""

    def __init__(self) -> None:
        self.reason = ""
        self.since_ms = 0
        self.outages = 0
        """How many outages began since start."""
        self.failures = 0
        """Failed venue calls since start (every retry counts)."""
        self.on_change: Callable[[], None] | None = None
        """Called after every failure and at the end of an outage (the engine's status line)."""

    @property
    def active(self) -> bool:
        return bool(self.reason)

    def failed(self, what: str, err: BaseException, now_ms: int) -> bool:
        """Note a failed call; True if it begins an outage."""
        self.failures += 1
        began = not self.active
        if began:
            self.outages += 1
            self.since_ms = now_ms
        self.reason = f"{what}: {err}" if str(err) else f"{what}: {type(err).__name__}"
        if self.on_change is not None:
            self.on_change()
        return began

    def answered(self) -> bool:
        """Note a call that worked; True if it ends an outage."""
        ended = self.active
        self.reason = ""
        if ended and self.on_change is not None:
            self.on_change()
        return ended

    def line(self) -> str:
        """The operator's line ('' when the venue answers)."""
        if not self.active:
            return ""
        return f"degraded, waiting for the exchange ({self.reason}); retrying"


class ResyncingBot(UnsureBot, Protocol):
    """What the end of an outage needs of a bot (`BotRuntime` is one)."""

    @property
    def strategy_started(self) -> bool: ...

    async def resync(self) -> None: ...


class OutageEngine(Protocol):
    """What waiting out an outage needs of the engine (`Engine` is one)."""

    balances: dict[str, Balance]

    @property
    def outage(self) -> Outage: ...

    @property
    def clock(self) -> Clock: ...

    @property
    def bus(self) -> EventBus: ...

    @property
    def exchange(self) -> Exchange: ...

    @property
    def bots(self) -> Mapping[str, ResyncingBot]: ...


async def refresh_balances(engine: OutageEngine) -> None:
    """The account's balances again; on failure the last known ones stay (and it is noted)."""
    try:
        balances = await engine.exchange.balances()
    except FAILURES as err:
        note_failure(engine, "balances", err)
        return
    engine.balances = balances
    await answered(engine)


async def guarded(engine: OutageEngine, call: Awaitable[object], what: str) -> bool:
    """Await a step that talks to the venue; False (noted, not raised) if the venue failed."""
    try:
        await call
    except FAILURES as err:
        note_failure(engine, what, err)
        return False
    return True


def note_failure(engine: OutageEngine, what: str, err: BaseException) -> None:
    engine.outage.failed(what, err, engine.clock.now_ms())


async def answered(engine: OutageEngine) -> None:
    """A venue call worked: if that ends an outage, every running bot re-syncs."""
    if not engine.outage.answered():
        return
    now = engine.clock.now_ms()
    gone_s = max(0, now - engine.outage.since_ms) / 1000
    message = f"the exchange answers again (after {gone_s:.0f} s): re-syncing the bots"
    engine.bus.publish(LogRecord(now, "info", message))
    for bot in engine.bots.values():
        if bot.state is BotState.RUNNING and bot.strategy_started:
            await guarded(engine, bot.resync(), f"re-sync of {bot.name}")


async def resilient_candles(
    open_feed: Callable[[Candle | None], AsyncIterator[Candle]],
    outage: Outage,
    now_ms: Callable[[], int],
    after: Candle | None = None,
    delays: tuple[float, ...] = RETRY_DELAYS_S,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> AsyncIterator[Candle]:
    """The candles of `open_feed(last)`, each once and in order, through venue failures: a
    feed that fails (its gap-fill ran out of retries, the venue went away) is noted as an
    outage and opened again after a growing pause, from the last candle yielded (the feed
    backfills the candles missed meanwhile), so none is skipped and none repeated. `after`
    is the last candle the caller has already (the warm-up's)."""
    last = after
    failures = 0
    while True:
        try:
            async for candle in open_feed(last):
                if last is not None and candle.ts <= last.ts:
                    continue
                failures = 0
                last = candle
                yield candle
            return
        except FAILURES as err:
            outage.failed("candle feed", err, now_ms())
            await sleep(delays[min(failures, len(delays) - 1)])
            failures += 1


async def settle_all(engine: OutageEngine) -> None:
    """Ask the exchange for every bot's orders of unknown fate (between candles)."""
    for bot in engine.bots.values():
        if bot.unsure.since:
            await guarded(engine, settle_unsure(bot), f"look-up of {bot.name}'s orders")
