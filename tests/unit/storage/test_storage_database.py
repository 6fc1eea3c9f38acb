"""Database.open: schema at head on first run, SQLite pragmas, URL forms and readable errors.

Files that are refused (not a database, corrupt, newer schema) must stay byte-for-byte as
they were: each such test hashes the file before and after.
"""

from __future__ import annotations

import hashlib
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import text
from unit.storage.backends import Backend, file_names, postgres_execute

from storage import HEAD_REVISION, Database, StorageError, sqlite_url
from storage.database import resolve_url

TABLES = {
    "bots",
    "orders",
    "fills",
    "funding_fees",
    "fleet_leases",
    "positions",
    "equity_points",
    "strategies",
    "state_snapshots",
    "account_risk_state",
    "exchange_credentials",
    "audit_log",
    "paper_orders",
    "paper_fills",
    "paper_account",
    "paper_positions",
    "alembic_version",
}


def _tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as raw:
        rows = raw.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {name for (name,) in rows}


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


async def test_first_open_builds_the_whole_schema_at_head(backend: Backend) -> None:
    database = await Database.open(backend.target)
    try:
        async with database.session() as session:
            revision = await session.scalar(text("SELECT version_num FROM alembic_version"))
            orders = await session.scalar(text("SELECT count(*) FROM orders"))
    finally:
        await database.close()
    assert revision == HEAD_REVISION
    assert orders == 0
    assert database.schema_change is not None
    assert (database.schema_change.before, database.schema_change.after) == ("empty", HEAD_REVISION)
    assert database.schema_change.backup is None  # nothing to back up in a new database


async def test_second_open_changes_nothing(backend: Backend) -> None:
    await (await Database.open(backend.target)).close()
    again = await Database.open(backend.target)
    await again.close()
    assert again.schema_change is None


async def test_first_open_creates_parent_directory_and_tables(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "ta.db"
    database = await Database.open(path)
    await database.close()
    assert path.is_file()
    assert _tables(path) == TABLES
    assert database.sqlite_path == path


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
    assert _tables(tmp_path / "a.db") == TABLES
    assert _tables(tmp_path / "b.db") == TABLES


async def test_memory_database_shares_one_schema_across_sessions() -> None:
    database = await Database.open(":memory:")
    try:
        async with database.session() as session:
            count = await session.scalar(text("SELECT count(*) FROM audit_log"))
    finally:
        await database.close()
    assert count == 0
    assert database.sqlite_path is None


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


async def test_file_that_is_not_a_database_is_refused_and_left_untouched(tmp_path: Path) -> None:
    junk = tmp_path / "notes.db"
    junk.write_bytes(b"this is not an SQLite file " * 64)
    before = _digest(junk)
    with pytest.raises(StorageError) as refused:
        await Database.open(junk)
    message = str(refused.value)
    assert f"{junk} is not a SQLite database" in message
    assert "left untouched" in message
    assert _digest(junk) == before
    assert file_names(tmp_path) == ["notes.db"]  # no backup, no WAL


async def test_corrupt_database_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "ta.db"
    await (await Database.open(path)).close()
    data = bytearray(path.read_bytes())
    data[100:4096] = b"\xa5" * (4096 - 100)  # page 1 after the header: the schema table
    path.write_bytes(bytes(data))
    before = _digest(path)
    with pytest.raises(StorageError, match="is corrupt or unreadable") as refused:
        await Database.open(path)
    assert str(path) in str(refused.value)
    assert "restore it from a backup" in str(refused.value)
    assert _digest(path) == before


async def test_newer_schema_sqlite_file_is_refused_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "ta.db"
    await (await Database.open(path)).close()
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE alembic_version SET version_num = '9999'")
    raw.close()
    before = _digest(path)
    with pytest.raises(StorageError) as refused:
        await Database.open(path)
    message = str(refused.value)
    assert f"{path} has schema revision 9999, newer than this TraderAgent knows" in message
    assert "upgrade TraderAgent" in message
    assert _digest(path) == before
    assert file_names(tmp_path, "ta.db.bak-*") == []


@pytest.mark.postgres
async def test_newer_schema_on_postgres_is_refused_and_unchanged(
    postgres_backend: Backend,
) -> None:
    backend = postgres_backend
    await (await Database.open(backend.target)).close()
    await postgres_execute(backend.target, "UPDATE alembic_version SET version_num = '9999'")
    await postgres_execute(backend.target, "DROP TABLE audit_log")
    with pytest.raises(StorageError, match="schema revision 9999, newer than"):
        await Database.open(backend.target)
    rows = await postgres_execute(
        backend.target,
        "SELECT to_regclass('audit_log') AS t, (SELECT version_num FROM alembic_version) AS v",
    )
    assert (rows[0]["t"], rows[0]["v"]) == (None, "9999")  # nothing created, nothing stamped


async def test_foreign_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as raw:
        raw.execute("CREATE TABLE recipes (id INTEGER PRIMARY KEY, name TEXT)")
    raw.close()
    before = _digest(path)
    with pytest.raises(StorageError, match="is not a TraderAgent database"):
        await Database.open(path)
    assert _digest(path) == before


async def test_unreachable_postgres_says_so_without_the_password() -> None:
    with pytest.raises(StorageError) as refused:
        await Database.open("postgresql://trader:hunter2@127.0.0.1:1/ta")
    message = str(refused.value)
    assert message.startswith("cannot connect to PostgreSQL at 127.0.0.1:1 (database 'ta'")
    assert "Check that the server is running" in message
    assert "hunter2" not in message
