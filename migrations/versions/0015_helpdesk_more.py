"""Help-desk follow-ups: who owns a ticket by fallback, when the resolution reached it,
and the customer's satisfaction rating

Revision ID: 0015_helpdesk_more
Revises: 0014_oncall

``ticket_links.unmatched_assignee`` keeps the assignee who had no Slack account (the
ticket went to the fallback owner), so the liaison's checklist can list it;
``resolution_told_at`` is when the public resolution reply was delivered (the customer
counts as told from then); ``rating`` is the last satisfaction rating recorded, so a
redelivered ticket does not record it twice.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015_helpdesk_more"
down_revision = "0014_oncall"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ticket_links", schema=None) as batch_op:
        batch_op.add_column(sa.Column("unmatched_assignee", sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column("resolution_told_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("rating", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ticket_links", schema=None) as batch_op:
        batch_op.drop_column("rating")
        batch_op.drop_column("resolution_told_at")
        batch_op.drop_column("unmatched_assignee")
