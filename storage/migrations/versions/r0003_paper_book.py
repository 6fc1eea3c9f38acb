"""The paper venue's own book: orders, executions and account state survive a restart.

Revision ID: 0003
Revises: 0002
Create Date: 2024-07-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import ExactDecimal

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def row_id() -> sa.Column[int]:
    return sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True)


def upgrade() -> None:
    op.create_table(
        "paper_orders",
        row_id(),
        sa.Column("client_order_id", sa.String(64), nullable=False),
        sa.Column("exchange_order_id", sa.String(64), nullable=False),
        sa.Column("bot", sa.String(64), nullable=False),
        sa.Column("tag", sa.String(64), nullable=False),
        sa.Column("symbol", sa.String(32), nullable=False),
        sa.Column("side", sa.String(32), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("qty", ExactDecimal(), nullable=False),
        sa.Column("price", ExactDecimal(), nullable=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("filled_qty", ExactDecimal(), nullable=False),
        sa.Column("avg_fill_price", ExactDecimal(), nullable=True),
        sa.Column("reject_reason", sa.Text(), nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.Column("updated_ms", sa.BigInteger(), nullable=False),
        sa.Column("lock_asset", sa.String(32), nullable=False),
        sa.Column("lock", ExactDecimal(), nullable=False),
        sa.Column("taker", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("client_order_id"),
    )
    op.create_index("ix_paper_orders_status", "paper_orders", ["status"])
    op.create_table(
        "paper_fills",
        row_id(),
        sa.Column("fill_id", sa.String(64), nullable=False),
        sa.Column("client_order_id", sa.String(64), nullable=False),
        sa.Column("bot", sa.String(64), nullable=False),
        sa.Column("tag", sa.String(64), nullable=False),
        sa.Column("symbol", sa.String(32), nullable=False),
        sa.Column("side", sa.String(32), nullable=False),
        sa.Column("price", ExactDecimal(), nullable=False),
        sa.Column("qty", ExactDecimal(), nullable=False),
        sa.Column("fee", ExactDecimal(), nullable=False),
        sa.Column("fee_asset", sa.String(32), nullable=False),
        sa.Column("liquidity", sa.String(32), nullable=False),
        sa.Column("ts", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint("fill_id"),
    )
    op.create_index("ix_paper_fills_symbol_ts", "paper_fills", ["symbol", "ts"])
    op.create_table(
        "paper_account",
        row_id(),
        sa.Column("venue", sa.String(64), nullable=False),
        sa.Column("balances", sa.Text(), nullable=False),
        sa.Column("mark", sa.Text(), nullable=False),
        sa.Column("updated_ms", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint("venue"),
    )


def downgrade() -> None:
    op.drop_index("ix_paper_fills_symbol_ts", table_name="paper_fills")
    op.drop_index("ix_paper_orders_status", table_name="paper_orders")
    for table in ("paper_account", "paper_fills", "paper_orders"):
        op.drop_table(table)
