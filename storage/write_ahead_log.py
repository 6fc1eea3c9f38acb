"""The order's write-ahead record as one line appended to a file of this process's own.

On a SQLite file the record (client id, sequence, intent: the order row `New`) is appended to
an intent log next to the database, `<database>-intents-<pid>-<token>.log`, with one
`write()` (a JSON line, a few microseconds), before the request leaves; the same row is queued
to the write-behind, which puts it in the `orders` table with the rest. A SQLite commit of the
row (one transaction touching the table and its three indexes) cost 40-180 us on the live path;
the append costs a system call.

Durability is the WAL's with `synchronous=NORMAL`: once `append` returns, the line is in the
operating system's cache and survives the process being killed (SIGKILL, a crash) at any
instant; a power loss or kernel crash can lose the last lines (nothing is fsynced).

The log is only needed until the write-behind has written its rows: when nothing is queued
or waiting for room any more (`written_behind`), a log grown past `TRUNCATE_AT` starts again
empty, and a clean close deletes it. A process that dies leaves its log: the process holds an
exclusive `flock` on it while it lives (the kernel drops it at death), so the next journal on
the database to `replay_orphans` (every `settle`, before anything is read) finds it unlocked,
writes its rows into `orders` (a row already there keeps its state; it only gains the
sequence if it had none) and deletes it. A log whose owner lives is locked and left alone.

Fail closed: an append that fails (or is cut short: a full disk) returns False, the log is not
used again, and the caller writes the row the synchronous SQLite way (`write_ahead`). A line
that cannot be read back at replay (a torn last line) is logged and counted, never guessed.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import secrets
import sqlite3
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson

from storage.hot_rows import ORDER_COLUMNS, Values
from storage.types import decimal_text

log = logging.getLogger("traderagent.storage")

TRUNCATE_AT = 1 << 16
"""Bytes of log after which it is emptied once the write-behind has written everything."""
REPLAY_BUSY_S = 30.0
"""How long a replay waits for the database's write lock (it runs in a thread)."""

REPLAY_SQL = (
    f"INSERT INTO orders ({', '.join(ORDER_COLUMNS)}) "  # noqa: S608 - fixed names
    f"VALUES ({', '.join(':' + c for c in ORDER_COLUMNS)}) "
    "ON CONFLICT (client_order_id) DO UPDATE SET seq = coalesce(orders.seq, excluded.seq)"
)
"""A logged row into `orders`: a row already there (the write-behind wrote it, perhaps with a
later state) is kept as it is, only gaining the sequence if it had none."""


def _stored(value: Any) -> str:
    if isinstance(value, Decimal):
        return decimal_text(value)
    raise TypeError(f"an order row holds no {type(value).__name__}")


def _prefix(database: Path) -> str:
    return f"{database.name}-intents-"


