"""Drop the `signals` table: nothing ever wrote a signal (regime changes and strategy switches
are kept as events, strategies and the audit log), so the table stayed empty.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_signals_kind_ts", table_name="signals")
    op.drop_index("ix_signals_bot_ts", table_name="signals")
    op.drop_table("signals")


def downgrade() -> None:
    op.create_table(
        "signals",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("bot", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("ts", sa.BigInteger(), nullable=False),
    )
    op.create_index("ix_signals_bot_ts", "signals", ["bot", "ts"])
    op.create_index("ix_signals_kind_ts", "signals", ["kind", "ts"])
