"""The market a bot trades (`spot`, or `linear` for a perpetual, whose sells may open shorts):
`traderagent trades` matches a perpetual bot's fills as signed positions.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bots") as batch:
        batch.add_column(sa.Column("market", sa.String(16), nullable=False, server_default="spot"))


def downgrade() -> None:
    with op.batch_alter_table("bots") as batch:
        batch.drop_column("market")
