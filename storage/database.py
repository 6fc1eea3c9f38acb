"""Opening the database: URL handling, SQLite pragmas, schema creation and sessions."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import StaticPool

from storage.errors import StorageError
from storage.models import Base

SQLITE_DRIVER = "sqlite+aiosqlite"
POSTGRES_DRIVER = "postgresql+asyncpg"
_MEMORY = ("", ":memory:")


def sqlite_url(path: Path) -> str:
    """The async SQLite URL of a database file, e.g. `sqlite+aiosqlite:////var/lib/ta.db`."""
    return f"{SQLITE_DRIVER}:///{path.expanduser()}"


def resolve_url(target: str | Path) -> URL:
    """Turn a URL or a plain filesystem path into an async-driver URL (sqlite or postgresql)."""
    if isinstance(target, Path):
        return make_url(sqlite_url(target))
    text = target.strip()
    if not text:
        raise StorageError("no database given: pass a file path or a sqlite/postgresql URL")
    if text == ":memory:":
        return make_url(f"{SQLITE_DRIVER}://")
    if "://" not in text:
        return make_url(sqlite_url(Path(text)))
    try:
        url = make_url(text)
    except ArgumentError as exc:
        raise StorageError(
            f"cannot parse database URL {text!r}: {exc}. "
            "Expected e.g. sqlite:///path/to/traderagent.db or postgresql://user@host/db"
        ) from exc
    backend = url.get_backend_name()
    if backend == "sqlite":
        database = url.database or ""
        if database not in _MEMORY:
            url = url.set(database=str(Path(database).expanduser()))
        return url.set(drivername=SQLITE_DRIVER)
    if backend in ("postgresql", "postgres"):
        return url.set(drivername=POSTGRES_DRIVER)
    raise StorageError(
        f"unsupported database {backend!r} in {_shown(url)}: use a sqlite:// or postgresql:// URL"
    )


def _shown(url: URL) -> str:
    return url.render_as_string(hide_password=True)


def _is_memory(url: URL) -> bool:
    return url.get_backend_name() == "sqlite" and (url.database or "") in _MEMORY


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


def _prepare_sqlite_file(url: URL) -> None:
    # Checked up front: a failed aiosqlite connect leaves its worker thread racing loop shutdown.
    path = Path(url.database or "")
    parent = path.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StorageError(
            f"cannot create directory {parent} for the database: {exc.strerror or exc}. "
            "Choose a writable location for the database file."
        ) from exc
    if path.is_dir():
        raise StorageError(
            f"database path {path} is a directory: give a file name, e.g. {path}/ta.db"
        )
    writable = os.access(path, os.W_OK) if path.exists() else os.access(parent, os.W_OK | os.X_OK)
    if not writable:
        raise StorageError(
            f"database {path} is not writable by this user: fix its permissions or choose "
            "another location"
        )


def _create_engine(url: URL) -> AsyncEngine:
    try:
        if _is_memory(url):
            # One shared connection, or every session would see its own empty database.
            return create_async_engine(url, poolclass=StaticPool)
        return create_async_engine(url)
    except ImportError as exc:
        raise StorageError(
            f"the database driver for {_shown(url)} is not installed ({exc.name or exc}); "
            "install it, e.g. `pip install asyncpg` for PostgreSQL"
        ) from exc
    except SQLAlchemyError as exc:
        raise StorageError(f"cannot use database {_shown(url)}: {exc}") from exc


class Database:
    """An open database: the async engine plus a session factory. Build it with `open`."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)

    @classmethod
    async def open(cls, target: str | Path) -> Database:
        """Connect to a URL or file path and create the schema if it does not exist yet."""
        url = resolve_url(target)
        is_sqlite = url.get_backend_name() == "sqlite"
        if is_sqlite and not _is_memory(url):
            _prepare_sqlite_file(url)
        engine = _create_engine(url)
        if is_sqlite:
            event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        try:
            async with engine.begin() as connection:
                await connection.run_sync(Base.metadata.create_all)
        except (SQLAlchemyError, OSError) as exc:
            await engine.dispose()
            reason = getattr(exc, "orig", None) or exc
            raise StorageError(
                f"cannot open database {_shown(url)}: {reason}. "
                "Check the URL or path, that the location is writable and that the file is "
                "a TraderAgent database."
            ) from exc
        return cls(engine)

    @property
    def url(self) -> str:
        """The URL in use, password hidden (safe to log or show)."""
        return _shown(self.engine.url)

    @property
    def dialect_name(self) -> str:
        """'sqlite' or 'postgresql'."""
        return self.engine.dialect.name

    @asynccontextmanager
    async def session(self) -> AsyncIterator[AsyncSession]:
        """One short transaction: commits when the block ends, rolls back if it raises."""
        async with self._sessions() as session, session.begin():
            yield session

    async def close(self) -> None:
        """Release every connection. Safe to call more than once."""
        await self.engine.dispose()
