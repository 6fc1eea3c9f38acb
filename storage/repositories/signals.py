"""Signals: strategy and regime decisions worth keeping, newest first when listed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from storage.database import Database
from storage.jsontext import dump_payload, load_payload
from storage.models import SignalRow
from storage.records import SignalRecord


class SignalRepository:
    """The `signals` table."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def add(self, bot: str, kind: str, payload: dict[str, Any], ts: int) -> None:
        text = dump_payload(payload, f"the {kind} signal of bot {bot!r}")
        async with self._db.session() as session:
            session.add(SignalRow(bot=bot, kind=kind, payload=text, ts=ts))

    async def list(
        self, bot: str | None = None, *, kind: str | None = None, limit: int | None = 200
    ) -> Sequence[SignalRecord]:
        """Signals newest first; `bot`/`kind` None means any, `limit` None means all."""
        stmt = select(SignalRow).order_by(SignalRow.ts.desc(), SignalRow.id.desc())
        if bot is not None:
            stmt = stmt.where(SignalRow.bot == bot)
        if kind is not None:
            stmt = stmt.where(SignalRow.kind == kind)
        if limit is not None:
            stmt = stmt.limit(limit)
        async with self._db.session() as session:
            rows = (await session.scalars(stmt)).all()
        return [
            SignalRecord(bot=row.bot, kind=row.kind, payload=load_payload(row.payload), ts=row.ts)
            for row in rows
        ]
