"""after the incident: follow-up board, SLA credits owed, severity changes, and indexes
that let the metrics read first contacts and ticket SLAs per incident from indexes alone

Revision ID: 0013_followups
Revises: 0012_status_page

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_followups"
down_revision = "0012_status_page"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "followups",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("customer_key", sa.String(length=200), nullable=False),
        sa.Column("customer_name", sa.String(length=200), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=True),
        sa.Column("reasons", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("told_by", sa.String(length=32), nullable=True),
        sa.Column("told_at", sa.DateTime(), nullable=True),
        sa.Column("told_how", sa.String(length=16), nullable=True),
        sa.Column("not_needed_reason", sa.Text(), nullable=True),
        sa.Column("reaction", sa.String(length=16), nullable=True),
        sa.Column("reaction_note", sa.Text(), nullable=True),
        sa.Column("reaction_at", sa.DateTime(), nullable=True),
        sa.Column("further_reply_at", sa.DateTime(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_followups_incident_id_incidents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_followups")),
    )
    op.create_index(op.f("ix_followups_incident_id"), "followups", ["incident_id"])
    op.create_index(
        "uq_followups_incident_customer", "followups", ["incident_id", "customer_key"], unique=True
    )
    op.create_index("ix_followups_state_told", "followups", ["state", "told_at"])
    op.create_table(
        "sla_credits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("account_name", sa.String(length=200), nullable=False),
        sa.Column("tier", sa.String(length=32), nullable=False),
        sa.Column("percent", sa.Integer(), nullable=False),
        sa.Column("threshold_seconds", sa.Integer(), nullable=False),
        sa.Column("visible_seconds", sa.Integer(), nullable=False),
        sa.Column("visible_start", sa.DateTime(), nullable=False),
        sa.Column("visible_end", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_sla_credits_incident_id_incidents")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sla_credits")),
    )
    op.create_index(op.f("ix_sla_credits_incident_id"), "sla_credits", ["incident_id"])
    op.create_index(op.f("ix_sla_credits_created_at"), "sla_credits", ["created_at"])
    op.create_index(
        "uq_sla_credits_incident_account", "sla_credits", ["incident_id", "account_id"], unique=True
    )
    op.create_table(
        "severity_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=False),
        sa.Column("previous", sa.String(length=8), nullable=False),
        sa.Column("severity", sa.String(length=8), nullable=False),
        sa.Column("changed_by", sa.String(length=32), nullable=True),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["incident_id"],
            ["incidents.id"],
            name=op.f("fk_severity_changes_incident_id_incidents"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_severity_changes")),
    )
    op.create_index(op.f("ix_severity_changes_incident_id"), "severity_changes", ["incident_id"])
    op.create_index(
        "ix_reports_incident_first_contact", "reports", ["incident_id", "first_contact_at"]
    )
    op.create_index(
        "ix_reports_incident_sla",
        "reports",
        ["incident_id", "sla_policy", "tier", "first_response_due_at", "breached_at",
         "responded_at"],
    )  # fmt: skip


def downgrade() -> None:
    op.drop_index("ix_reports_incident_sla", table_name="reports")
    op.drop_index("ix_reports_incident_first_contact", table_name="reports")
    op.drop_table("severity_changes")
    op.drop_table("sla_credits")
    op.drop_table("followups")
