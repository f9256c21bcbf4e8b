"""liaison announcement timestamp

Revision ID: 0002_liaison
Revises: 0001

The Customer Liaison announcement is edited in place (accepted, handed off, timed out),
so its message timestamp is kept with the assignment.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_liaison"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("liaison_assignments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("announcement_ts", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("liaison_assignments", schema=None) as batch_op:
        batch_op.drop_column("announcement_ts")
