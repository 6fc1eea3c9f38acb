"""The paper venue's own book: its orders (with the funds resting ones lock), its executions,
and one row of account state (balances, replay cursor, id counters).

These are the simulated exchange's records, apart from the trading journal: after a crash the
journal is reconciled against them exactly as it is against a real exchange.
"""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import BigInteger, Boolean, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.expression import false

from storage.models.base import ID, NAME, SYMBOL, Base, RowId
from storage.types import DecimalText, ExactDecimal, StrEnumText
from traderagent.domain import Liquidity, OrderStatus, OrderType, Side


class PaperOrderRow(Base):
    """Every order the paper venue accepted or refused, by client order id."""

    __tablename__ = "paper_orders"
    __table_args__ = (Index("ix_paper_orders_status", "status"),)

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    client_order_id: Mapped[str] = mapped_column(String(ID), unique=True)
    exchange_order_id: Mapped[str] = mapped_column(String(ID))
    bot: Mapped[str] = mapped_column(String(NAME))
    tag: Mapped[str] = mapped_column(String(NAME))
    symbol: Mapped[str] = mapped_column(String(SYMBOL))
    side: Mapped[Side] = mapped_column(StrEnumText(Side))
    type: Mapped[OrderType] = mapped_column(StrEnumText(OrderType))
    qty: Mapped[Decimal] = mapped_column(ExactDecimal())
    price: Mapped[Decimal | None] = mapped_column(ExactDecimal(), nullable=True)
    status: Mapped[OrderStatus] = mapped_column(StrEnumText(OrderStatus))
    filled_qty: Mapped[Decimal] = mapped_column(ExactDecimal())
    avg_fill_price: Mapped[Decimal | None] = mapped_column(ExactDecimal(), nullable=True)
    reject_reason: Mapped[str] = mapped_column(Text)
    created_ms: Mapped[int] = mapped_column(BigInteger)
    updated_ms: Mapped[int] = mapped_column(BigInteger)
    lock_asset: Mapped[str] = mapped_column(String(SYMBOL))
    """Asset a resting order has locked ('' once it is closed)."""
    lock: Mapped[Decimal] = mapped_column(DecimalText())
    """Exact at any scale: a linear order's margin is a quotient of its leverage."""
    taker: Mapped[bool] = mapped_column(Boolean)
    """Marketable on arrival: its fill pays the taker fee."""
    reduce_only: Mapped[bool] = mapped_column(Boolean, server_default=false())
    """A linear order that may only reduce the position."""


class PaperFillRow(Base):
    """One execution on the paper venue."""

    __tablename__ = "paper_fills"
    __table_args__ = (Index("ix_paper_fills_symbol_ts", "symbol", "ts"),)

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    fill_id: Mapped[str] = mapped_column(String(ID), unique=True)
    client_order_id: Mapped[str] = mapped_column(String(ID))
    bot: Mapped[str] = mapped_column(String(NAME))
    tag: Mapped[str] = mapped_column(String(NAME))
    symbol: Mapped[str] = mapped_column(String(SYMBOL))
    side: Mapped[Side] = mapped_column(StrEnumText(Side))
    price: Mapped[Decimal] = mapped_column(ExactDecimal())
    qty: Mapped[Decimal] = mapped_column(ExactDecimal())
    fee: Mapped[Decimal] = mapped_column(ExactDecimal())
    fee_asset: Mapped[str] = mapped_column(String(SYMBOL))
    liquidity: Mapped[Liquidity] = mapped_column(StrEnumText(Liquidity))
    ts: Mapped[int] = mapped_column(BigInteger)
    closed_size: Mapped[Decimal | None] = mapped_column(ExactDecimal(), nullable=True)
    """A linear fill: what it closed of the position (None: a spot fill)."""
    exec_pnl: Mapped[Decimal | None] = mapped_column(DecimalText(), nullable=True)
    """What it realised before fees: exact at any scale (the entry price is an average)."""
    exec_type: Mapped[str | None] = mapped_column(String(32), nullable=True)


class PaperAccountRow(Base):
    """The paper account's balances and market position, as JSON (Decimals as exact text)."""

    __tablename__ = "paper_account"

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    venue: Mapped[str] = mapped_column(String(NAME), unique=True)
    balances: Mapped[str] = mapped_column(Text)
    mark: Mapped[str] = mapped_column(Text)
    """Replay cursor, last prices and id counters."""
    updated_ms: Mapped[int] = mapped_column(BigInteger)


class PaperPositionRow(Base):
    """A linear paper position per symbol (a row stays when flat: it keeps the realised PnL,
    the funding and when funding was last settled)."""

    __tablename__ = "paper_positions"
    __table_args__ = (UniqueConstraint("venue", "symbol", name="uq_paper_positions_venue_symbol"),)

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    venue: Mapped[str] = mapped_column(String(NAME))
    symbol: Mapped[str] = mapped_column(String(SYMBOL))
    side: Mapped[Side | None] = mapped_column(StrEnumText(Side), nullable=True)
    size: Mapped[Decimal] = mapped_column(DecimalText())
    avg_price: Mapped[Decimal] = mapped_column(DecimalText())
    """Exact: a weighted average of entry prices, at any scale."""
    leverage: Mapped[Decimal] = mapped_column(DecimalText())
    mmr: Mapped[Decimal] = mapped_column(DecimalText())
    margin: Mapped[Decimal] = mapped_column(DecimalText())
    cur_realised: Mapped[Decimal] = mapped_column(DecimalText())
    cum_realised: Mapped[Decimal] = mapped_column(DecimalText())
    funding: Mapped[Decimal] = mapped_column(DecimalText())
    """Funding paid in total (negative: received)."""
    created_ms: Mapped[int] = mapped_column(BigInteger)
    updated_ms: Mapped[int] = mapped_column(BigInteger)
    seq: Mapped[int] = mapped_column(BigInteger)
    funded_ms: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    """Funding is settled for marks up to this (None: no candle of the symbol seen yet)."""
    owner: Mapped[str] = mapped_column(String(NAME))
    """Client-id prefix of the last order that traded it (a liquidation is its)."""
    owner_bot: Mapped[str] = mapped_column(String(NAME))
