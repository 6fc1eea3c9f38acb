"""Funding settlements booked to bots: inserted once per (settlement, bot), listed in time."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from storage.database import Database
from storage.models import FundingRow
from storage.repositories._sql import affected_rows, upsert_into
from traderagent.domain import FundingFee


def _to_fee(row: FundingRow) -> FundingFee:
    return FundingFee(
        funding_id=row.funding_id,
        symbol=row.symbol,
        position_side=row.position_side,
        position_qty=row.position_qty,
        rate=row.rate,
        amount=row.amount,
        asset=row.asset,
        ts=row.ts,
        bot=row.bot,
    )


class FundingRepository:
    """The `funding_fees` table."""

    def __init__(self, database: Database) -> None:
        self._db = database

    async def add(self, share: FundingFee) -> bool:
        """Insert a bot's share; False (nothing written) if that bot has it already."""
        stmt = (
            upsert_into(self._db.dialect_name, FundingRow)
            .values(
                funding_id=share.funding_id,
                bot=share.bot,
                symbol=share.symbol,
                position_side=share.position_side,
                position_qty=share.position_qty,
                rate=share.rate,
                amount=share.amount,
                asset=share.asset,
                ts=share.ts,
            )
            .on_conflict_do_nothing(index_elements=[FundingRow.funding_id, FundingRow.bot])
        )
        async with self._db.session() as session:
            return affected_rows(await session.execute(stmt)) > 0

    async def list(self, bot: str) -> Sequence[FundingFee]:
        """The bot's funding shares, oldest first."""
        query = select(FundingRow).where(FundingRow.bot == bot).order_by(FundingRow.ts)
        async with self._db.session() as session:
            return [_to_fee(row) for row in (await session.execute(query)).scalars()]
