"""The audit log of operator commands (pause, halt, keys add...), append-only."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from storage.database import Database
from storage.models import AuditRow
from storage.records import AuditRecord


class AuditRepository:
    """The `audit_log` table."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def add(self, record: AuditRecord) -> None:
        async with self._db.session() as session:
            session.add(
                AuditRow(
                    ts=record.ts,
                    actor=record.actor,
                    source=record.source,
                    command=record.command,
                    target=record.target,
                    outcome=record.outcome,
                )
            )

    async def list(
        self, *, target: str | None = None, limit: int | None = 200
    ) -> Sequence[AuditRecord]:
        """Entries newest first; `target` None means every target."""
        stmt = select(AuditRow).order_by(AuditRow.ts.desc(), AuditRow.id.desc())
        if target is not None:
            stmt = stmt.where(AuditRow.target == target)
        if limit is not None:
            stmt = stmt.limit(limit)
        async with self._db.session() as session:
            rows = (await session.scalars(stmt)).all()
        return [
            AuditRecord(
                ts=row.ts,
                actor=row.actor,
                source=row.source,
                command=row.command,
                target=row.target,
                outcome=row.outcome,
            )
            for row in rows
        ]
