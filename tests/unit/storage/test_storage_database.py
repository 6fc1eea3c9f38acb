"""Database.open: schema on first run, SQLite pragmas, URL forms and readable errors."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text

from storage import Database, StorageError, sqlite_url
from storage.database import resolve_url

TABLES = {"bots", "orders", "fills", "positions", "equity_points"}


def _tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as raw:
        rows = raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {name for (name,) in rows}


async def test_first_open_creates_parent_directory_and_schema(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "ta.db"
    database = await Database.open(path)
    await database.close()
    assert path.is_file()
    assert TABLES.issubset(_tables(path))


async def test_sqlite_pragmas_are_set(tmp_path: Path) -> None:
    database = await Database.open(tmp_path / "ta.db")
    try:
        async with database.session() as session:
            mode = await session.scalar(text("PRAGMA journal_mode"))
            sync = await session.scalar(text("PRAGMA synchronous"))
            fks = await session.scalar(text("PRAGMA foreign_keys"))
    finally:
        await database.close()
    assert mode == "wal"
    assert sync == 1  # NORMAL
    assert fks == 1


async def test_url_string_and_plain_path_string_both_open(tmp_path: Path) -> None:
    for target in (f"sqlite:///{tmp_path / 'a.db'}", str(tmp_path / "b.db")):
        database = await Database.open(target)
        assert database.dialect_name == "sqlite"
        assert database.url.startswith("sqlite+aiosqlite:///")
        await database.close()
    assert TABLES.issubset(_tables(tmp_path / "a.db"))
    assert TABLES.issubset(_tables(tmp_path / "b.db"))


async def test_memory_database_shares_one_schema_across_sessions() -> None:
    database = await Database.open(":memory:")
    try:
        async with database.session() as session:
            count = await session.scalar(text("SELECT count(*) FROM orders"))
    finally:
        await database.close()
    assert count == 0


def test_sqlite_url_helper_and_resolution() -> None:
    assert sqlite_url(Path("/var/lib/ta.db")) == "sqlite+aiosqlite:////var/lib/ta.db"
    pg = resolve_url("postgresql://trader:secret@db:5432/ta")
    assert pg.drivername == "postgresql+asyncpg"
    assert pg.password == "secret"


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("", "no database given"),
        ("mysql://u@h/db", "unsupported database 'mysql'"),
        ("://nonsense", "cannot parse database URL"),
    ],
)
async def test_bad_url_raises_storage_error(target: str, message: str) -> None:
    with pytest.raises(StorageError, match=message):
        await Database.open(target)


async def test_path_under_a_file_raises_storage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("x")
    with pytest.raises(StorageError, match="cannot create directory"):
        await Database.open(blocker / "ta.db")


async def test_directory_as_database_file_raises_storage_error(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="is a directory"):
        await Database.open(tmp_path)


async def test_file_that_is_not_a_database_raises_storage_error(tmp_path: Path) -> None:
    junk = tmp_path / "notes.db"
    junk.write_bytes(b"this is not an SQLite file " * 64)
    with pytest.raises(StorageError, match="file is not a database"):
        await Database.open(junk)
