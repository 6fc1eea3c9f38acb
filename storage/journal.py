"""SqlJournal: the engine's TradeJournal protocol on top of the repositories.

Every method is one short transaction, except with `fast_path` (the live engine's journal):
then an order's write-ahead record (`record_order` with its sequence) goes through
`intent_log` (a line appended to a file of this process's own, the row queued behind; if the
log cannot take it, `write_ahead`, a synchronous SQLite connection of its own; on PostgreSQL
`postgres_write_ahead`, a prepared insert on an asyncpg connection of its own), and the writes
recovery can rebuild from the exchange (fills, positions, order updates, equity points) through
`write_behind` (a bounded queue written in batches, on SQLite by a writer thread of its own);
every other method first waits for that queue to be written (and replays the intent logs of
processes that died, `write_ahead_log`), so reads and snapshots are never behind it. Read
queries go through the exposed repositories, e.g. `await journal.fills.list(bot="grid-1",
limit=50)` (with `fast_path`, call `settle()` first to see every queued write); the methods
below the protocol ones are what recovery and the regime router need (snapshots, strategies,
audit, leases).
"""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from storage.database import Database
from storage.errors import StorageError
from storage.hot_rows import (
    EQUITY,
    FILL,
    ORDER,
    POSITION,
    equity_values,
    fill_values,
    order_values,
    position_values,
)
from storage.lease import BotLease, acquire_lease
from storage.records import AuditRecord
from storage.repositories import (
    AuditRepository,
    BotRepository,
    EquityRepository,
    FillRepository,
    FundingRepository,
    OrderRepository,
    PositionRepository,
    RiskStateRepository,
    SnapshotRepository,
    StrategyRepository,
)
from storage.write_ahead import SqliteWriteAhead
from storage.write_ahead_log import IntentLog, replay_orphans, unlocked
from storage.write_ahead_postgres import PostgresWriteAhead
from storage.write_behind import WriteBehind
from traderagent.domain import BotState, Fill, FundingFee, Order, Position

SNAPSHOTS_KEPT = 20


def wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


