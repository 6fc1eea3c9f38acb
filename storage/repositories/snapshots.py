"""State snapshots: versioned per bot, the latest one a single indexed lookup, old ones pruned."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, select

from storage.database import Database
from storage.jsontext import dump_payload, load_payload
from storage.models import SnapshotRow
from storage.records import SnapshotRecord


def _to_record(row: SnapshotRow) -> SnapshotRecord:
    return SnapshotRecord(
        bot=row.bot, version=row.version, payload=load_payload(row.payload), ts=row.ts
    )


class SnapshotRepository:
    """The `state_snapshots` table."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def save(self, bot: str, payload: dict[str, Any], ts: int, *, keep: int = 20) -> int:
        """Store a new snapshot and keep only the latest `keep`; returns its version (1, 2...)."""
        text = dump_payload(payload, f"the state snapshot of bot {bot!r}")
        async with self._db.session() as session:
            latest = await session.scalar(
                select(func.max(SnapshotRow.version)).where(SnapshotRow.bot == bot)
            )
            version = (latest or 0) + 1
            session.add(SnapshotRow(bot=bot, version=version, payload=text, ts=ts))
            await session.flush()
            await session.execute(
                delete(SnapshotRow).where(
                    SnapshotRow.bot == bot, SnapshotRow.version <= version - max(keep, 1)
                )
            )
        return version

    async def latest(self, bot: str) -> SnapshotRecord | None:
        stmt = (
            select(SnapshotRow)
            .where(SnapshotRow.bot == bot)
            .order_by(SnapshotRow.version.desc())
            .limit(1)
        )
        async with self._db.session() as session:
            row = await session.scalar(stmt)
        return _to_record(row) if row is not None else None

    async def list(self, bot: str) -> Sequence[SnapshotRecord]:
        """The kept snapshots of one bot, newest first."""
        stmt = (
            select(SnapshotRow).where(SnapshotRow.bot == bot).order_by(SnapshotRow.version.desc())
        )
        async with self._db.session() as session:
            rows = (await session.scalars(stmt)).all()
        return [_to_record(row) for row in rows]
