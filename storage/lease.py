"""One bot runs in one place: a lease per bot, held while the bot runs.

On PostgreSQL the lease is a session-level advisory lock (`pg_try_advisory_lock` on a stable
64-bit hash of the bot name) held on a connection of its own; on a SQLite file it is an
`flock` on a lock file beside the database that records the holder's pid and host. Both die
with their process, so the lease of a crashed process is free again at once.

A SQLite lease is keyed by the database file itself, not by how it was named: the lock file
sits beside the resolved path (symlinks followed, `./x.db` made absolute), so every name of one
file takes one lease. A PostgreSQL lease is kept alive and watched (`lease_postgres`): a lost
session is reported by `is_held` and `lost_reason`, and the engine stops trading on it.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import os
import re
import socket
from pathlib import Path

from storage.database import Database
from storage.errors import LeaseError
from storage.lease_base import BotLease, refused, this_process

__all__ = ["BotLease", "acquire_lease", "lease_file_path", "refused", "this_process"]

_HELD_IN_MEMORY: set[tuple[int, str]] = set()


def lease_file_path(database_file: Path, bot: str) -> Path:
    """`<database>.lease-<bot>` beside the database (other characters escaped as %xx)."""
    safe = re.sub(r"[^A-Za-z0-9_-]", lambda m: f"%{ord(m.group()):02x}", bot)
    return database_file.with_name(f"{database_file.name}.lease-{safe}")


def _holder_of(fd: int, path: Path) -> str:
    text = os.pread(fd, 4096, 0).decode("utf-8", "replace")
    try:
        record = json.loads(text)
        return f"process {int(record['pid'])} on host {record['host']}"
    except (ValueError, KeyError, TypeError):
        return f"another process (lock file {path})"


def _lock_file(path: Path, bot: str) -> int:
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise LeaseError(f"cannot create the lease file {path} for bot {bot}: {exc}") from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        holder = _holder_of(fd, path)
        os.close(fd)
        raise refused(bot, holder) from None
    record = {"pid": os.getpid(), "host": socket.gethostname(), "bot": bot}
    os.ftruncate(fd, 0)
    os.pwrite(fd, (json.dumps(record) + "\n").encode(), 0)
    return fd


def _unlock_file(fd: int) -> None:
    # The file stays: unlinking a lock file lets two processes lock two different inodes.
    os.ftruncate(fd, 0)
    fcntl.flock(fd, fcntl.LOCK_UN)
    os.close(fd)


class FileLease(BotLease):
    """A SQLite database's lease: an exclusive flock on `<database>.lease-<bot>`."""

    def __init__(self, bot: str, path: Path, fd: int) -> None:
        super().__init__(bot)
        self.path = path
        self._fd = fd

    async def _release(self) -> None:
        await asyncio.to_thread(_unlock_file, self._fd)


class MemoryLease(BotLease):
    """An in-memory database lives in one process: the lease is a name in a set."""

    def __init__(self, bot: str, key: tuple[int, str]) -> None:
        super().__init__(bot)
        self._key = key

    async def _release(self) -> None:
        _HELD_IN_MEMORY.discard(self._key)


async def acquire_lease(
    database: Database, bot: str, *, keepalive_s: float | None = None
) -> BotLease:
    """Take the lease of `bot` now, or raise LeaseError naming the process that holds it.
    `keepalive_s`: how often a PostgreSQL lease checks its session (default KEEPALIVE_S)."""
    if database.dialect_name == "postgresql":
        from storage.lease_postgres import KEEPALIVE_S, acquire_advisory_lease

        every = KEEPALIVE_S if keepalive_s is None else keepalive_s
        return await acquire_advisory_lease(database, bot, every)
    path = database.sqlite_path
    if path is None:
        key = (id(database.engine), bot)
        if key in _HELD_IN_MEMORY:
            raise refused(bot, this_process())
        _HELD_IN_MEMORY.add(key)
        return MemoryLease(bot, key)
    lock = lease_file_path(path.resolve(), bot)  # one file, one lease, whatever its name
    fd = await asyncio.to_thread(_lock_file, lock, bot)
    return FileLease(bot, lock, fd)
