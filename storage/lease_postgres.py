"""The PostgreSQL lease: a session-level advisory lock on a connection held for the bot.

The holding session's `application_name` carries the holder's pid and host, so a refused
acquirer can name it (from `pg_locks` joined with `pg_stat_activity`).

The session must outlive idle spells: it turns the server's idle timeouts off for itself, and
a keep-alive asks every `KEEPALIVE_S` whether the lock is still held. A session the server
drops anyway (terminated, restarted, a network cut) frees the lock for another process: the
lease then reports itself lost (`is_held`, `lost_reason`) and never comes back by itself.
"""

from __future__ import annotations

import asyncio
import contextlib
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
from storage.lease_base import BotLease, refused

log = logging.getLogger(__name__)

KEEPALIVE_S = 2.0
"""How often the held lease's session is asked whether it still holds the lock."""
_NO_IDLE_TIMEOUTS = (
    "SELECT set_config(name, '0', false) FROM pg_settings "
    "WHERE name IN ('idle_session_timeout', 'idle_in_transaction_session_timeout')"
)
_HELD = text(
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted "
    "AND pid = pg_backend_pid() AND classid::bigint = :high AND objid::bigint = :low"
)

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
        self,
        bot: str,
        key: int,
        engine: AsyncEngine,
        connection: AsyncConnection,
        keepalive_s: float = KEEPALIVE_S,
    ) -> None:
        super().__init__(bot)
        self.key = key
        self._engine = engine
        self._connection = connection
        self._using = asyncio.Lock()  # one statement at a time on the lease's session
        self._lost = ""
        self._keepalive = asyncio.create_task(self._keep_alive(keepalive_s), name=f"lease-{bot}")

    @property
    def lost_reason(self) -> str:
        return self._lost

    async def is_held(self) -> bool:
        """Asks the server now; once lost, the lease stays lost (another process may hold it)."""
        if self.released or self._lost:
            return False
        async with self._using:
            try:
                held = await self._connection.scalar(_HELD, _key_halves(self.key))
                await self._connection.commit()
            except Exception as exc:  # noqa: BLE001 - no answer is no lease: fail closed
                self._lose(f"its PostgreSQL session was dropped ({_first_line(exc)})")
                return False
        if not held:
            self._lose("its PostgreSQL session no longer holds the advisory lock")
        return bool(held)

    def _lose(self, why: str) -> None:
        if not self._lost:
            self._lost = f"lost the lease of bot {self.bot}: {why}; another process may run it"
            log.critical("%s", self._lost)

    async def _keep_alive(self, every_s: float) -> None:
        while not self.released and not self._lost:
            await asyncio.sleep(every_s)
            if not self.released:
                await self.is_held()

    async def _release(self) -> None:
        self._keepalive.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._keepalive
        if self._lost:  # the session is gone, and the server dropped its locks with it
            with contextlib.suppress(Exception):
                await self._connection.close()
            await self._engine.dispose()
            return
        try:
            async with self._using:
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


def _first_line(exc: BaseException) -> str:
    """The driver's own words (SQLAlchemy's wrapper and links left out), first line only."""
    text_ = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return text_[0][:200] if text_ else type(exc).__name__


async def acquire_advisory_lease(
    database: Database, bot: str, keepalive_s: float = KEEPALIVE_S
) -> AdvisoryLease:
    key = lease_key(bot)
    # NullPool: the connection is the lease, it must never go back to a pool.
    engine = create_engine_for(database.engine.url, poolclass=NullPool)
    identity = f"traderagent pid={os.getpid()} host={socket.gethostname()}"[:63]
    try:
        connection = await engine.connect()
        await connection.execute(
            text("SELECT set_config('application_name', :name, false)"), {"name": identity}
        )
        await connection.execute(text(_NO_IDLE_TIMEOUTS))  # the lease must outlive idle spells
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
    return AdvisoryLease(bot, key, engine, connection, keepalive_s)
