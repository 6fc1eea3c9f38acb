"""Opening the database: engine, SQLite pragmas, schema upgrade at open, and sessions."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import StaticPool

from storage.errors import StorageError
from storage.schema_version import SchemaChange, check_supported, ensure_schema
from storage.sqlite_files import (
    backup_sqlite_file,
    inspect_sqlite_file,
    prepare_sqlite_file,
    probe_write,
)
from storage.sqlite_problems import cause
from storage.urls import is_memory, is_postgres, resolve_url, shown, sqlite_file, sqlite_url

__all__ = ["Database", "resolve_url", "sqlite_url"]

CONNECT_TIMEOUT_S = 10.0
# What the driver raises when it cannot reach or talk to the server (asyncpg raises OSError).
OPEN_ERRORS = (SQLAlchemyError, OSError, TimeoutError)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets the TUI read while the engine writes; NORMAL is durable enough under WAL.
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
    finally:
        cursor.close()


def create_engine_for(url: URL, **options: Any) -> AsyncEngine:
    """An async engine with TraderAgent's settings (pragmas, connect timeout) for `url`."""
    try:
        if is_memory(url):
            # One shared connection, or every session would see its own empty database.
            engine = create_async_engine(url, poolclass=StaticPool, **options)
        elif is_postgres(url):
            engine = create_async_engine(
                url, connect_args={"timeout": CONNECT_TIMEOUT_S}, **options
            )
        else:
            engine = create_async_engine(url, **options)
    except ImportError as exc:
        raise StorageError(
            f"the database driver for {shown(url)} is not installed ({exc.name or exc}); "
            "install it, e.g. `pip install asyncpg` for PostgreSQL"
        ) from exc
    except SQLAlchemyError as exc:
        raise StorageError(f"cannot use database {shown(url)}: {exc}") from exc
    if url.get_backend_name() == "sqlite":
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
    return engine


def cannot_open(url: URL, exc: BaseException) -> StorageError:
    """A readable error for a failed connect or schema step (the password never shown)."""
    reason = getattr(exc, "orig", None) or exc
    if isinstance(exc, TimeoutError):
        reason = f"no answer within {CONNECT_TIMEOUT_S:g}s"
    if is_postgres(url):
        return StorageError(
            f"cannot connect to PostgreSQL at {url.host or 'localhost'}:{url.port or 5432} "
            f"(database {url.database!r}, URL {shown(url)}): {reason}. Check that the server "
            "is running and reachable, and that the user, password and database are right."
        )
    found = cause(exc)
    if found is not None:
        return StorageError(f"cannot open database {shown(url)}: {found}")
    return StorageError(
        f"cannot open database {shown(url)}: {reason}. Check the path, that the location is "
        "writable and that the file is a TraderAgent database."
    )


async def _sqlite_preflight(path: Path, upgrade: bool) -> SchemaChange | None:
    """Inspect the file read-only; refuse what cannot be upgraded; back it up if behind."""
    prepare_sqlite_file(path)
    state = await asyncio.to_thread(inspect_sqlite_file, path)
    if not (state.is_current or state.is_empty):
        check_supported(state, str(path))  # a newer schema is refused before any write
    await asyncio.to_thread(probe_write, path)
    if state.is_current or state.is_empty:
        return None
    if not upgrade:
        return None
    backup = await asyncio.to_thread(backup_sqlite_file, path, state.label)
    return SchemaChange(before=state.label, after=state.label, backup=backup)


class Database:
    """An open database: the async engine plus a session factory. Build it with `open`."""

    def __init__(self, engine: AsyncEngine, schema_change: SchemaChange | None = None) -> None:
        self.engine = engine
        self.schema_change = schema_change
        """The upgrade `open` applied (with the backup it made), None if already current."""
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)

    @classmethod
    async def open(cls, target: str | Path, *, upgrade: bool = True) -> Database:
        """Connect to a URL or file path and bring its schema to the head revision.

        A SQLite file that is behind is first copied to `<name>.bak-<revision>-<time>`. A file
        that is not a database, is corrupt or has a newer schema raises StorageError and is
        left untouched. `upgrade=False` refuses a database that is behind instead.
        """
        url = resolve_url(target)
        path = sqlite_file(url)
        preflight = await _sqlite_preflight(path, upgrade) if path is not None else None
        engine = create_engine_for(url)
        where = str(path) if path is not None else shown(url)
        try:
            async with engine.begin() as connection:
                change = await connection.run_sync(ensure_schema, where, upgrade)
        except StorageError:
            await engine.dispose()
            raise
        except OPEN_ERRORS as exc:
            await engine.dispose()
            raise cannot_open(url, exc) from exc
        if change is not None and preflight is not None:
            change = replace(change, backup=preflight.backup)
        return cls(engine, change)

    @property
    def url(self) -> str:
        """The URL in use, password hidden (safe to log or show)."""
        return shown(self.engine.url)

    @property
    def dialect_name(self) -> str:
        """'sqlite' or 'postgresql'."""
        return self.engine.dialect.name

    @property
    def sqlite_path(self) -> Path | None:
        """The database file, for SQLite files; None for PostgreSQL and in-memory databases."""
        return sqlite_file(self.engine.url)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """One short transaction: commits when the block ends, rolls back if it raises."""
        async with self._sessions() as session, session.begin():
            yield session

    async def close(self) -> None:
        """Release every connection. Safe to call more than once."""
        await self.engine.dispose()
