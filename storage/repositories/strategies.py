"""Strategy assignments over time: a regime router switching strategies appends a row."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from storage.database import Database
from storage.jsontext import dump_payload, load_payload
from storage.models import StrategyRow
from storage.records import StrategyRecord


def _to_record(row: StrategyRow) -> StrategyRecord:
    return StrategyRecord(bot=row.bot, kind=row.kind, config=load_payload(row.config), ts=row.ts)


class StrategyRepository:
    """The `strategies` table."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def add(self, bot: str, kind: str, config: dict[str, Any], ts: int) -> None:
        """Record that `bot` runs strategy `kind` with `config` from `ts` on."""
        text = dump_payload(config, f"the {kind} strategy config of bot {bot!r}")
        async with self._db.session() as session:
            session.add(StrategyRow(bot=bot, kind=kind, config=text, ts=ts))

    async def current(self, bot: str) -> StrategyRecord | None:
        """The latest assignment (by time, then by insertion)."""
        history = await self.history(bot, limit=1)
        return history[0] if history else None

    async def history(self, bot: str, *, limit: int | None = 100) -> Sequence[StrategyRecord]:
        """Assignments of one bot, newest first."""
        stmt = (
            select(StrategyRow)
            .where(StrategyRow.bot == bot)
            .order_by(StrategyRow.ts.desc(), StrategyRow.id.desc())
        )
        if limit is not None:
            stmt = stmt.limit(limit)
        async with self._db.session() as session:
            rows = (await session.scalars(stmt)).all()
        return [_to_record(row) for row in rows]