class SqlJournal:
    """A TradeJournal backed by SQLite or PostgreSQL.

    `clock_ms` stamps bot registrations, the one write whose protocol method carries no time;
    pass the engine clock's `now_ms` so replays stay deterministic. `snapshots_kept` is how
    many state snapshots per bot survive a save. `fast_path`: see the module doc (off, every
    write is awaited to the end of its transaction before the call returns).
    """

    def __init__(
        self,
        database: Database,
        *,
        clock_ms: Callable[[], int] = wall_clock_ms,
        snapshots_kept: int = SNAPSHOTS_KEPT,
        fast_path: bool = False,
    ) -> None:
        self.database = database
        self.bots = BotRepository(database)
        self.orders = OrderRepository(database)
        self.fills = FillRepository(database)
        self.funding = FundingRepository(database)
        self.positions = PositionRepository(database)
        self.equity = EquityRepository(database)
        self.strategies = StrategyRepository(database)
        self.snapshots = SnapshotRepository(database)
        self.audit = AuditRepository(database)
        self.risk_state = RiskStateRepository(database)
        self._clock_ms = clock_ms
        self._snapshots_kept = snapshots_kept
        path = database.sqlite_path if fast_path else None
        self.write_ahead = SqliteWriteAhead(path) if path is not None else None
        """Write-ahead order rows on a synchronous connection (SQLite files, `fast_path`)."""
        postgres = fast_path and database.dialect_name == "postgresql"
        self.postgres_write_ahead = PostgresWriteAhead(database.engine.url) if postgres else None
        """Write-ahead order rows as a prepared insert on a connection of their own (PG)."""
        behind = SqliteWriteAhead(path) if path is not None else None  # its thread's own
        self.write_behind = WriteBehind(database, direct=behind) if fast_path else None
        """Writes recovery can rebuild, queued and written in batches (`fast_path`; on a
        SQLite file by a writer thread on a connection of its own)."""
        self.intent_log = IntentLog(path) if path is not None else None
        """Write-ahead order rows appended to this process's log, then queued (SQLite files)."""
        if self.intent_log is not None and self.write_behind is not None:
            self.write_behind.on_written = self.intent_log.written_behind
        self.replayed = 0
        """Write-ahead rows replayed from the intent logs of processes that stopped."""

    async def settle(self) -> None:
        """Wait until every queued write is in the database (StorageError if one cannot be),
        after writing in the rows of any intent log a process that died left behind."""
        log = self.intent_log
        if log is not None and unlocked(log.database, log.path):  # a thread only if one is
            try:
                rows, _ = await asyncio.to_thread(replay_orphans, log.database, log.path)
            except (OSError, sqlite3.Error) as err:  # fail closed: nothing is read without them
                raise StorageError(f"cannot replay a stopped process's intent log: {err}") from err
            self.replayed += rows
        if self.write_behind is not None:
            await self.write_behind.flush()

    @classmethod
    async def open(
        cls, target: str | Path, *, clock_ms: Callable[[], int] = wall_clock_ms
    ) -> SqlJournal:
        """Open the database at a URL or file path, creating or upgrading its schema."""
        return cls(await Database.open(target), clock_ms=clock_ms)

    # -- the TradeJournal protocol ------------------------------------------------------------

    async def register_bot(
        self, name: str, symbol: str, strategy: str, config: dict[str, Any], *, market: str = "spot"
    ) -> None:
        await self.settle()
        await self.bots.upsert(name, symbol, strategy, config, self._clock_ms(), market)

    async def set_bot_state(self, name: str, state: BotState, now_ms: int) -> None:
        await self.settle()
        if not await self.bots.set_state(name, state, now_ms):
            raise StorageError(f"cannot set state of unknown bot {name!r}: register it first")

    async def last_sequence(self, bot: str) -> int:
        """The highest intent sequence this bot has used (0 if none): client ids never repeat."""
        await self.settle()
        return await self.orders.max_sequence(bot)

    async def record_order(self, order: Order, seq: int | None = None) -> None:
        """Insert or update by client order id (written before the request leaves). With
        `fast_path`, the write-ahead record (a `seq`) is durable when this returns, and an
        update (no `seq`) is queued behind."""
        if seq is None and self.write_behind is not None:
            await self.write_behind.put(ORDER, order_values(order, None))
            return
        if seq is not None and self.write_ahead is not None:
            if self.write_behind is not None and self.write_behind.failure:
                await self.settle()  # the journal stopped writing: nothing more is sent
            if self.intent_log is not None and self.write_behind is not None:
                values = order_values(order, seq)
                if self.intent_log.append(values):  # durable; the table gets it behind
                    await self.write_behind.put(ORDER, values)
                    return
            if self.write_ahead.record(order, seq):
                return
        if seq is not None and self.postgres_write_ahead is not None:
            if self.write_behind is not None and self.write_behind.failure:
                await self.settle()
            if await self.postgres_write_ahead.record(order, seq):
                return
        await self.orders.upsert(order, seq)

    async def record_fill(self, fill: Fill) -> None:
        """Insert once by fill id; a repeated fill id is ignored (queued with `fast_path`)."""
        if self.write_behind is not None:
            await self.write_behind.put(FILL, fill_values(fill))
            return
        await self.fills.add(fill)

    async def record_position(self, bot: str, position: Position, now_ms: int) -> None:
        if self.write_behind is not None:
            await self.write_behind.put(POSITION, position_values(bot, position, now_ms))
            return
        await self.positions.upsert(bot, position, now_ms)

    async def record_equity(self, ts: int, equity: Decimal, bot: str | None = None) -> None:
        if self.write_behind is not None:
            await self.write_behind.put(EQUITY, equity_values(ts, equity, bot))
            return
        await self.equity.add(ts, equity, bot)

    async def close_stale_orders(self, bot: str, reason: str, now_ms: int) -> int:
        """Mark this bot's orders still open in the journal as cancelled; returns how many."""
        await self.settle()
        return await self.orders.cancel_open(bot, reason, now_ms)

    async def close(self) -> None:
        written = False
        try:
            if self.write_behind is not None:
                await self.write_behind.close()
                written = not self.write_behind.failure
        finally:
            if self.intent_log is not None:  # kept for a replay unless every row is written
                self.intent_log.close(written)
            if self.write_ahead is not None:
                self.write_ahead.close()
            if self.postgres_write_ahead is not None:
                await self.postgres_write_ahead.close()
            await self.database.close()

    # -- decisions: snapshots, strategies ---------------------------------------------

    async def save_snapshot(self, bot: str, payload: dict[str, Any], ts: int) -> int:
        """Store the bot's state (JSON-able; Decimals come back as strings); returns its version."""
        await self.settle()  # a snapshot is never ahead of the journal's rows
        return await self.snapshots.save(bot, payload, ts, keep=self._snapshots_kept)

    async def load_snapshot(self, bot: str) -> tuple[dict[str, Any], int] | None:
        """The latest snapshot's (payload, ts), None if the bot has none."""
        await self.settle()
        latest = await self.snapshots.latest(bot)
        return (latest.payload, latest.ts) if latest is not None else None

    async def save_risk_state(self, account: str, payload: dict[str, Any], ts: int) -> None:
        """Store the account's risk state (JSON-able; Decimals come back as strings)."""
        await self.settle()
        await self.risk_state.save(account, payload, ts)

    async def load_risk_state(self, account: str) -> tuple[dict[str, Any], int] | None:
        """The account's stored (risk state, ts), None if none was saved."""
        await self.settle()
        return await self.risk_state.load(account)

    async def record_strategy(self, bot: str, kind: str, config: dict[str, Any], ts: int) -> None:
        """The bot runs strategy `kind` with `config` from `ts` on (appended, history kept)."""
        await self.settle()
        await self.strategies.add(bot, kind, config, ts)

    async def current_strategy(self, bot: str) -> tuple[str, dict[str, Any], int] | None:
        """The latest (kind, config, ts) recorded for the bot, None if none."""
        await self.settle()
        current = await self.strategies.current(bot)
        return (current.kind, current.config, current.ts) if current is not None else None

    async def record_audit(
        self, *, ts: int, actor: str, source: str, command: str, target: str, outcome: str
    ) -> None:
        """One operator command: who (`actor`), from where (`source`: tui, api 10.0.0.5...)."""
        await self.settle()
        await self.audit.add(AuditRecord(ts, actor, source, command, target, outcome))

    # -- what recovery reads ----------------------------------------------------------------

    async def open_orders(self, bot: str) -> Sequence[Order]:
        """The bot's orders the journal still thinks are open (every one), newest first."""
        await self.settle()
        return await self.orders.list(bot, open_only=True, limit=None)

    async def orders_of(self, bot: str, *, limit: int | None = None) -> Sequence[Order]:
        """The bot's orders, newest first (every one unless `limit`)."""
        await self.settle()
        return await self.orders.list(bot, limit=limit)

    async def fills_of(self, bot: str) -> Sequence[Fill]:
        """Every fill of the bot, oldest first (the order to replay them in)."""
        await self.settle()
        return await self.fills.list(bot, limit=None, newest_first=False)

    async def fill_ids(self, bot: str) -> frozenset[str]:
        await self.settle()
        return await self.fills.ids(bot)

    async def has_fill(self, fill_id: str) -> bool:
        await self.settle()
        return await self.fills.exists(fill_id)

    async def position_of(self, bot: str, symbol: str) -> Position | None:
        await self.settle()
        return await self.positions.get(bot, symbol)

    # -- funding (the FundingJournal protocol) --------------------------------------------------

    async def record_funding(self, share: FundingFee) -> bool:
        """Insert a bot's share of a funding settlement once; False if it was booked before."""
        await self.settle()
        return await self.funding.add(share)

    async def funding_of(self, bot: str) -> Sequence[FundingFee]:
        """The bot's funding shares, oldest first."""
        await self.settle()
        return await self.funding.list(bot)

    async def acquire_lease(self, bot: str) -> BotLease:
        """Hold `bot` for this process until the lease is released (LeaseError if held)."""
        return await acquire_lease(self.database, bot)
