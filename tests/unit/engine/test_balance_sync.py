"""Balances after updates: read at once on a simulated venue; behind the hot path on a remote
one (one read at a time, at most one per gap), with the buys approved during a read still
locked on top of its answer, and a failed read an outage that keeps the last balances."""

from __future__ import annotations

import asyncio
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from traderagent.bus import EventBus
from traderagent.domain import Balance
from traderagent.engine.allocator import BatchLocks
from traderagent.engine.balance_sync import BalanceSync
from traderagent.engine.outage import Outage
from traderagent.exchanges.ports import ExchangeError

WAIT_S = 10.0


class SlowVenue:
    """`balances()` answers when the test lets it (`gate`), with `free` USDT."""

    def __init__(self) -> None:
        self.calls = 0
        self.free = Decimal(1000)
        self.gate = asyncio.Event()
        self.fail = False

    async def balances(self) -> dict[str, Balance]:
        self.calls += 1
        await self.gate.wait()
        if self.fail:
            raise ExchangeError("venue down")
        return {"USDT": Balance("USDT", self.free, Decimal(0))}


def engine_with(venue: SlowVenue) -> Any:
    return SimpleNamespace(
        exchange=venue,
        balances={"USDT": Balance("USDT", Decimal(500), Decimal(0))},
        batch=BatchLocks(),
        lock=asyncio.Lock(),
        outage=Outage(),
        clock=SimpleNamespace(now_ms=lambda: 0),
        bus=EventBus(),
        bots={},
    )


async def until(condition: Any) -> None:
    async with asyncio.timeout(WAIT_S):
        while not condition():  # noqa: ASYNC110 - a condition, no event to wait on
            await asyncio.sleep(0.001)


async def test_a_simulated_venue_is_read_at_once() -> None:
    venue = SlowVenue()
    venue.gate.set()
    engine = engine_with(venue)
    sync = BalanceSync(engine, inline=True)
    await sync.after_updates()
    assert venue.calls == 1 and engine.balances["USDT"].free == 1000
    assert not sync.pending


async def test_a_remote_venue_is_read_behind_and_coalesced() -> None:
    venue = SlowVenue()
    engine = engine_with(venue)
    sync = BalanceSync(engine, inline=False, min_gap_s=0.0)
    await sync.after_updates()  # returns without waiting for the venue
    assert engine.balances["USDT"].free == 500 and sync.pending
    await until(lambda: venue.calls == 1)
    for _ in range(5):  # updates while the read is under way: one more read, not five
        await sync.after_updates()
    venue.gate.set()
    await until(lambda: not sync.pending)
    assert venue.calls == 2 and sync.reads == 2
    assert engine.balances["USDT"].free == 1000


async def test_reads_are_spaced_by_the_gap() -> None:
    venue = SlowVenue()
    venue.gate.set()
    engine = engine_with(venue)
    sync = BalanceSync(engine, inline=False, min_gap_s=WAIT_S * 10)
    await sync.after_updates()
    await until(lambda: sync.reads == 1)
    await sync.after_updates()  # due, but not before the gap has passed
    await asyncio.sleep(0.05)
    assert venue.calls == 1 and sync.pending
    sync.cancel()
    assert not sync.pending


async def test_buys_approved_during_a_read_stay_locked_on_its_answer() -> None:
    venue = SlowVenue()
    engine = engine_with(venue)
    engine.batch.add(engine.balances, Decimal(40))  # before the read: in its answer
    sync = BalanceSync(engine, inline=False, min_gap_s=0.0)
    await sync.after_updates()
    await until(lambda: venue.calls == 1)
    engine.batch.add(engine.balances, Decimal(70))  # approved while the venue answers
    venue.gate.set()
    await until(lambda: not sync.pending)
    assert engine.batch.locked(engine.balances) == 70


async def test_a_failed_read_is_an_outage_and_keeps_the_last_balances() -> None:
    venue = SlowVenue()
    venue.fail = True
    venue.gate.set()
    engine = engine_with(venue)
    known = engine.balances
    sync = BalanceSync(engine, inline=False, min_gap_s=0.0)
    await sync.after_updates()
    await until(lambda: not sync.pending)
    assert engine.balances is known
    assert engine.outage.active and engine.outage.failures == 1


async def test_a_lease_lost_in_the_resync_after_an_outage_stops_trading() -> None:
    """The read that ends an outage re-syncs the bots; a lease found lost there is the
    engine's to handle (it stops trading), not an exception lost in a background task."""
    from traderagent.domain import BotState
    from traderagent.engine.lease_guard import LeaseLost

    class Bot:
        state = BotState.RUNNING
        strategy_started = True
        name = "b"

        async def resync(self) -> None:
            raise LeaseLost("lease gone")

    venue = SlowVenue()
    venue.gate.set()
    engine = engine_with(venue)
    engine.bots = {"b": Bot()}
    engine.outage.failed("balances", ExchangeError("down"), 0)
    lost: list[str] = []

    async def on_lost(err: LeaseLost) -> None:
        lost.append(str(err))

    sync = BalanceSync(engine, inline=False, min_gap_s=0.0, lease_lost=on_lost)
    await sync.after_updates()
    await until(lambda: not sync.pending)
    assert lost == ["lease gone"] and not engine.outage.active
