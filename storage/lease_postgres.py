"""The PostgreSQL lease: a session-level advisory lock on a connection held for the bot.

The holding session's `application_name` carries the holder's pid and host, so a refused
acquirer can name it (from `pg_locks` joined with `pg_stat_activity`).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import socket

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.pool import NullPool

from storage.database import OPEN_ERRORS, Database, cannot_open, create_engine_for
from storage.lease import BotLease, refused

log = logging.getLogger(__name__)

_HOLDER = re.compile(r"pid=(\d+) host=(\S+)")
_HOLDERS = text(
    "SELECT a.application_name, a.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
    "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
    "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
    "AND l.classid::bigint = :high AND l.objid::bigint = :low"
)


def lease_key(bot: str) -> int:
    """A stable signed 64-bit key for the bot (the same in every process and release)."""
    digest = hashlib.sha256(f"traderagent bot lease:{bot}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _key_halves(key: int) -> dict[str, int]:
    unsigned = key & 0xFFFF_FFFF_FFFF_FFFF
    return {"high": unsigned >> 32, "low": unsigned & 0xFFFF_FFFF}


async def _holder(connection: AsyncConnection, key: int) -> str:
    row = (await connection.execute(_HOLDERS, _key_halves(key))).first()
    await connection.commit()
    if row is None:
        return "another session (it has just released the lease: try again)"
    match = _HOLDER.search(row.application_name or "")
    if match:
        return f"process {match.group(1)} on host {match.group(2)}"
    return f"PostgreSQL session {row.pid} ({row.application_name or 'no application name'})"


class AdvisoryLease(BotLease):
    """Held while its dedicated connection lives; released by unlocking and closing it."""

    def __init__(
        self, bot: str, key: int, engine: AsyncEngine, connection: AsyncConnection
    ) -> None:
        super().__init__(bot)
        self.key = key
        self._engine = engine
        self._connection = connection

    async def is_held(self) -> bool:
        if self.released:
            return False
        query = text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
            "AND pid = pg_backend_pid() AND classid::bigint = :high AND objid::bigint = :low"
        )
        try:
            held = await self._connection.scalar(query, _key_halves(self.key))
            await self._connection.commit()
        except OPEN_ERRORS:
            return False
        return bool(held)

    async def _release(self) -> None:
        try:
            await self._connection.execute(
                text("SELECT pg_advisory_unlock(:key)"), {"key": self.key}
            )
            await self._connection.commit()
            await self._connection.close()
        except (SQLAlchemyError, OSError) as exc:
            # The session is gone, and the server dropped its locks with it.
            log.warning("lease of bot %s: connection lost before unlock (%s)", self.bot, exc)
        finally:
            await self._engine.dispose()


async def acquire_advisory_lease(database: Database, bot: str) -> AdvisoryLease:
    key = lease_key(bot)
    # NullPool: the connection is the lease, it must never go back to a pool.
    engine = create_engine_for(database.engine.url, poolclass=NullPool)
    identity = f"traderagent pid={os.getpid()} host={socket.gethostname()}"[:63]
    try:
        connection = await engine.connect()
        await connection.execute(
            text("SELECT set_config('application_name', :name, false)"), {"name": identity}
        )
        got = await connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": key})
        await connection.commit()
        if not got:
            holder = await _holder(connection, key)
            await connection.close()
            await engine.dispose()
            raise refused(bot, holder)
    except OPEN_ERRORS as exc:
        await engine.dispose()
        raise cannot_open(database.engine.url, exc) from exc
    return AdvisoryLease(bot, key, engine, connection)
