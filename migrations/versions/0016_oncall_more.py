"""PagerDuty reassignments: the details message to edit and the assignees it announced

Revision ID: 0016_oncall_more
Revises: 0015_helpdesk_more

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0016_oncall_more"
down_revision = "0015_helpdesk_more"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pagerduty_incidents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("details_ts", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("announced_assignees", sa.JSON(), nullable=True))
    # Incidents already announced: their assignees were shown, so only later ones are new.
    op.execute(
        "UPDATE pagerduty_incidents SET announced_assignees = assignees "
        "WHERE incident_id IS NOT NULL AND role = 'origin'"
    )


def downgrade() -> None:
    with op.batch_alter_table("pagerduty_incidents", schema=None) as batch_op:
        batch_op.drop_column("announced_assignees")
        batch_op.drop_column("details_ts")
