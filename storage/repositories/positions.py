"""Positions: one row per (bot, symbol), overwritten with the latest value."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from storage.database import Database
from storage.models import PositionRow
from storage.records import PositionRecord
from storage.repositories._sql import upsert_into
from traderagent.domain import Position


def _to_position(row: PositionRow) -> Position:
    return Position(
        symbol=row.symbol,
        qty=row.qty,
        avg_price=row.avg_price,
        realised_pnl=row.realised_pnl,
        fees=row.fees,
    )


class PositionRepository:
    """The `positions` table."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def upsert(self, bot: str, position: Position, now_ms: int) -> None:
        """Store the bot's position in `position.symbol`, replacing the previous one."""
        stmt = upsert_into(self._db.dialect_name, PositionRow).values(
            bot=bot,
            symbol=position.symbol,
            qty=position.qty,
            avg_price=position.avg_price,
            realised_pnl=position.realised_pnl,
            fees=position.fees,
            updated_ms=now_ms,
        )
        new = stmt.excluded
        stmt = stmt.on_conflict_do_update(
            index_elements=[PositionRow.bot, PositionRow.symbol],
            set_={
                "qty": new.qty,
                "avg_price": new.avg_price,
                "realised_pnl": new.realised_pnl,
                "fees": new.fees,
                "updated_ms": new.updated_ms,
            },
        )
        async with self._db.session() as session:
            await session.execute(stmt)

    async def get(self, bot: str, symbol: str) -> Position | None:
        stmt = select(PositionRow).where(PositionRow.bot == bot, PositionRow.symbol == symbol)
        async with self._db.session() as session:
            row = await session.scalar(stmt)
        return _to_position(row) if row is not None else None

    async def list(self, bot: str | None = None) -> Sequence[PositionRecord]:
        """Positions by bot then symbol (flat ones included: they carry realised PnL)."""
        stmt = select(PositionRow).order_by(PositionRow.bot, PositionRow.symbol)
        if bot is not None:
            stmt = stmt.where(PositionRow.bot == bot)
        async with self._db.session() as session:
            rows = (await session.scalars(stmt)).all()
        return [
            PositionRecord(bot=row.bot, position=_to_position(row), updated_ms=row.updated_ms)
            for row in rows
        ]
