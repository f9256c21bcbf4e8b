"""Report features carry their report's incident and customer; an index of VIP reporters

Revision ID: 0019_impact_speed
Revises: 0018_followup_more

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019_impact_speed"
down_revision = "0018_followup_more"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The impact summary counts reports and customers per feature from one index instead
    # of joining every report of the incident (see bot/services/impact/aggregate.py).
    with op.batch_alter_table("report_features") as batch:
        batch.add_column(sa.Column("incident_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("customer_key", sa.String(length=200), nullable=True))
    op.execute(
        "UPDATE report_features SET"
        " incident_id = (SELECT reports.incident_id FROM reports"
        " WHERE reports.id = report_features.report_id),"
        " customer_key = (SELECT reports.customer_key FROM reports"
        " WHERE reports.id = report_features.report_id)"
    )
    with op.batch_alter_table("report_features") as batch:
        batch.alter_column("incident_id", existing_type=sa.Integer(), nullable=False)
        batch.alter_column("customer_key", existing_type=sa.String(length=200), nullable=False)
        batch.create_index(
            "ix_report_features_incident", ["incident_id", "feature", "customer_key"]
        )
    op.create_index(
        "ix_reports_incident_vips",
        "reports",
        ["incident_id", "customer_key", "customer_name"],
        sqlite_where=sa.text("vip = 1"),
        postgresql_where=sa.text("vip"),
    )


def downgrade() -> None:
    op.drop_index("ix_reports_incident_vips", table_name="reports")
    with op.batch_alter_table("report_features") as batch:
        batch.drop_index("ix_report_features_incident")
        batch.drop_column("customer_key")
        batch.drop_column("incident_id")
