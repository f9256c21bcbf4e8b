"""intake: submission keys that make replayed reports and status updates store nothing

A report or status update records the source-neutral key of the submission that made it
(``slack:view:<view id>``, ``zendesk:ticket:<id>:<updated_at>``). The keys are unique, so
the same form submitted four times (Slack retries, a double click reaching two replicas)
stores one row, whichever replica gets there first.

Revision ID: 0007_intake
Revises: 0006_jobs

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_intake"
down_revision = "0006_jobs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("submission_key", sa.String(length=200), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_reports_submission_key"), ["submission_key"]
        )
    with op.batch_alter_table("status_updates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("submission_key", sa.String(length=200), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_status_updates_submission_key"), ["submission_key"]
        )


def downgrade() -> None:
    with op.batch_alter_table("status_updates", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_status_updates_submission_key"), type_="unique")
        batch_op.drop_column("submission_key")
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_reports_submission_key"), type_="unique")
        batch_op.drop_column("submission_key")
