"""SqlJournal: the engine's TradeJournal protocol on top of the repositories.

Every method is one short transaction. Read queries go through the exposed repositories,
e.g. `await journal.fills.list(bot="grid-1", limit=50)`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from storage.database import Database
from storage.errors import StorageError
from storage.repositories import (
    BotRepository,
    EquityRepository,
    FillRepository,
    OrderRepository,
    PositionRepository,
)
from traderagent.domain import BotState, Fill, Order, Position


def wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


class SqlJournal:
    """A TradeJournal backed by SQLite or PostgreSQL.

    `clock_ms` stamps bot registrations, the one write whose protocol method carries no time;
    pass the engine clock's `now_ms` so replays stay deterministic.
    """

    def __init__(self, database: Database, *, clock_ms: Callable[[], int] = wall_clock_ms) -> None:
        self.database = database
        self.bots = BotRepository(database)
        self.orders = OrderRepository(database)
        self.fills = FillRepository(database)
        self.positions = PositionRepository(database)
        self.equity = EquityRepository(database)
        self._clock_ms = clock_ms

    @classmethod
    async def open(
        cls, target: str | Path, *, clock_ms: Callable[[], int] = wall_clock_ms
    ) -> SqlJournal:
        """Open (and create on first run) the database at a URL or file path."""
        return cls(await Database.open(target), clock_ms=clock_ms)

    async def register_bot(
        self, name: str, symbol: str, strategy: str, config: dict[str, Any]
    ) -> None:
        await self.bots.upsert(name, symbol, strategy, config, self._clock_ms())

    async def set_bot_state(self, name: str, state: BotState, now_ms: int) -> None:
        if not await self.bots.set_state(name, state, now_ms):
            raise StorageError(f"cannot set state of unknown bot {name!r}: register it first")

    async def last_sequence(self, bot: str) -> int:
        """The highest intent sequence this bot has used (0 if none): client ids never repeat."""
        return await self.orders.max_sequence(bot)

    async def record_order(self, order: Order, seq: int | None = None) -> None:
        """Insert or update by client order id (written before the request leaves)."""
        await self.orders.upsert(order, seq)

    async def record_fill(self, fill: Fill) -> None:
        """Insert once by fill id; a repeated fill id is ignored."""
        await self.fills.add(fill)

    async def record_position(self, bot: str, position: Position, now_ms: int) -> None:
        await self.positions.upsert(bot, position, now_ms)

    async def record_equity(self, ts: int, equity: Decimal, bot: str | None = None) -> None:
        await self.equity.add(ts, equity, bot)

    async def close_stale_orders(self, bot: str, reason: str, now_ms: int) -> int:
        """Mark this bot's orders still open in the journal as cancelled; returns how many."""
        return await self.orders.cancel_open(bot, reason, now_ms)

    async def close(self) -> None:
        await self.database.close()
