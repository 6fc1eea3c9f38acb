"""Fleet leases on each backend: one holder per bot, taken over only once expired (with a new
generation), a holder that was taken over is lost at its next renewal, and one whose renewals
stop counts itself lost before its row can expire."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest
from unit.storage.backends import Backend

from storage import Database, LeaseError
from storage.fleet import MARGIN_S, acquire_fleet_lease, claim, fleet, members
from storage.fleet_member import FleetMember


@pytest.fixture
async def database(backend: Backend) -> AsyncIterator[Database]:
    opened = await Database.open(backend.target)
    yield opened
    await opened.close()


async def test_a_held_bot_is_refused_to_another_member_until_released(database: Database) -> None:
    first = await acquire_fleet_lease(database, "grid-1", "a", "http://a:8080", ttl_s=30)
    assert await claim(database, "grid-1", "b", ttl_s=30) is None
    with pytest.raises(LeaseError, match="grid-1 is already running in daemon a"):
        await acquire_fleet_lease(database, "grid-1", "b", ttl_s=30)
    (entry,) = await fleet(database)
    assert (entry.bot, entry.holder, entry.address, entry.generation) == (
        "grid-1",
        "a",
        "http://a:8080",
        1,
    )
    assert entry.live and 25_000 < entry.expires_in_ms <= 30_000
    await first.release()
    (entry,) = await fleet(database)
    assert (entry.holder, entry.live) == ("a", False)  # released: expired at once
    second = await claim(database, "grid-1", "b", ttl_s=30)
    assert second is not None and second.generation == 2  # the next holder counts it
    await second.release()


async def test_an_expired_lease_is_taken_over_and_its_old_holder_is_lost(
    database: Database,
) -> None:
    old = await claim(database, "dca-1", "a", ttl_s=0.5, renew_s=60)
    assert old is not None
    await asyncio.sleep(0.8)  # expired: nobody renewed it
    new = await claim(database, "dca-1", "b", ttl_s=30, renew_s=60)
    assert new is not None and new.generation == 2
    assert not await old.is_held() and "not renewed within 0.5 s" in old.lost_reason
    assert not await old.renew()  # its row is b's now: never renewed back
    await old.release()  # and releasing it leaves b's row alone
    (entry,) = await fleet(database)
    assert (entry.holder, entry.generation) == ("b", 2)
    await new.release()


async def test_a_holder_taken_over_finds_out_at_its_next_renewal(database: Database) -> None:
    old = await claim(database, "x", "a", ttl_s=30, renew_s=60)
    assert old is not None
    async with database.engine.begin() as connection:  # as if it had expired
        from sqlalchemy import text

        await connection.execute(text("UPDATE fleet_leases SET expires_ms = 0"))
    new = await claim(database, "x", "b", ttl_s=30, renew_s=60)
    assert new is not None
    assert await old.is_held()  # it cannot know before it asks
    assert not await old.renew() and "another daemon took it over" in old.lost_reason
    await new.release()
    await old.release()


async def test_the_holder_stops_before_its_row_can_expire(database: Database) -> None:
    began = time.monotonic()
    lease = await claim(database, "y", "a", ttl_s=MARGIN_S + 0.5, renew_s=60)
    assert lease is not None
    for _ in range(500):  # at most 10 s
        if not await lease.is_held():
            break
        await asyncio.sleep(0.02)
    (entry,) = await fleet(database)
    assert time.monotonic() - began < MARGIN_S + 0.5  # lost before the TTL ran out
    assert entry.live  # its row had not expired yet: nobody could have taken the bot over
    await lease.release()


async def test_members_share_the_bots_and_each_bot_has_one_holder(database: Database) -> None:
    bots = [f"bot-{i}" for i in range(6)]
    members = [FleetMember(database, bots, f"m{i}", ttl_s=30, renew_s=60) for i in range(3)]
    taken = [await m.step(limit=2) for m in members]
    assert [sorted(t) for t, _ in taken] == [bots[0:2], bots[2:4], bots[4:6]]
    assert [t.holder for t in await fleet(database)] == ["m0", "m0", "m1", "m1", "m2", "m2"]
    assert [await m.step() for m in members] == [([], [])] * 3  # all held: nothing to take
    await members[0].close()
    took, _ = await members[1].step()
    assert took == bots[0:2]
    for m in members:
        await m.close()
    assert not any(e.live for e in await fleet(database))


async def test_members_count_each_other_take_a_fair_share_and_hand_the_surplus_back(
    database: Database,
) -> None:
    bots = [f"bot-{i}" for i in range(6)]
    first = FleetMember(database, bots, "m0", ttl_s=30, renew_s=60)
    await first.join()
    assert await first.share() == 6  # alone: every bot
    taken, _ = await first.step(limit=await first.share())
    assert taken == bots
    others = [FleetMember(database, bots, f"m{i}", ttl_s=30, renew_s=60) for i in (1, 2)]
    for member in others:
        await member.join()
    assert [await m.share() for m in (first, *others)] == [2, 2, 2]
    assert {e.holder for e in await members(database)} == {"m0", "m1", "m2"}
    assert [await m.step(limit=2) for m in others] == [([], [])] * 2  # never one held elsewhere
    surplus = first.surplus(2)
    assert surplus == bots[:1:-1]  # the last of the config's order first
    for bot in surplus:
        await first.hand_back(bot)
    took = [(await m.step(limit=2))[0] for m in others]
    assert [len(t) for t in took] == [2, 2] and sorted(took[0] + took[1]) == bots[2:]
    holders = [e.holder for e in await fleet(database)]  # heartbeat rows are not bots
    assert sorted(holders) == ["m0", "m0", "m1", "m1", "m2", "m2"]
    await others[1].close()  # leaves: its heartbeat row goes, its bots' rows expire at once
    assert await first.share() == 3
    took, _ = await first.step(limit=3)
    assert len(took) == 1 and len(first.leases) == 3
    for member in (first, others[0]):
        await member.close()
    assert await members(database) == []
