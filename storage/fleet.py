"""Fleet leases: several daemons on one database, each bot run by exactly one of them.

A row per bot (`fleet_leases`) names its holder and an expiry in the database server's time.
A holder renews its rows every `RENEW_SHARE` of the TTL; a row not renewed for the TTL
(`TTL_S` by default) has expired and any other member may take the bot over (one atomic
upsert: of two members racing for one bot, one wins). Each takeover raises the row's
`generation` (a fencing number).

The holder side fails closed: a `FleetLease` counts itself lost once `TTL_S` has passed on
its own monotonic clock since the start of its last successful renewal. That start comes
before the server stamped the expiry, so the old holder stops trading before the row it held
can expire and be taken over: never two runners of one bot (with clocks that run at the same
rate; `MARGIN_S` covers a small drift). A renewal that finds its row taken is lost at once.

The bound: a member that dies is replaced within `TTL_S + poll` seconds of its last renewal
(`poll`: how often the others look, `storage.fleet_member.FleetMember.step`).

Besides the bots' rows, each live daemon keeps a heartbeat row of its own (`MEMBER_PREFIX` and a
token: no bot name can look like it), renewed the same way, so that the members know how many
they are and each takes its fair share (`storage.fleet_member`).
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import threading
import time
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.pool import NullPool

from storage.database import Database, create_engine_for
from storage.errors import LeaseError
from storage.lease import BotLease

log = logging.getLogger(__name__)

TTL_S = 10.0
"""A row not renewed for this long has expired: another member may take the bot over."""
RENEW_SHARE = 0.25
"""A holder renews its rows every quarter of the TTL (2.5 s of the default 10)."""
MARGIN_S = 1.0
"""The holder stops this much before its row can expire (clock drift, slow statements)."""

MEMBER_PREFIX = "@"
"""A daemon's heartbeat row is `@<token>` (bot names are [A-Za-z0-9_-]: never one of them)."""

_NOW = {
    "postgresql": "CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)",
    "sqlite": "CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)",
}
_CLAIM = """
INSERT INTO fleet_leases (bot, holder, address, acquired_ms, expires_ms, generation)
VALUES (:bot, :holder, :address, {now}, {now} + :ttl, 1)
ON CONFLICT (bot) DO UPDATE SET
    holder = excluded.holder,
    address = excluded.address,
    acquired_ms = CASE WHEN fleet_leases.holder = excluded.holder
        THEN fleet_leases.acquired_ms ELSE excluded.acquired_ms END,
    expires_ms = excluded.expires_ms,
    generation = CASE WHEN fleet_leases.holder = excluded.holder
        THEN fleet_leases.generation ELSE fleet_leases.generation + 1 END
WHERE fleet_leases.holder = excluded.holder OR fleet_leases.expires_ms < excluded.acquired_ms
RETURNING generation
"""
_RENEW = """
UPDATE fleet_leases SET expires_ms = {now} + :ttl
WHERE bot = :bot AND holder = :holder AND generation = :generation AND expires_ms >= {now}
RETURNING bot
"""


def member_id() -> str:
    """A name for this process in the fleet, unique even when a pid is reused."""
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(2)}"


@dataclass(frozen=True, slots=True)
class FleetEntry:
    """One bot of the fleet: who runs it, where to reach them, for how long yet."""

    bot: str
    holder: str
    address: str
    generation: int
    expires_in_ms: int
    state: str = ""
    """The bot's state as its holder last journalled it ('' if never)."""

    @property
    def live(self) -> bool:
        return self.expires_in_ms > 0

    @property
    def host(self) -> str:
        """The holder's host (a `member_id` is `host:pid:tag`)."""
        return self.holder.rsplit(":", 2)[0] if self.holder.count(":") >= 2 else self.holder

    @property
    def pid(self) -> int | None:
        """The holder's process id, if its name carries one."""
        parts = self.holder.rsplit(":", 2)
        return int(parts[1]) if len(parts) == 3 and parts[1].isdigit() else None


