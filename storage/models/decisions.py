"""What the engine decided and why: strategy assignments, state snapshots and the
account's risk state.

Payloads are JSON text written by `storage.jsontext` (Decimals as exact strings).
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import KIND, NAME, Base, RowId


class StrategyRow(Base):
    """A bot's strategy from `ts` on: a regime router switching strategies appends a row."""

    __tablename__ = "strategies"
    __table_args__ = (Index("ix_strategies_bot_ts", "bot", "ts"),)

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    bot: Mapped[str] = mapped_column(String(NAME))
    kind: Mapped[str] = mapped_column(String(KIND))
    config: Mapped[str] = mapped_column(Text)
    ts: Mapped[int] = mapped_column(BigInteger)


class SnapshotRow(Base):
    """A bot's state for crash recovery; `version` counts up per bot, the highest is latest."""

    __tablename__ = "state_snapshots"
    __table_args__ = (UniqueConstraint("bot", "version", name="uq_state_snapshots_bot_version"),)

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    bot: Mapped[str] = mapped_column(String(NAME))
    version: Mapped[int] = mapped_column(Integer)
    payload: Mapped[str] = mapped_column(Text)
    ts: Mapped[int] = mapped_column(BigInteger)


class RiskStateRow(Base):
    """An account's risk state (equity peak, the day's start, halts and acknowledgements, the
    PnL baseline) as JSON: one row per account, rewritten as it changes, read at a restart."""

    __tablename__ = "account_risk_state"

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    account: Mapped[str] = mapped_column(String(NAME), unique=True)
    payload: Mapped[str] = mapped_column(Text)
    ts: Mapped[int] = mapped_column(BigInteger)
