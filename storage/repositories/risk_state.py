"""The account's risk state: one JSON row per account, replaced as a whole on every save."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from storage.database import Database
from storage.jsontext import dump_payload, load_payload
from storage.models import RiskStateRow
from storage.repositories._sql import upsert_into


class RiskStateRepository:
    """The `account_risk_state` table."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def save(self, account: str, payload: dict[str, Any], ts: int) -> None:
        """Store `account`'s risk state as of `ts`, replacing the one stored before."""
        text = dump_payload(payload, f"the risk state of account {account!r}")
        stmt = upsert_into(self._db.dialect_name, RiskStateRow).values(
            account=account, payload=text, ts=ts
        )
        stmt = stmt.on_conflict_do_update(
            index_elements=[RiskStateRow.account],
            set_={"payload": stmt.excluded.payload, "ts": stmt.excluded.ts},
        )
        async with self._db.session() as session:
            await session.execute(stmt)

    async def load(self, account: str) -> tuple[dict[str, Any], int] | None:
        """The stored (payload, ts) of `account`, None if it has none."""
        stmt = select(RiskStateRow).where(RiskStateRow.account == account)
        async with self._db.session() as session:
            row = await session.scalar(stmt)
        return (load_payload(row.payload), row.ts) if row is not None else None
