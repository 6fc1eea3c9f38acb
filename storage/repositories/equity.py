"""Equity points: the time series behind the equity chart, per bot or for the whole portfolio."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sqlalchemy import ColumnElement, select

from storage.database import Database
from storage.models import EquityPointRow
from storage.records import EquityPoint


def _for_bot(bot: str | None) -> ColumnElement[bool]:
    # None selects the portfolio series (rows written without a bot), not "every bot".
    return EquityPointRow.bot.is_(None) if bot is None else EquityPointRow.bot == bot


class EquityRepository:
    """The `equity_points` table."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def add(self, ts: int, equity: Decimal, bot: str | None = None) -> None:
        async with self._db.session() as session:
            session.add(EquityPointRow(ts=ts, equity=equity, bot=bot))

    async def list(
        self, bot: str | None = None, *, limit: int | None = 1000
    ) -> Sequence[EquityPoint]:
        """The latest `limit` points of one series, returned oldest first (ready to plot)."""
        stmt = (
            select(EquityPointRow)
            .where(_for_bot(bot))
            .order_by(EquityPointRow.ts.desc(), EquityPointRow.id.desc())
        )
        if limit is not None:
            stmt = stmt.limit(limit)
        async with self._db.session() as session:
            rows = (await session.scalars(stmt)).all()
        return [EquityPoint(ts=row.ts, equity=row.equity, bot=row.bot) for row in reversed(rows)]

    async def latest(self, bot: str | None = None) -> EquityPoint | None:
        points = await self.list(bot, limit=1)
        return points[0] if points else None