class IntentLog:
    """This process's append-only log of write-ahead rows (see the module doc)."""

    def __init__(self, database: Path) -> None:
        self.database = database
        self.path = database.with_name(
            f"{_prefix(database)}{os.getpid()}-{secrets.token_hex(4)}.log"
        )
        self.appended = 0
        self.failed = ""
        """Why the log stopped taking rows ('' while it works): rows go the SQLite way."""
        self.truncations = 0
        self._fd: int | None = None
        self._size = 0

    def append(self, values: Values) -> bool:
        """Append the order row `values` (durable across a process crash once this returns
        True); False if the log cannot take it (the caller writes it another way)."""
        if self.failed:
            return False
        # the values as SQLite stores them (`hot_rows.stored`): enums as their value (orjson's
        # own), exact decimals as canonical text; a third of `stored`'s time
        try:
            line = orjson.dumps(values, default=_stored, option=orjson.OPT_APPEND_NEWLINE)
        except TypeError as err:  # not a row this log knows: the caller writes it to SQLite
            log.error("journal: order row %s not logged: %s", values.get("client_order_id"), err)
            return False
        try:
            if self._fd is None:
                self._fd = self._open()
            written = os.write(self._fd, line)
        except OSError as err:
            self._fail(f"cannot write {self.path.name}: {err}")
            return False
        self._size += written
        if written != len(line):  # a torn line: nothing after it could be trusted
            self._fail(f"{self.path.name}: short write ({written} of {len(line)} bytes)")
            return False
        self.appended += 1
        return True

    def written_behind(self) -> None:
        """Every row appended so far is in the database: a long log starts again empty."""
        if self._fd is None or self._size < TRUNCATE_AT:
            return
        try:
            os.ftruncate(self._fd, 0)
        except OSError as err:  # it only grows: the rows are in the database either way
            log.warning("journal: cannot empty %s: %s", self.path.name, err)
            return
        self._size = 0
        self.truncations += 1

    def close(self, written: bool) -> None:
        """Stop; `written`: every row is in the database, so the log is deleted (else it is
        left for the next journal on the database to replay)."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            if written:
                with contextlib.suppress(FileNotFoundError):
                    self.path.unlink()
        finally:
            os.close(fd)

    def _open(self) -> int:
        flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC
        fd = os.open(self.path, flags, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # held until this process ends
        except OSError:
            os.close(fd)
            raise
        return fd

    def _fail(self, reason: str) -> None:
        self.failed = reason
        log.error("journal: the intent log stopped (%s); write-ahead rows go to SQLite", reason)


def orphans(database: Path, own: Path | None = None) -> list[Path]:
    """The intent logs beside `database` other than `own` (live owners' ones included)."""
    prefix = _prefix(database)
    try:
        entries = list(os.scandir(database.parent))
    except OSError:
        return []
    found = [Path(e.path) for e in entries if e.name.startswith(prefix) and e.name.endswith(".log")]
    return sorted(p for p in found if p != own)


def unlocked(database: Path, own: Path | None = None) -> list[Path]:
    """The intent logs beside `database` that no living process holds (to replay): one
    non-blocking lock attempt each, so a journal can ask before every read."""
    found = []
    for path in orphans(database, own):
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            continue  # its process lives
        finally:
            os.close(fd)  # (and with it the lock this took)
        found.append(path)
    return found


def replay_orphans(database: Path, own: Path | None = None) -> tuple[int, int]:
    """Write the rows of every intent log no living process holds into `database`, then
    delete the log: (rows written, lines that could not be read). Blocking: run it in a
    thread."""
    rows = unreadable = 0
    for path in orphans(database, own):
        try:
            fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
        except FileNotFoundError:
            continue  # replayed by another journal meanwhile
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # its process lives and writes it
            with os.fdopen(os.dup(fd), "rb") as file:
                data = file.read()
            values, bad = _parse(path, data)
            if values:
                _insert(database, values)
            os.ftruncate(fd, 0)  # a journal that opened it before the unlink reads nothing
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
            rows += len(values)
            unreadable += bad
            if not values and not bad:
                continue  # emptied by a journal that replayed it first
            log.warning(
                "journal: replayed %d write-ahead row(s) of a process that stopped (%s)%s",
                len(values),
                path.name,
                f"; {bad} unreadable line(s) skipped" if bad else "",
            )
        finally:
            os.close(fd)
    return rows, unreadable


def _parse(path: Path, data: bytes) -> tuple[list[dict[str, Any]], int]:
    values: list[dict[str, Any]] = []
    bad = 0
    for line in data.split(b"\n"):
        if not line:
            continue
        try:
            row = orjson.loads(line)
            values.append({c: row[c] for c in ORDER_COLUMNS})
        except (ValueError, KeyError, TypeError) as err:
            bad += 1
            log.error("journal: unreadable line in %s skipped: %.200r (%s)", path.name, line, err)
    return values, bad


def _insert(database: Path, values: list[dict[str, Any]]) -> None:
    connection = sqlite3.connect(database, timeout=REPLAY_BUSY_S, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.executemany(REPLAY_SQL, values)
        connection.execute("COMMIT")
    finally:
        connection.close()
