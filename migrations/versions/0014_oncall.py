"""PagerDuty incident links, escalations to on-call, and Jira issue links

Revision ID: 0014_oncall
Revises: 0013_followups

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014_oncall"
down_revision = "0013_followups"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "pagerduty_incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("number", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("service_id", sa.String(length=64), nullable=True),
        sa.Column("service_name", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("urgency", sa.String(length=16), nullable=True),
        sa.Column("priority", sa.String(length=32), nullable=True),
        sa.Column("applied_priority", sa.String(length=32), nullable=True),
        sa.Column("html_url", sa.String(length=500), nullable=True),
        sa.Column("incident_key", sa.String(length=255), nullable=True),
        sa.Column("assignees", sa.JSON(), nullable=False),
        sa.Column("acknowledged_by", sa.String(length=200), nullable=True),
        sa.Column("acknowledged_told_at", sa.DateTime(), nullable=True),
        sa.Column("conference_url", sa.String(length=500), nullable=True),
        sa.Column("conference_number", sa.String(length=100), nullable=True),
        sa.Column("last_event_at", sa.DateTime(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_pagerduty_incidents_incident_id_incidents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pagerduty_incidents")),
        sa.UniqueConstraint("external_id", name=op.f("uq_pagerduty_incidents_external_id")),
    )
    op.create_index(
        op.f("ix_pagerduty_incidents_incident_id"), "pagerduty_incidents", ["incident_id"]
    )
    op.create_index(
        op.f("ix_pagerduty_incidents_incident_key"), "pagerduty_incidents", ["incident_key"]
    )
    op.create_table(
        "pagerduty_escalations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("service", sa.String(length=200), nullable=False),
        sa.Column("dedup_key", sa.String(length=255), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("paged_by", sa.String(length=32), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("paged_at", sa.DateTime(), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_pagerduty_escalations_incident_id_incidents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pagerduty_escalations")),
    )
    op.create_index(
        op.f("ix_pagerduty_escalations_dedup_key"), "pagerduty_escalations", ["dedup_key"]
    )
    op.create_index(
        "uq_pagerduty_escalations_incident_service",
        "pagerduty_escalations",
        ["incident_id", "service"],
        unique=True,
    )
    op.create_table(
        "jira_issues",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.String(length=16), nullable=False),
        sa.Column("issue_key", sa.String(length=64), nullable=True),
        sa.Column("url", sa.String(length=500), nullable=True),
        sa.Column("requested_by", sa.String(length=32), nullable=False),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=True),
        sa.Column("resolution", sa.String(length=100), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("fix_versions", sa.JSON(), nullable=False),
        sa.Column("released_version", sa.String(length=200), nullable=True),
        sa.Column("released_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_jira_issues_incident_id_incidents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_jira_issues")),
        sa.UniqueConstraint("issue_key", name=op.f("uq_jira_issues_issue_key")),
    )
    op.create_index(op.f("ix_jira_issues_incident_id"), "jira_issues", ["incident_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_jira_issues_incident_id"), table_name="jira_issues")
    op.drop_table("jira_issues")
    op.drop_index("uq_pagerduty_escalations_incident_service", table_name="pagerduty_escalations")
    op.drop_index(op.f("ix_pagerduty_escalations_dedup_key"), table_name="pagerduty_escalations")
    op.drop_table("pagerduty_escalations")
    op.drop_index(op.f("ix_pagerduty_incidents_incident_key"), table_name="pagerduty_incidents")
    op.drop_index(op.f("ix_pagerduty_incidents_incident_id"), table_name="pagerduty_incidents")
    op.drop_table("pagerduty_incidents")
