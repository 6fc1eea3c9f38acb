"""Fills: inserted once by fill id, listed newest first by default."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select

from storage.database import Database
from storage.models import FillRow
from storage.repositories._sql import affected_rows, upsert_into
from traderagent.domain import Fill


def _to_fill(row: FillRow) -> Fill:
    return Fill(
        fill_id=row.fill_id,
        client_order_id=row.client_order_id,
        symbol=row.symbol,
        side=row.side,
        price=row.price,
        qty=row.qty,
        fee=row.fee,
        fee_asset=row.fee_asset,
        liquidity=row.liquidity,
        ts=row.ts,
        bot=row.bot,
        tag=row.tag,
    )


class FillRepository:
    """The `fills` table."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def add(self, fill: Fill) -> bool:
        """Insert the fill; False (and nothing written) if its fill id is already stored."""
        stmt = (
            upsert_into(self._db.dialect_name, FillRow)
            .values(
                fill_id=fill.fill_id,
                client_order_id=fill.client_order_id,
                bot=fill.bot,
                symbol=fill.symbol,
                side=fill.side,
                price=fill.price,
                qty=fill.qty,
                fee=fill.fee,
                fee_asset=fill.fee_asset,
                liquidity=fill.liquidity,
                tag=fill.tag,
                ts=fill.ts,
            )
            .on_conflict_do_nothing(index_elements=[FillRow.fill_id])
        )
        async with self._db.session() as session:
            return affected_rows(await session.execute(stmt)) > 0

    async def list(
        self,
        bot: str | None = None,
        *,
        client_order_id: str | None = None,
        limit: int | None = 200,
        newest_first: bool = True,
    ) -> Sequence[Fill]:
        """Fills ordered by time, newest first unless `newest_first=False` (oldest first).

        `limit` applies after ordering: newest-first gives the latest N, oldest-first the first N.
        """
        ts_order = FillRow.ts.desc() if newest_first else FillRow.ts.asc()
        id_order = FillRow.id.desc() if newest_first else FillRow.id.asc()
        stmt = select(FillRow).order_by(ts_order, id_order)
        if bot is not None:
            stmt = stmt.where(FillRow.bot == bot)
        if client_order_id is not None:
            stmt = stmt.where(FillRow.client_order_id == client_order_id)
        if limit is not None:
            stmt = stmt.limit(limit)
        async with self._db.session() as session:
            rows = (await session.scalars(stmt)).all()
        return [_to_fill(row) for row in rows]

    async def count(self, bot: str | None = None) -> int:
        """How many fills are stored for this bot (every bot if None)."""
        stmt = select(func.count()).select_from(FillRow)
        if bot is not None:
            stmt = stmt.where(FillRow.bot == bot)
        async with self._db.session() as session:
            return (await session.scalar(stmt)) or 0

    async def ids(self, bot: str) -> frozenset[str]:
        """Every fill id stored for this bot (recovery skips fills it has already applied)."""
        async with self._db.session() as session:
            rows = await session.scalars(select(FillRow.fill_id).where(FillRow.bot == bot))
            return frozenset(rows.all())

    async def exists(self, fill_id: str) -> bool:
        stmt = select(FillRow.id).where(FillRow.fill_id == fill_id).limit(1)
        async with self._db.session() as session:
            return (await session.scalar(stmt)) is not None
