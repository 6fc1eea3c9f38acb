"""The linear paper venue keeps its book too: its positions (size, entry, leverage, margin,
realised PnL, funding and when it was last settled), which resting orders are reduce-only,
and what each linear fill closed and realised. The funds a resting order locks become exact
text on PostgreSQL too (a linear order's margin is a quotient of its leverage: NUMERIC(38, 18)
would round it, and releasing it would then not return exactly what was locked).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from storage.types import ExactDecimal

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "paper_positions",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True),
        sa.Column("venue", sa.String(64), nullable=False),
        sa.Column("symbol", sa.String(32), nullable=False),
        sa.Column("side", sa.String(32), nullable=True),
        sa.Column("size", sa.Text(), nullable=False),
        sa.Column("avg_price", sa.Text(), nullable=False),
        sa.Column("leverage", sa.Text(), nullable=False),
        sa.Column("mmr", sa.Text(), nullable=False),
        sa.Column("margin", sa.Text(), nullable=False),
        sa.Column("cur_realised", sa.Text(), nullable=False),
        sa.Column("cum_realised", sa.Text(), nullable=False),
        sa.Column("funding", sa.Text(), nullable=False),
        sa.Column("created_ms", sa.BigInteger(), nullable=False),
        sa.Column("updated_ms", sa.BigInteger(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("funded_ms", sa.BigInteger(), nullable=True),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("owner_bot", sa.String(64), nullable=False),
        sa.UniqueConstraint("venue", "symbol", name="uq_paper_positions_venue_symbol"),
    )
    with op.batch_alter_table("paper_orders") as batch:
        batch.add_column(
            sa.Column("reduce_only", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    if op.get_bind().dialect.name == "postgresql":  # SQLite keeps it as TEXT already
        op.alter_column(
            "paper_orders", "lock", type_=sa.Text(), existing_type=ExactDecimal(),
            existing_nullable=False, postgresql_using='"lock"::text',
        )  # fmt: skip
    with op.batch_alter_table("paper_fills") as batch:
        batch.add_column(sa.Column("closed_size", ExactDecimal(), nullable=True))
        batch.add_column(sa.Column("exec_pnl", sa.Text(), nullable=True))
        batch.add_column(sa.Column("exec_type", sa.String(32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("paper_fills") as batch:
        for column in ("exec_type", "exec_pnl", "closed_size"):
            batch.drop_column(column)
    with op.batch_alter_table("paper_orders") as batch:
        batch.drop_column("reduce_only")
    if op.get_bind().dialect.name == "postgresql":
        op.alter_column(
            "paper_orders", "lock", type_=ExactDecimal(), existing_type=sa.Text(),
            existing_nullable=False, postgresql_using='"lock"::numeric(38, 18)',
        )  # fmt: skip
    op.drop_table("paper_positions")
