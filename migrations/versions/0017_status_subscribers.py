"""status page: email subscribers and their deliveries, the push to PagerDuty Status Pages

Revision ID: 0017_status_subscribers
Revises: 0016_oncall_more

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017_status_subscribers"
down_revision = "0016_oncall_more"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("page_incidents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pagerduty_post_id", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("pagerduty_job_id", sa.Integer(), nullable=True))
    with op.batch_alter_table("page_updates", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pagerduty_pushed_at", sa.DateTime(), nullable=True))
    op.create_table(
        "page_email_subscribers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("components", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("attempts_since", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_page_email_subscribers")),
        sa.UniqueConstraint("email", name=op.f("uq_page_email_subscribers_email")),
    )
    op.create_table(
        "page_email_deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("page_update_id", sa.Integer(), nullable=False),
        sa.Column("subscriber_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("sent_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["page_update_id"],
            ["page_updates.id"],
            name=op.f("fk_page_email_deliveries_page_update_id_page_updates"),
        ),
        sa.ForeignKeyConstraint(
            ["subscriber_id"],
            ["page_email_subscribers.id"],
            name=op.f("fk_page_email_deliveries_subscriber_id_page_email_subscribers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_page_email_deliveries")),
        sa.UniqueConstraint(
            "page_update_id",
            "subscriber_id",
            name=op.f("uq_page_email_deliveries_page_update_id"),
        ),
    )
    op.create_index(
        op.f("ix_page_email_deliveries_page_update_id"),
        "page_email_deliveries",
        ["page_update_id"],
    )
    op.create_index(
        op.f("ix_page_email_deliveries_subscriber_id"),
        "page_email_deliveries",
        ["subscriber_id"],
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_page_email_deliveries_subscriber_id"), "page_email_deliveries")
    op.drop_index(op.f("ix_page_email_deliveries_page_update_id"), "page_email_deliveries")
    op.drop_table("page_email_deliveries")
    op.drop_table("page_email_subscribers")
    with op.batch_alter_table("page_updates", schema=None) as batch_op:
        batch_op.drop_column("pagerduty_pushed_at")
    with op.batch_alter_table("page_incidents", schema=None) as batch_op:
        batch_op.drop_column("pagerduty_job_id")
        batch_op.drop_column("pagerduty_post_id")