async def fleet(database: Database) -> list[FleetEntry]:
    """Every bot that has a fleet lease row, by name, with its journalled state (an expired or
    released one: `live` is False; the row stays, so that the next holder's generation counts
    every holder). The daemons' heartbeat rows are not bots: `members` lists them."""
    now = _NOW[database.dialect_name]
    query = text(
        f"SELECT f.bot, f.holder, f.address, f.generation, f.expires_ms - {now} AS left_ms, "  # noqa: S608 - constants
        "b.state FROM fleet_leases f LEFT JOIN bots b ON b.name = f.bot "
        f"WHERE f.bot NOT LIKE '{MEMBER_PREFIX}%' ORDER BY f.bot"
    )
    async with database.engine.connect() as connection:
        rows = (await connection.execute(query)).all()
    return [
        FleetEntry(
            r.bot, r.holder, r.address, int(r.generation), int(r.left_ms), str(r.state or "")
        )
        for r in rows
    ]


async def members(database: Database) -> list[FleetEntry]:
    """The daemons whose heartbeat row is live (`bot` is the row's key), by holder."""
    now = _NOW[database.dialect_name]
    query = text(
        f"SELECT bot, holder, address, generation, expires_ms - {now} AS left_ms "  # noqa: S608 - constants
        f"FROM fleet_leases WHERE bot LIKE '{MEMBER_PREFIX}%' AND expires_ms > {now} "
        "ORDER BY holder"
    )
    async with database.engine.connect() as connection:
        rows = (await connection.execute(query)).all()
    return [FleetEntry(r.bot, r.holder, r.address, int(r.generation), int(r.left_ms)) for r in rows]


async def prune_members(database: Database, older_than_ms: int) -> None:
    """Delete heartbeat rows expired for longer than `older_than_ms` (daemons long dead)."""
    now = _NOW[database.dialect_name]
    statement = text(
        f"DELETE FROM fleet_leases WHERE bot LIKE '{MEMBER_PREFIX}%' "  # noqa: S608 - constants
        f"AND expires_ms < {now} - :older"
    )
    async with database.engine.begin() as connection:
        await connection.execute(statement, {"older": older_than_ms})


async def forget(database: Database, key: str, holder: str) -> None:
    """Delete `holder`'s row `key` (a heartbeat row: no generation to keep)."""
    statement = text("DELETE FROM fleet_leases WHERE bot = :bot AND holder = :holder")
    async with database.engine.begin() as connection:
        await connection.execute(statement, {"bot": key, "holder": holder})


