"""When the engine reads the account's balances again after exchange updates.

A simulated venue (paper, a backtest) answers `balances()` from memory: the engine reads them
again right after every drain of updates, under its lock, exactly as before (backtests make the
same fills whatever the venue's timing). A remote venue answers over the network: reading them
after every fill, under the engine's lock, made every fill wait a round trip before the next
frame could be routed (B5), and asked the venue for its wallet once per fill (an endpoint with a
rate budget). There the read is taken off the hot path: after a drain it is only marked due, and
one background task reads the balances outside the lock, at most once per `MIN_GAP_S`, and puts
them in place under the lock.

What the allocator sees meanwhile: the venue's last answer, less the quote of every buy it
approved since that answer was asked for (`BatchLocks.carry`), so a buy never counts on quote
that a buy approved after the read has locked. Fills since the read are not in it yet: a sell's
proceeds and a cancelled buy's released quote show up with the next read (a view on the safe
side: less free quote, never more). A read that fails is an outage as before (`outage`); the
next drain or candle asks again.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Protocol

from traderagent.engine.allocator import BatchLocks
from traderagent.engine.lease_guard import LeaseLost
from traderagent.engine.outage import (
    FAILURES,
    OutageEngine,
    answered,
    note_failure,
    refresh_balances,
)


class SyncedEngine(OutageEngine, Protocol):
    """What reading the balances behind the updates needs of the engine (`Engine` is one)."""

    @property
    def batch(self) -> BatchLocks: ...

    @property
    def lock(self) -> asyncio.Lock: ...


MIN_GAP_S = 0.25
"""Least wall time between two background reads of a remote venue's balances."""


class BalanceSync:
    """Reads the balances again after updates: inline (simulated venue) or behind (remote)."""

    def __init__(
        self,
        engine: SyncedEngine,
        inline: bool,
        min_gap_s: float = MIN_GAP_S,
        lease_lost: Callable[[LeaseLost], Awaitable[None]] | None = None,
    ) -> None:
        self.engine = engine
        self.inline = inline
        self.lease_lost = lease_lost
        """Called when the bots' re-sync after an outage finds a lease lost (the engine stops
        trading, as when its own drain finds it)."""
        self.min_gap_s = min_gap_s
        self.reads = 0
        """Background reads done (remote venues)."""
        self._due = False
        self._task: asyncio.Task[None] | None = None
        self._last_read = -float("inf")

    @property
    def pending(self) -> bool:
        """A background read is due or under way."""
        return self._due or (self._task is not None and not self._task.done())

    async def after_updates(self) -> None:
        """Updates were routed: the balances may have changed."""
        if self.inline:
            await refresh_balances(self.engine)
            return
        self._due = True
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._reader(), name="engine-balance-sync")

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None
        self._due = False

    async def _reader(self) -> None:
        engine = self.engine
        while self._due:
            wait = self._last_read + self.min_gap_s - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            self._due = False
            self._last_read = time.monotonic()
            approved = engine.batch.approved  # buys approved from here on are not in the answer
            try:
                balances = await engine.exchange.balances()
            except FAILURES as err:
                note_failure(engine, "balances", err)
                continue
            self.reads += 1
            async with engine.lock:
                engine.balances = balances
                engine.batch.carry(balances, engine.batch.approved - approved)
                try:  # an outage it ends re-syncs the bots (`answered`)
                    await answered(engine)
                except LeaseLost as lost:
                    if self.lease_lost is None:
                        raise
                    await self.lease_lost(lost)
