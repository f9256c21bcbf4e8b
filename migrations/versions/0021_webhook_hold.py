"""A webhook subscriber whose address came to point inside the network is held, and why

Revision ID: 0021_webhook_hold
Revises: 0020_delivery_pruning

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021_webhook_hold"
down_revision = "0020_delivery_pruning"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("page_subscribers") as batch:
        batch.add_column(sa.Column("held_since", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("held_reason", sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("page_subscribers") as batch:
        batch.drop_column("held_reason")
        batch.drop_column("held_since")
