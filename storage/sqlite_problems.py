"""What went wrong with a SQLite file, in words: locked, full disk, read-only, or corrupt.

SQLite reports all of these as `OperationalError` or `DatabaseError`; only the last is a
damaged file. Telling a user whose disk is full to "move the database away" would have them
throw away a good database, so each cause gets its own message and its own remedy.
"""

from __future__ import annotations

import errno
import sqlite3
from pathlib import Path

from storage.errors import StorageError

LOCKED = ("database is locked", "database table is locked", "database is busy")
FULL = ("database or disk is full", "disk is full")
READ_ONLY = ("readonly database", "read-only", "unable to open database file")
IO = ("disk i/o error",)
_OS_CAUSES = {
    errno.ENOSPC: "the disk is full: free some space and run again",
    errno.EDQUOT: "the disk quota is used up: free some space and run again",
    errno.EROFS: "the file system is read-only: choose a writable location",
    errno.EACCES: "permission denied: fix the permissions or choose another location",
    errno.EPERM: "permission denied: fix the permissions or choose another location",
    errno.EMFILE: "too many open files: raise the limit (ulimit -n) and run again",
}


def cause(exc: BaseException) -> str | None:
    """The environmental cause of `exc` (or of an exception it was raised from) in words, or
    None when it is something else (a damaged file, a bug)."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, OSError) and current.errno in _OS_CAUSES:
            return _OS_CAUSES[current.errno]
        if isinstance(current, sqlite3.OperationalError):
            text = str(current).lower()
            if any(s in text for s in LOCKED):
                return (
                    "the database is locked by another process (another TraderAgent, or a "
                    "tool holding it open for writing): close that and run again"
                )
            if any(s in text for s in FULL):
                return "the disk holding the database is full: free some space and run again"
            if any(s in text for s in READ_ONLY):
                return (
                    "the database or its directory is read-only (SQLite also writes a -wal and "
                    "a -shm file next to it): make the directory writable or choose another"
                )
            if any(s in text for s in IO):
                return "the disk reported an I/O error: check the disk, then run again"
        current = current.__cause__ or current.__context__
    return None


def problem(path: Path, exc: BaseException, doing: str) -> StorageError:
    """The StorageError for `exc` raised while `doing` something with the database `path`:
    its environmental cause when it has one, else the file is damaged."""
    found = cause(exc)
    if found is not None:
        return StorageError(
            f"cannot {doing} database {path}: {found}. The file was left as it was."
        )
    return StorageError(
        f"database {path} is corrupt or unreadable ({exc}). The file was left untouched: "
        f"restore it from a backup (a {path.name}.bak-* file next to it, if any) or move it "
        "away to start a new database."
    )
