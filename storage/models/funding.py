"""Funding settlements of perpetual positions, booked to the bots that held them (revision 0005).

One row per (settlement, bot): a settlement of a position two bots shared is split between
them. `amount` is what the bot received (negative: paid), already in its realised PnL.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import BigInteger, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import ID, NAME, SYMBOL, Base, RowId
from storage.types import ExactDecimal, StrEnumText
from traderagent.domain import Side


class FundingRow(Base):
    __tablename__ = "funding_fees"
    __table_args__ = (
        UniqueConstraint("funding_id", "bot", name="uq_funding_fees_funding_bot"),
        Index("ix_funding_fees_bot_ts", "bot", "ts"),
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    funding_id: Mapped[str] = mapped_column(String(ID))
    bot: Mapped[str] = mapped_column(String(NAME))
    symbol: Mapped[str] = mapped_column(String(SYMBOL))
    position_side: Mapped[Side] = mapped_column(StrEnumText(Side))
    position_qty: Mapped[Decimal] = mapped_column(ExactDecimal())
    rate: Mapped[Decimal] = mapped_column(ExactDecimal())
    amount: Mapped[Decimal] = mapped_column(ExactDecimal())
    asset: Mapped[str] = mapped_column(String(SYMBOL))
    ts: Mapped[int] = mapped_column(BigInteger)
