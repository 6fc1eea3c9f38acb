"""Operating the program: encrypted exchange credentials and the audit log of commands."""

from __future__ import annotations

from sqlalchemy import BigInteger, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models.base import KIND, NAME, Base, RowId

ACTOR = 128


class CredentialRow(Base):
    """An exchange API key pair; `token` is a Fernet token, nothing here is plain text."""

    __tablename__ = "exchange_credentials"

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(NAME), unique=True)
    token: Mapped[str] = mapped_column(Text)
    created_ms: Mapped[int] = mapped_column(BigInteger)
    updated_ms: Mapped[int] = mapped_column(BigInteger)


class AuditRow(Base):
    """One operator command: who, from where, what, on what, when, and how it ended."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_ts", "ts"),
        Index("ix_audit_log_target_ts", "target", "ts"),
    )

    id: Mapped[int] = mapped_column(RowId, primary_key=True, autoincrement=True)
    ts: Mapped[int] = mapped_column(BigInteger)
    actor: Mapped[str] = mapped_column(String(ACTOR))
    source: Mapped[str] = mapped_column(String(ACTOR))
    command: Mapped[str] = mapped_column(String(KIND))
    target: Mapped[str] = mapped_column(String(NAME))
    outcome: Mapped[str] = mapped_column(Text)
