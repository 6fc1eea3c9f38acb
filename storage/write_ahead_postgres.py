"""The order's write-ahead record on PostgreSQL: a prepared insert on a connection of its own.

The same row and rules as `OrderRepository.upsert` (`hot_rows`), sent as one prepared
`INSERT ... ON CONFLICT` statement in autocommit on a dedicated asyncpg connection, without
SQLAlchemy's session and pool: one network round trip. When it returns, the server has
committed the row (with the server's `synchronous_commit`, on by default: flushed to its WAL).
Any error (the connection dropped, the server gone) closes that connection and returns False:
the journal then writes the row the awaited SQLAlchemy way, which raises if it cannot.
"""

from __future__ import annotations

import asyncio
import logging
from decimal import Decimal
from enum import StrEnum
from typing import Any

import asyncpg  # type: ignore[import-untyped]  # no stubs; used through Any
from sqlalchemy.engine import URL

from storage.hot_rows import KEEP_IF_EMPTY, ORDER_COLUMNS, order_values
from storage.types import canonical_decimal
from traderagent.domain import Order

log = logging.getLogger("traderagent.storage")

CONNECT_TIMEOUT_S = 10.0


def _sql() -> str:
    columns = ", ".join(ORDER_COLUMNS)
    marks = ", ".join(f"${n}" for n in range(1, len(ORDER_COLUMNS) + 1))
    keep = ", ".join(
        f"{c} = CASE WHEN excluded.{c} = '' THEN orders.{c} ELSE excluded.{c} END"
        for c in KEEP_IF_EMPTY
    )
    rest = ", ".join(
        f"{c} = excluded.{c}"
        for c in ORDER_COLUMNS
        if c not in (*KEEP_IF_EMPTY, "seq", "client_order_id", "created_ms")
    )
    return (
        f"INSERT INTO orders ({columns}) VALUES ({marks}) ON CONFLICT (client_order_id) "  # noqa: S608 - fixed names
        f"DO UPDATE SET {keep}, seq = coalesce(orders.seq, excluded.seq), {rest}"
    )


def _bound(value: object) -> object:
    """As the column types bind it: exact decimals canonical, enums as their value."""
    if isinstance(value, Decimal):
        return canonical_decimal(value)
    if isinstance(value, StrEnum):
        return value.value
    return value


class PostgresWriteAhead:
    """Order rows through one prepared statement on a dedicated asyncpg connection."""

    def __init__(self, url: URL) -> None:
        self._dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.written = 0
        self.fallbacks = 0
        """Rows this path could not write: written the awaited SQLAlchemy way."""
        self._connection: Any = None
        self._insert: Any = None
        self._lock = asyncio.Lock()  # one statement at a time on the connection

    async def record(self, order: Order, seq: int | None) -> bool:
        """Write `order`'s row now (committed when this returns True); False if not here."""
        values = order_values(order, seq)
        args = [_bound(values[c]) for c in ORDER_COLUMNS]
        async with self._lock:
            try:
                if self._insert is None:
                    self._connection = await asyncpg.connect(self._dsn, timeout=CONNECT_TIMEOUT_S)
                    self._insert = await self._connection.prepare(_sql())
                await self._insert.fetch(*args)
            except (asyncpg.PostgresError, OSError, TimeoutError) as err:
                self.fallbacks += 1
                log.warning(
                    "journal: write-ahead of %s the slow way: %s", order.client_order_id, err
                )
                await self._drop()
                return False
        self.written += 1
        return True

    async def _drop(self) -> None:
        connection, self._connection, self._insert = self._connection, None, None
        if connection is not None:
            try:
                await connection.close(timeout=2)
            except (asyncpg.PostgresError, OSError, TimeoutError):
                connection.terminate()

    async def close(self) -> None:
        async with self._lock:
            await self._drop()
