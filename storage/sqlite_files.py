"""SQLite database files: checks before opening, read-only inspection, and backups.

Everything here reads the file through a read-only connection, so a file that is refused
(not a database, corrupt, from a newer TraderAgent) is left byte-for-byte as it was.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

from storage.errors import StorageError
from storage.schema_version import VERSION_TABLE, SchemaState
from storage.sqlite_problems import problem

LOCK_WAIT_S = 5.0
"""How long opening waits for another process's write transaction before calling it locked."""

SQLITE_HEADER = b"SQLite format 3\x00"


def prepare_sqlite_file(path: Path) -> None:
    """Create the parent directory and check the file can be written, with readable errors."""
    # Checked up front: a failed aiosqlite connect leaves its worker thread racing loop shutdown.
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


def _read_only(path: Path) -> sqlite3.Connection:
    uri = f"{path.resolve().as_uri()}?mode=ro"
    if not os.access(path.parent, os.W_OK):
        # nobody can write here, and SQLite could not make its -shm file: read the file as is
        uri += "&immutable=1"
    return sqlite3.connect(uri, uri=True)


def probe_write(path: Path) -> None:
    """Take and release the write lock of an existing database file: a file another process
    holds, on a full disk or in a read-only directory is named as such now, before the engine
    starts (StorageError), rather than failing at its first write."""
    if not path.exists() or path.stat().st_size == 0:
        return
    try:
        with closing(sqlite3.connect(path, timeout=LOCK_WAIT_S, isolation_level=None)) as conn:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
    except sqlite3.DatabaseError as exc:
        raise problem(path, exc, "write to") from exc


def _corrupt(path: Path, reason: object) -> StorageError:
    return StorageError(
        f"database {path} is corrupt or unreadable ({reason}). The file was left untouched: "
        f"restore it from a backup (a {path.name}.bak-* file next to it, if any) or move it "
        "away to start a new database."
    )


def inspect_sqlite_file(path: Path) -> SchemaState:
    """The schema state of a database file, read without changing a byte of it."""
    if not path.exists() or path.stat().st_size == 0:
        return SchemaState(revision=None, tables=frozenset())
    with path.open("rb") as handle:
        header = handle.read(len(SQLITE_HEADER))
    if header != SQLITE_HEADER:
        raise StorageError(
            f"{path} is not a SQLite database (it does not start with the SQLite header). "
            "The file was left untouched: point TraderAgent at its database file, or move "
            "this file away to start a new database there."
        )
    try:
        with closing(_read_only(path)) as connection:
            checked = connection.execute("PRAGMA quick_check").fetchall()
            if checked != [("ok",)]:
                raise _corrupt(path, "; ".join(str(row[0]) for row in checked[:3]))
            names = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            tables = frozenset(str(name) for (name,) in names)
            revision = None
            if VERSION_TABLE in tables:
                query = f"SELECT version_num FROM {VERSION_TABLE}"  # noqa: S608 - a constant
                row = connection.execute(query).fetchone()
                revision = str(row[0]) if row else None
    except sqlite3.DatabaseError as exc:
        raise problem(path, exc, "read") from exc
    return SchemaState(revision=revision, tables=tables)


def backup_sqlite_file(path: Path, label: str) -> Path:
    """Copy the database (WAL content included) to `<name>.bak-<label>-<UTC time>` beside it."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.bak-{label}-{stamp}")
    suffix = 1
    while target.exists():
        target = path.with_name(f"{path.name}.bak-{label}-{stamp}-{suffix}")
        suffix += 1
    try:
        with closing(_read_only(path)) as source, closing(sqlite3.connect(target)) as copy:
            source.backup(copy)
    except (sqlite3.Error, OSError) as exc:
        raise StorageError(
            f"cannot back up {path} to {target} before upgrading its schema: {exc}. "
            "Nothing was changed; free some space or fix the directory's permissions."
        ) from exc
    return target
