"""Bots: registration (upsert by name), lifecycle state, and lookups for the TUI."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, update

from storage.database import Database
from storage.models import BotRow
from storage.records import BotRecord
from storage.repositories._sql import affected_rows, upsert_into
from traderagent.domain import BotState


def _to_record(row: BotRow) -> BotRecord:
    config = json.loads(row.config) if row.config else {}
    return BotRecord(
        name=row.name,
        symbol=row.symbol,
        strategy=row.strategy,
        state=row.state,
        config=config if isinstance(config, dict) else {},
        created_ms=row.created_ms,
        updated_ms=row.updated_ms,
        market=row.market,
    )


def config_json(config: dict[str, Any]) -> str:
    """Stable JSON text; values JSON cannot hold (Decimal, Path) are stored as their str()."""
    return json.dumps(config, sort_keys=True, default=str)


class BotRepository:
    """The `bots` table."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def upsert(
        self,
        name: str,
        symbol: str,
        strategy: str,
        config: dict[str, Any],
        now_ms: int,
        market: str = "spot",
    ) -> None:
        """Register a bot, or update symbol/strategy/config/market if it exists (state is
        kept)."""
        stmt = upsert_into(self._db.dialect_name, BotRow).values(
            name=name,
            symbol=symbol,
            strategy=strategy,
            state=BotState.STOPPED,
            config=config_json(config),
            created_ms=now_ms,
            updated_ms=now_ms,
            market=market,
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[BotRow.name],
            set_={
                "symbol": stmt.excluded.symbol,
                "strategy": stmt.excluded.strategy,
                "config": stmt.excluded.config,
                "updated_ms": stmt.excluded.updated_ms,
                "market": stmt.excluded.market,
            },
        )
        async with self._db.session() as session:
            await session.execute(stmt)

    async def set_state(self, name: str, state: BotState, now_ms: int) -> bool:
        """Store the bot's lifecycle state; False if no bot has that name."""
        stmt = update(BotRow).where(BotRow.name == name).values(state=state, updated_ms=now_ms)
        async with self._db.session() as session:
            updated = affected_rows(await session.execute(stmt))
        return updated > 0

    async def get(self, name: str) -> BotRecord | None:
        async with self._db.session() as session:
            row = await session.scalar(select(BotRow).where(BotRow.name == name))
        return _to_record(row) if row is not None else None

    async def list(self) -> Sequence[BotRecord]:
        """Every registered bot, by name."""
        async with self._db.session() as session:
            rows = (await session.scalars(select(BotRow).order_by(BotRow.name))).all()
        return [_to_record(row) for row in rows]
