"""Storage in full: strategies, signals, state snapshots, exchange credentials, audit log.

Revision ID: 0002
Revises: 0001
Create Date: 2024-06-15
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def row_id() -> sa.Column[int]:
    return sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True)


def upgrade() -> None:
    op.create_table(
        "strategies",
        row_id(),
        sa.Column("bot", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("config", sa.Text(), nullable=False),
        sa.Column("ts", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_strategies_bot_ts", "strategies", ["bot", "ts"])
    op.create_table(
        "signals",
        row_id(),
        sa.Column("bot", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("ts", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_signals_bot_ts", "signals", ["bot", "ts"])
    op.create_index("ix_signals_kind_ts", "signals", ["kind", "ts"])
    op.create_table(
        "state_snapshots",
        row_id(),
        sa.Column("bot", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("ts", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint("bot", "version", name="uq_state_snapshots_bot_version"),
    )
    op.create_table(
        "exchange_credentials",
        row_id(),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("token", sa.Text(), nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.Column("updated_ms", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "audit_log",
        row_id(),
        sa.Column("ts", sa.BigInteger(), nullable=False),
        sa.Column("actor", sa.String(128), nullable=False),
        sa.Column("source", sa.String(128), nullable=False),
        sa.Column("command", sa.String(64), nullable=False),
        sa.Column("target", sa.String(64), nullable=False),
        sa.Column("outcome", sa.Text(), nullable=False),
    )
    op.create_index("ix_audit_log_ts", "audit_log", ["ts"])
    op.create_index("ix_audit_log_target_ts", "audit_log", ["target", "ts"])


def downgrade() -> None:
    op.drop_index("ix_audit_log_target_ts", table_name="audit_log")
    op.drop_index("ix_audit_log_ts", table_name="audit_log")
    op.drop_index("ix_signals_kind_ts", table_name="signals")
    op.drop_index("ix_signals_bot_ts", table_name="signals")
    op.drop_index("ix_strategies_bot_ts", table_name="strategies")
    for table in ("audit_log", "exchange_credentials", "state_snapshots", "signals", "strategies"):
        op.drop_table(table)