class FleetLease(BotLease):
    """A bot's fleet lease, renewed until released or lost by a thread of its own, on a
    connection of its own: a busy event loop (an engine starting, a long candle step) does
    not starve the renewals; a process that hangs or dies stops them, and its rows expire."""

    def __init__(
        self,
        database: Database,
        bot: str,
        holder: str,
        generation: int,
        since: float,
        *,
        ttl_s: float = TTL_S,
        renew_s: float | None = None,
    ) -> None:
        super().__init__(bot)
        self.database = database
        self.holder = holder
        self.generation = generation
        self.ttl_s = ttl_s
        self._deadline = since + ttl_s - MARGIN_S
        self._lost = ""
        every = renew_s if renew_s is not None else ttl_s * RENEW_SHARE
        self._stop = threading.Event()
        self._renewing = threading.Thread(
            target=self._renew_every, args=(every,), name=f"fleet-{bot}", daemon=True
        )
        self._renewing.start()

    @property
    def lost_reason(self) -> str:
        if not self._lost and not self.released and time.monotonic() >= self._deadline:
            self._lose(f"not renewed within {self.ttl_s:g} s")
        return self._lost

    async def is_held(self) -> bool:
        return not self.released and not self.lost_reason

    def _lose(self, why: str) -> None:
        if not self._lost:
            self._lost = f"lost the fleet lease of bot {self.bot}: {why}; another daemon may run it"
            log.critical("%s", self._lost)

    async def renew(self, database: Database | None = None) -> bool:
        """Push the expiry on (through `database`, default the lease's); False (and lost)
        when the row is no longer ours."""
        if self.released or self.lost_reason:
            return False
        database = database or self.database
        began = time.monotonic()
        statement = text(_RENEW.format(now=_NOW[database.dialect_name]))
        values = {
            "bot": self.bot,
            "holder": self.holder,
            "generation": self.generation,
            "ttl": int(self.ttl_s * 1000),
        }
        try:
            async with database.engine.begin() as connection:
                kept = (await connection.execute(statement, values)).first() is not None
        except Exception as exc:  # noqa: BLE001 - no answer: keep the deadline, try again
            log.warning("fleet lease of bot %s: renewal failed (%s)", self.bot, exc)
            return not self.lost_reason
        if not kept:
            self._lose("another daemon took it over")
            return False
        self._deadline = began + self.ttl_s - MARGIN_S
        return True

    def _renew_every(self, every_s: float) -> None:
        """The renewing thread: its own event loop and connection to the same database."""
        loop = asyncio.new_event_loop()
        engine = create_engine_for(self.database.engine.url, poolclass=NullPool)
        own = Database(engine)
        try:
            while not self._stop.wait(every_s) and not self._lost:
                loop.run_until_complete(self.renew(own))
        finally:
            loop.run_until_complete(engine.dispose())
            loop.close()

    async def _release(self) -> None:
        self._stop.set()
        await asyncio.to_thread(self._renewing.join)
        if self.lost_reason:
            return  # the row may be another daemon's now
        # expired, not deleted: the next holder's generation still counts this one
        statement = text(
            "UPDATE fleet_leases SET expires_ms = 0 WHERE bot = :bot AND holder = :holder "
            "AND generation = :generation"
        )
        values = {"bot": self.bot, "holder": self.holder, "generation": self.generation}
        try:
            async with self.database.engine.begin() as connection:
                await connection.execute(statement, values)
        except Exception as exc:  # noqa: BLE001 - the row expires by itself
            log.warning("fleet lease of bot %s: not released (%s); it expires", self.bot, exc)


async def claim(
    database: Database,
    bot: str,
    holder: str,
    address: str = "",
    *,
    ttl_s: float = TTL_S,
    renew_s: float | None = None,
) -> FleetLease | None:
    """The lease of `bot` if it is free, expired or already `holder`'s; None while another
    member holds it."""
    began = time.monotonic()
    statement = text(_CLAIM.format(now=_NOW[database.dialect_name]))
    values = {"bot": bot, "holder": holder, "address": address, "ttl": int(ttl_s * 1000)}
    async with database.engine.begin() as connection:
        row = (await connection.execute(statement, values)).first()
    if row is None:
        return None
    return FleetLease(
        database, bot, holder, int(row.generation), began, ttl_s=ttl_s, renew_s=renew_s
    )


async def acquire_fleet_lease(
    database: Database, bot: str, holder: str, address: str = "", *, ttl_s: float = TTL_S
) -> FleetLease:
    """`claim`, or LeaseError naming the member that runs the bot."""
    lease = await claim(database, bot, holder, address, ttl_s=ttl_s)
    if lease is not None:
        return lease
    held = next((e for e in await fleet(database) if e.bot == bot), None)
    where = f"daemon {held.holder}" if held is not None else "another daemon"
    raise LeaseError(f"bot {bot} is already running in {where}")


async def set_address(database: Database, holder: str, address: str) -> None:
    """Where `holder` can be reached (its API URL), on every row it holds."""
    statement = text("UPDATE fleet_leases SET address = :address WHERE holder = :holder")
    async with database.engine.begin() as connection:
        await connection.execute(statement, {"address": address, "holder": holder})
