"""help desk: tickets linked to reports, how customers were told, updates sent to reporters

``ticket_links`` holds one row per help-desk ticket (unique per source and external id)
with the newest ticket version applied, so redelivered and out-of-order webhooks change
nothing. ``reports.customer_notified_via`` says a customer was told of the resolution by
the help desk's public reply; ``status_updates.send_to_reporters`` is the update form's
"also send to reporters" choice.

Revision ID: 0010_helpdesk
Revises: 0008_public_title

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_helpdesk"
down_revision = "0008_public_title"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ticket_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=True),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("ticket_status", sa.String(length=32), nullable=True),
        sa.Column("ticket_url", sa.String(length=500), nullable=True),
        sa.Column("ticket_updated_at", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("resolution_sent_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name=op.f("fk_ticket_links_incident_id_incidents")
        ),
        sa.ForeignKeyConstraint(
            ["report_id"], ["reports.id"], name=op.f("fk_ticket_links_report_id_reports")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_links")),
    )
    op.create_index(
        "uq_ticket_links_source_external", "ticket_links", ["source", "external_id"], unique=True
    )
    op.create_index(
        op.f("ix_ticket_links_incident_id"), "ticket_links", ["incident_id"], unique=False
    )
    op.create_index(op.f("ix_ticket_links_report_id"), "ticket_links", ["report_id"], unique=False)
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.add_column(sa.Column("customer_notified_via", sa.String(length=32), nullable=True))
    with op.batch_alter_table("status_updates", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "send_to_reporters",
                sa.Boolean(),
                server_default=sa.text("false"),
                nullable=False,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("status_updates", schema=None) as batch_op:
        batch_op.drop_column("send_to_reporters")
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_column("customer_notified_via")
    op.drop_index(op.f("ix_ticket_links_report_id"), table_name="ticket_links")
    op.drop_index(op.f("ix_ticket_links_incident_id"), table_name="ticket_links")
    op.drop_index("uq_ticket_links_source_external", table_name="ticket_links")
    op.drop_table("ticket_links")
