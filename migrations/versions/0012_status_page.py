"""status page: page incidents and maintenance windows, their public updates, subscribers

Revision ID: 0012_status_page
Revises: 0010_helpdesk

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_status_page"
down_revision = "0010_helpdesk"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "page_incidents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("incident_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("impact", sa.String(length=16), nullable=False),
        sa.Column("components", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("scheduled_for", sa.DateTime(), nullable=True),
        sa.Column("scheduled_until", sa.DateTime(), nullable=True),
        sa.Column("created_by", sa.String(length=32), nullable=True),
        sa.Column("statuspage_id", sa.String(length=64), nullable=True),
        sa.Column("push_job_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["incident_id"], ["incidents.id"], name="fk_page_incidents_incident_id_incidents"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_page_incidents"),
        sa.UniqueConstraint("incident_id", name="uq_page_incidents_incident_id"),
    )
    op.create_index("ix_page_incidents_status", "page_incidents", ["status"])
    op.create_index("ix_page_incidents_updated_at", "page_incidents", ["updated_at"])
    op.create_table(
        "page_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("page_incident_id", sa.Integer(), nullable=False),
        sa.Column("status_update_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("components", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=True),
        sa.Column("pushed_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["page_incident_id"],
            ["page_incidents.id"],
            name="fk_page_updates_page_incident_id_page_incidents",
        ),
        sa.ForeignKeyConstraint(
            ["status_update_id"],
            ["status_updates.id"],
            name="fk_page_updates_status_update_id_status_updates",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_page_updates"),
        sa.UniqueConstraint("status_update_id", name="uq_page_updates_status_update_id"),
    )
    op.create_index("ix_page_updates_page_incident_id", "page_updates", ["page_incident_id"])
    op.create_table(
        "page_subscribers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("secret", sa.String(length=64), nullable=False),
        sa.Column("components", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_page_subscribers"),
        sa.UniqueConstraint("url", name="uq_page_subscribers_url"),
    )


def downgrade() -> None:
    op.drop_table("page_subscribers")
    op.drop_index("ix_page_updates_page_incident_id", table_name="page_updates")
    op.drop_table("page_updates")
    op.drop_index("ix_page_incidents_updated_at", table_name="page_incidents")
    op.drop_index("ix_page_incidents_status", table_name="page_incidents")
    op.drop_table("page_incidents")
