"""Handled deliveries are forgotten after a week: an index on when they arrived

Revision ID: 0020_delivery_pruning
Revises: 0019_impact_speed

"""

from __future__ import annotations

from alembic import op

revision = "0020_delivery_pruning"
down_revision = "0019_impact_speed"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(op.f("ix_processed_events_received_at"), "processed_events", ["received_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_processed_events_received_at"), table_name="processed_events")
