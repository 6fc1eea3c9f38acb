"""The trading journal: bots, orders, fills, positions, equity points.

Exactly the schema TraderAgent created with `create_all` before it had migrations, so a
database from that version is stamped at this revision and upgraded from here.

Revision ID: 0001
Revises:
Create Date: 2024-06-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import ExactDecimal

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def row_id() -> sa.Column[int]:
    return sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True)


def upgrade() -> None:
    op.create_table(
        "bots",
        row_id(),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("symbol", sa.String(32), nullable=False),
        sa.Column("strategy", sa.String(64), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("config", sa.Text(), nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.Column("updated_ms", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "orders",
        row_id(),
        sa.Column("client_order_id", sa.String(64), nullable=False),
        sa.Column("bot", sa.String(64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=True),
        sa.Column("symbol", sa.String(32), nullable=False),
        sa.Column("side", sa.String(32), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("qty", ExactDecimal(), nullable=False),
        sa.Column("price", ExactDecimal(), nullable=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("filled_qty", ExactDecimal(), nullable=False),
        sa.Column("avg_fill_price", ExactDecimal(), nullable=True),
        sa.Column("exchange_order_id", sa.String(64), nullable=False),
        sa.Column("reject_reason", sa.Text(), nullable=False),
        sa.Column("tag", sa.String(64), nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.Column("updated_ms", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint("client_order_id"),
    )
    op.create_index("ix_orders_bot_status", "orders", ["bot", "status"])
    op.create_index("ix_orders_bot_seq", "orders", ["bot", "seq"])
    op.create_table(
        "fills",
        row_id(),
        sa.Column("fill_id", sa.String(64), nullable=False),
        sa.Column("client_order_id", sa.String(64), nullable=False),
        sa.Column("bot", sa.String(64), nullable=False),
        sa.Column("symbol", sa.String(32), nullable=False),
        sa.Column("side", sa.String(32), nullable=False),
        sa.Column("price", ExactDecimal(), nullable=False),
        sa.Column("qty", ExactDecimal(), nullable=False),
        sa.Column("fee", ExactDecimal(), nullable=False),
        sa.Column("fee_asset", sa.String(32), nullable=False),
        sa.Column("liquidity", sa.String(32), nullable=False),
        sa.Column("tag", sa.String(64), nullable=False),
        sa.Column("ts", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint("fill_id"),
    )
    op.create_index("ix_fills_client_order_id", "fills", ["client_order_id"])
    op.create_index("ix_fills_bot_ts", "fills", ["bot", "ts"])
    op.create_table(
        "positions",
        row_id(),
        sa.Column("bot", sa.String(64), nullable=False),
        sa.Column("symbol", sa.String(32), nullable=False),
        sa.Column("qty", ExactDecimal(), nullable=False),
        sa.Column("avg_price", ExactDecimal(), nullable=False),
        sa.Column("realised_pnl", ExactDecimal(), nullable=False),
        sa.Column("fees", ExactDecimal(), nullable=False),
        sa.Column("updated_ms", sa.BigInteger(), nullable=False),
        sa.UniqueConstraint("bot", "symbol", name="uq_positions_bot_symbol"),
    )
    op.create_table(
        "equity_points",
        row_id(),
        sa.Column("bot", sa.String(64), nullable=True),
        sa.Column("ts", sa.BigInteger(), nullable=False),
        sa.Column("equity", ExactDecimal(), nullable=False),
    )
    op.create_index("ix_equity_points_bot_ts", "equity_points", ["bot", "ts"])


def downgrade() -> None:
    for index, table in [
        ("ix_equity_points_bot_ts", "equity_points"),
        ("ix_fills_bot_ts", "fills"),
        ("ix_fills_client_order_id", "fills"),
        ("ix_orders_bot_seq", "orders"),
        ("ix_orders_bot_status", "orders"),
    ]:
        op.drop_index(index, table_name=table)
    for table in ("equity_points", "positions", "fills", "orders", "bots"):
        op.drop_table(table)
