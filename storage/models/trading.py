"""The trading journal: bots, orders, fills, positions and equity. Times are epoch ms (UTC).

`bot` columns hold the bot name as plain text (no foreign key) so an order or fill reported by
the exchange can be journalled even before its bot row exists (for example during recovery).
These five tables are the schema of revision 0001 (the pre-migration schema, unchanged).
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import BigInteger, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import ID, NAME, SYMBOL, Base, RowId
from storage.types import ExactDecimal, StrEnumText
from traderagent.domain import BotState, Liquidity, OrderStatus, OrderType, Side


class BotRow(Base):
    __tablename__ = "bots"

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(NAME), unique=True)
    symbol: Mapped[str] = mapped_column(String(SYMBOL))
    strategy: Mapped[str] = mapped_column(String(NAME))
    state: Mapped[BotState] = mapped_column(StrEnumText(BotState), default=BotState.STOPPED)
    config: Mapped[str] = mapped_column(Text, default="{}")  # JSON text
    created_ms: Mapped[int] = mapped_column(BigInteger)
    updated_ms: Mapped[int] = mapped_column(BigInteger)
    market: Mapped[str] = mapped_column(String(16), default="spot", server_default="spot")
    """`spot`, or `linear` (a perpetual: the position is signed, a sell may open a short)."""


class OrderRow(Base):
    __tablename__ = "orders"
    __table_args__ = (
        Index("ix_orders_bot_status", "bot", "status"),
        Index("ix_orders_bot_seq", "bot", "seq"),
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    client_order_id: Mapped[str] = mapped_column(String(ID), unique=True)
    bot: Mapped[str] = mapped_column(String(NAME), default="")
    seq: Mapped[int | None] = mapped_column(Integer, nullable=True)
    symbol: Mapped[str] = mapped_column(String(SYMBOL))
    side: Mapped[Side] = mapped_column(StrEnumText(Side))
    type: Mapped[OrderType] = mapped_column(StrEnumText(OrderType))
    qty: Mapped[Decimal] = mapped_column(ExactDecimal())
    price: Mapped[Decimal | None] = mapped_column(ExactDecimal(), nullable=True)
    status: Mapped[OrderStatus] = mapped_column(StrEnumText(OrderStatus))
    filled_qty: Mapped[Decimal] = mapped_column(ExactDecimal())
    avg_fill_price: Mapped[Decimal | None] = mapped_column(ExactDecimal(), nullable=True)
    exchange_order_id: Mapped[str] = mapped_column(String(ID), default="")
    reject_reason: Mapped[str] = mapped_column(Text, default="")
    tag: Mapped[str] = mapped_column(String(NAME), default="")
    created_ms: Mapped[int] = mapped_column(BigInteger)
    updated_ms: Mapped[int] = mapped_column(BigInteger)


class FillRow(Base):
    __tablename__ = "fills"
    __table_args__ = (
        Index("ix_fills_bot_ts", "bot", "ts"),
        Index("ix_fills_client_order_id", "client_order_id"),
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    fill_id: Mapped[str] = mapped_column(String(ID), unique=True)
    client_order_id: Mapped[str] = mapped_column(String(ID))
    bot: Mapped[str] = mapped_column(String(NAME), default="")
    symbol: Mapped[str] = mapped_column(String(SYMBOL))
    side: Mapped[Side] = mapped_column(StrEnumText(Side))
    price: Mapped[Decimal] = mapped_column(ExactDecimal())
    qty: Mapped[Decimal] = mapped_column(ExactDecimal())
    fee: Mapped[Decimal] = mapped_column(ExactDecimal())
    fee_asset: Mapped[str] = mapped_column(String(SYMBOL))
    liquidity: Mapped[Liquidity] = mapped_column(StrEnumText(Liquidity))
    tag: Mapped[str] = mapped_column(String(NAME), default="")
    ts: Mapped[int] = mapped_column(BigInteger)


class PositionRow(Base):
    __tablename__ = "positions"
    __table_args__ = (UniqueConstraint("bot", "symbol", name="uq_positions_bot_symbol"),)

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    bot: Mapped[str] = mapped_column(String(NAME))
    symbol: Mapped[str] = mapped_column(String(SYMBOL))
    qty: Mapped[Decimal] = mapped_column(ExactDecimal())
    avg_price: Mapped[Decimal] = mapped_column(ExactDecimal())
    realised_pnl: Mapped[Decimal] = mapped_column(ExactDecimal())
    fees: Mapped[Decimal] = mapped_column(ExactDecimal())
    updated_ms: Mapped[int] = mapped_column(BigInteger)


class EquityPointRow(Base):
    __tablename__ = "equity_points"
    __table_args__ = (Index("ix_equity_points_bot_ts", "bot", "ts"),)

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    bot: Mapped[str | None] = mapped_column(String(NAME), nullable=True)  # None: whole portfolio
    ts: Mapped[int] = mapped_column(BigInteger)
    equity: Mapped[Decimal] = mapped_column(ExactDecimal())
