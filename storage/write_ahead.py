"""The order's write-ahead record on a fast path: a dedicated synchronous SQLite connection.

Before an order request leaves, its row (client id, sequence, intent) must be durable, so a
crash can neither lose nor repeat it. Through SQLAlchemy and aiosqlite that is an awaited
transaction of a few milliseconds (a thread hop each way); here it is one `INSERT ... ON
CONFLICT` on a plain `sqlite3` connection of its own, in autocommit (the statement is its own
transaction), in tens of microseconds.

Durability: the database runs in WAL mode with `synchronous=NORMAL` (as every connection of
ours does). A committed row is in the WAL file, in the operating system's cache: it survives
the process being killed (SIGKILL, a crash) at any point after the call returns. It is not
fsynced per commit, so a power loss or kernel crash may lose the last commits (the WAL is
synced at checkpoints); `FULL` would fsync every order (a disk flush per order). This
connection never checkpoints itself (`wal_autocheckpoint=0`), so an order never pays for one;
the write-behind checkpoints from a thread now and then (and the pool's connections do).

The write-behind's rows (fills, positions, order updates, equity) go through this connection
too, in small transactions between turns of the event loop: one connection, so the write-ahead
never finds the database locked by them.

Contention: this connection never waits for a lock (`busy_timeout=0`). Waiting here would
block the event loop, and with it the aiosqlite transaction that holds the lock and needs the
loop to commit. When the database is busy, `record` returns False and the journal writes the
row through its awaited path instead (counted in `fallbacks`).
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from pathlib import Path

from storage.hot_rows import ORDER, SQLITE, Values, order_values, stored
from traderagent.domain import Order

log = logging.getLogger("traderagent.storage")


class SqliteWriteAhead:
    """Order rows written synchronously on a connection of their own (see the module doc)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.written = 0
        self.fallbacks = 0
        """Rows this path could not write (the database was busy): written the slow way."""
        self._connection: sqlite3.Connection | None = None

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(
            self.path, timeout=0, isolation_level=None, check_same_thread=False
        )
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute("PRAGMA wal_autocheckpoint=0")
        connection.execute("PRAGMA busy_timeout=0")
        return connection

    def record(self, order: Order, seq: int | None) -> bool:
        """Write `order`'s row now (durable across a process crash once this returns True);
        False if it could not be written here (the caller writes it the awaited way)."""
        if self.write_many([(ORDER, order_values(order, seq))]):
            return True
        log.debug("write-ahead of %s on the slow path", order.client_order_id)
        return False

    def write_many(self, rows: list[tuple[str, Values]]) -> bool:
        """Write `rows` (kind, values) in one transaction, in order; False (nothing written)
        if the database was busy or refused them (counted in `fallbacks`)."""
        try:
            if self._connection is None:
                self._connection = self._connect()
            connection = self._connection
        except sqlite3.Error as err:
            self.fallbacks += 1
            log.warning("journal: cannot open the write-ahead connection: %s", err)
            return False
        single = len(rows) == 1
        try:
            if not single:
                connection.execute("BEGIN IMMEDIATE")
            for kind, values in rows:
                connection.execute(SQLITE[kind], stored(values))
            if not single:
                connection.execute("COMMIT")
        except sqlite3.Error as err:  # busy, or anything else: the awaited path decides
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            self.fallbacks += 1
            log.debug("journal: %d row(s) on the slow path: %s", len(rows), err)
            return False
        self.written += len(rows)
        return True

    def checkpoint(self) -> None:
        """Copy the WAL into the database (PASSIVE: it waits for nobody) on a connection of
        its own, so any thread may call it."""
        try:
            with contextlib.closing(sqlite3.connect(self.path, timeout=5)) as connection:
                connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
        except sqlite3.Error as err:  # the pool's connections checkpoint too: not fatal
            log.warning("journal: WAL checkpoint failed: %s", err)

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()
