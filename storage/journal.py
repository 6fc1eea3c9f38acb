"""SqlJournal: the engine's TradeJournal protocol on top of the repositories.

Every method is one short transaction. Read queries go through the exposed repositories,
e.g. `await journal.fills.list(bot="grid-1", limit=50)`; the methods below the protocol ones
are what recovery and the regime router need (snapshots, signals, strategies, audit, leases).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from storage.database import Database
from storage.errors import StorageError
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
    SignalRepository,
    SnapshotRepository,
    StrategyRepository,
)
from traderagent.domain import BotState, Fill, FundingFee, Order, Position

SNAPSHOTS_KEPT = 20


def wall_clock_ms() -> int:
    return time.time_ns() // 1_000_000


class SqlJournal:
    """A TradeJournal backed by SQLite or PostgreSQL.

    `clock_ms` stamps bot registrations, the one write whose protocol method carries no time;
    pass the engine clock's `now_ms` so replays stay deterministic. `snapshots_kept` is how
    many state snapshots per bot survive a save.
    """

    def __init__(
        self,
        database: Database,
        *,
        clock_ms: Callable[[], int] = wall_clock_ms,
        snapshots_kept: int = SNAPSHOTS_KEPT,
    ) -> None:
        self.database = database
        self.bots = BotRepository(database)
        self.orders = OrderRepository(database)
        self.fills = FillRepository(database)
        self.funding = FundingRepository(database)
        self.positions = PositionRepository(database)
        self.equity = EquityRepository(database)
        self.strategies = StrategyRepository(database)
        self.signals = SignalRepository(database)
        self.snapshots = SnapshotRepository(database)
        self.audit = AuditRepository(database)
        self.risk_state = RiskStateRepository(database)
        self._clock_ms = clock_ms
        self._snapshots_kept = snapshots_kept

    @classmethod
    async def open(
        cls, target: str | Path, *, clock_ms: Callable[[], int] = wall_clock_ms
    ) -> SqlJournal:
        """Open the database at a URL or file path, creating or upgrading its schema."""
        return cls(await Database.open(target), clock_ms=clock_ms)

    # -- the TradeJournal protocol ------------------------------------------------------------

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

    # -- decisions: snapshots, signals, strategies ---------------------------------------------

    async def save_snapshot(self, bot: str, payload: dict[str, Any], ts: int) -> int:
        """Store the bot's state (JSON-able; Decimals come back as strings); returns its version."""
        return await self.snapshots.save(bot, payload, ts, keep=self._snapshots_kept)

    async def load_snapshot(self, bot: str) -> tuple[dict[str, Any], int] | None:
        """The latest snapshot's (payload, ts), None if the bot has none."""
        latest = await self.snapshots.latest(bot)
        return (latest.payload, latest.ts) if latest is not None else None

    async def save_risk_state(self, account: str, payload: dict[str, Any], ts: int) -> None:
        """Store the account's risk state (JSON-able; Decimals come back as strings)."""
        await self.risk_state.save(account, payload, ts)

    async def load_risk_state(self, account: str) -> tuple[dict[str, Any], int] | None:
        """The account's stored (risk state, ts), None if none was saved."""
        return await self.risk_state.load(account)

    async def record_signal(self, bot: str, kind: str, payload: dict[str, Any], ts: int) -> None:
        await self.signals.add(bot, kind, payload, ts)

    async def record_strategy(self, bot: str, kind: str, config: dict[str, Any], ts: int) -> None:
        """The bot runs strategy `kind` with `config` from `ts` on (appended, history kept)."""
        await self.strategies.add(bot, kind, config, ts)

    async def current_strategy(self, bot: str) -> tuple[str, dict[str, Any], int] | None:
        """The latest (kind, config, ts) recorded for the bot, None if none."""
        current = await self.strategies.current(bot)
        return (current.kind, current.config, current.ts) if current is not None else None

    async def record_audit(
        self, *, ts: int, actor: str, source: str, command: str, target: str, outcome: str
    ) -> None:
        """One operator command: who (`actor`), from where (`source`: tui, api 10.0.0.5...)."""
        await self.audit.add(AuditRecord(ts, actor, source, command, target, outcome))

    # -- what recovery reads ----------------------------------------------------------------

    async def open_orders(self, bot: str) -> Sequence[Order]:
        """The bot's orders the journal still thinks are open (every one), newest first."""
        return await self.orders.list(bot, open_only=True, limit=None)

    async def orders_of(self, bot: str, *, limit: int | None = None) -> Sequence[Order]:
        """The bot's orders, newest first (every one unless `limit`)."""
        return await self.orders.list(bot, limit=limit)

    async def fills_of(self, bot: str) -> Sequence[Fill]:
        """Every fill of the bot, oldest first (the order to replay them in)."""
        return await self.fills.list(bot, limit=None, newest_first=False)

    async def fill_ids(self, bot: str) -> frozenset[str]:
        return await self.fills.ids(bot)

    async def has_fill(self, fill_id: str) -> bool:
        return await self.fills.exists(fill_id)

    async def position_of(self, bot: str, symbol: str) -> Position | None:
        return await self.positions.get(bot, symbol)

    # -- funding (the FundingJournal protocol) --------------------------------------------------

    async def record_funding(self, share: FundingFee) -> bool:
        """Insert a bot's share of a funding settlement once; False if it was booked before."""
        return await self.funding.add(share)

    async def funding_of(self, bot: str) -> Sequence[FundingFee]:
        """The bot's funding shares, oldest first."""
        return await self.funding.list(bot)

    async def acquire_lease(self, bot: str) -> BotLease:
        """Hold `bot` for this process until the lease is released (LeaseError if held)."""
        return await acquire_lease(self.database, bot)
