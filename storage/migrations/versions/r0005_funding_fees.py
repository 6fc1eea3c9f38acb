"""Funding settlements of perpetual positions, booked per bot (one row per settlement and bot).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import ExactDecimal

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "funding_fees",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("funding_id", sa.String(64), nullable=False),
        sa.Column("bot", sa.String(64), nullable=False),
        sa.Column("symbol", sa.String(32), nullable=False),
        sa.Column("position_side", sa.String(32), nullable=False),
        sa.Column("position_qty", ExactDecimal(), nullable=False),
        sa.Column("rate", ExactDecimal(), nullable=False),
        sa.Column("amount", ExactDecimal(), nullable=False),
        sa.Column("asset", sa.String(32), nullable=False),
        sa.Column("ts", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint("funding_id", "bot", name="uq_funding_fees_funding_bot"),
    )
    op.create_index("ix_funding_fees_bot_ts", "funding_fees", ["bot", "ts"])


def downgrade() -> None:
    op.drop_index("ix_funding_fees_bot_ts", table_name="funding_fees")
    op.drop_table("funding_fees")
