"""VIPs affected without writing in on the follow-up board; indexes for period metrics

Revision ID: 0018_followup_more
Revises: 0014_oncall

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018_followup_more"
down_revision = "0014_oncall"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("followups") as batch:
        batch.add_column(sa.Column("affected_by", sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("followups") as batch:
        batch.drop_column("affected_by")
