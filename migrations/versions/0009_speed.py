"""counts kept on the incident, and the last App Home published to each person

Counting an incident's reports and distinct customers on every report cost time that grew
with the incident; the counts now live on ``incidents`` and, per customer, in
``incident_customers`` (updated in the report's own transaction). ``home_views`` remembers
a digest of the Home last published to each person, so an unchanged Home is not
published again. Existing incidents get their counts from their reports.

Revision ID: 0009_speed
Revises: 0008_public_title

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import bot.models

revision = "0009_speed"
down_revision = "0008_public_title"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("report_count", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("customer_count", sa.Integer(), server_default="0", nullable=False)
        )
    op.create_table(
        "incident_customers",
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("customer_key", sa.String(length=200), nullable=False),
        sa.Column("report_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_incident_customers_incident_id_incidents"),
        ),
        sa.PrimaryKeyConstraint("incident_id", "customer_key", name=op.f("pk_incident_customers")),
    )
    op.create_table(
        "home_views",
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("view_hash", sa.String(length=64), nullable=True),
        sa.Column("published_at", bot.models.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_home_views")),
    )
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_index("ix_reminders_incident_id")
        batch_op.create_index(
            "ix_reminders_incident_kind_status", ["incident_id", "kind", "status"], unique=False
        )
    op.execute(
        "INSERT INTO incident_customers (incident_id, customer_key, report_count) "
        "SELECT incident_id, customer_key, COUNT(*) FROM reports "
        "GROUP BY incident_id, customer_key"
    )
    op.execute(
        "UPDATE incidents SET "
        "report_count = (SELECT COUNT(*) FROM reports WHERE reports.incident_id = incidents.id), "
        "customer_count = (SELECT COUNT(*) FROM incident_customers "
        "WHERE incident_customers.incident_id = incidents.id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_index("ix_reminders_incident_kind_status")
        batch_op.create_index("ix_reminders_incident_id", ["incident_id"], unique=False)
    op.drop_table("home_views")
    op.drop_table("incident_customers")
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_column("customer_count")
        batch_op.drop_column("report_count")
