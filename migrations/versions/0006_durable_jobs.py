"""durable jobs: first claim time of a job, and the assessment deadline on its incident

A reclaimed job looks for what an earlier attempt may already have posted no further back
than that attempt's claim (``reminders.first_claimed_at``). The impact assessment deadline
is a fact about the incident, so it moves from the payload of its reminder to
``incidents.assessment_due_at`` (filled in here from the reminders already scheduled).
The table keeps its name ``reminders``: it now holds every kind of durable job.

Revision ID: 0006_jobs
Revises: 0005_accounts

"""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

import bot.models

revision = "0006_jobs"
down_revision = "0005_accounts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.add_column(sa.Column("first_claimed_at", bot.models.UTCDateTime(), nullable=True))
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("assessment_due_at", bot.models.UTCDateTime(), nullable=True))
    _backfill_assessment_due()


def _backfill_assessment_due() -> None:
    """The latest assessment deadline each incident's reminders carry."""
    connection = op.get_bind()
    rows = connection.execute(
        sa.text(
            "SELECT incident_id, payload FROM reminders "
            "WHERE kind = 'cadence.assessment.due' AND status != 'cancelled' ORDER BY id"
        )
    ).all()
    due: dict[int, datetime] = {}
    for incident_id, payload in rows:
        values = json.loads(payload) if isinstance(payload, str) else payload
        if incident_id is not None and values and "due" in values:
            due[incident_id] = datetime.fromtimestamp(int(values["due"]), UTC)
    incidents = sa.table(
        "incidents",
        sa.column("id", sa.Integer),
        sa.column("assessment_due_at", bot.models.UTCDateTime()),
    )
    for incident_id, moment in due.items():
        connection.execute(
            incidents.update().where(incidents.c.id == incident_id).values(assessment_due_at=moment)
        )


def downgrade() -> None:
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): recreating ``incidents`` would
    # trip the foreign keys that point at it.
    with op.batch_alter_table("incidents", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("assessment_due_at")
    with op.batch_alter_table("reminders", schema=None, recreate="never") as batch_op:
        batch_op.drop_column("first_claimed_at")
