"""VIPs affected without writing in on the follow-up board; indexes for period metrics

Revision ID: 0018_followup_more
Revises: 0017_status_subscribers

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018_followup_more"
down_revision = "0017_status_subscribers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("followups") as batch:
        batch.add_column(sa.Column("affected_by", sa.String(length=300), nullable=True))
    # A period's incidents are found by their opening time; the cadence figure walks each
    # incident's updates in order (see bot/services/metrics/compute.py).
    op.create_index(op.f("ix_incidents_opened_at"), "incidents", ["opened_at"])
    op.create_index(
        "ix_status_updates_cadence",
        "status_updates",
        ["incident_id", "posted_at", "id", "next_update_at"],
    )


def downgrade() -> None:
    op.drop_index("ix_status_updates_cadence", table_name="status_updates")
    op.drop_index(op.f("ix_incidents_opened_at"), table_name="incidents")
    with op.batch_alter_table("followups") as batch:
        batch.drop_column("affected_by")
