"""incidents: a customer-facing title, kept apart from the internal one

The internal title is often made from the channel name ("inc-sev2-checkout-eu" becomes
"Checkout eu") and must not reach the words customers read. Existing incidents get no
public title, so they are shown to customers with the neutral default wording.

Revision ID: 0008_public_title
Revises: 0007_intake

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_public_title"
down_revision = "0007_intake"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("public_title", sa.String(length=300), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("incidents", schema=None) as batch_op:
        batch_op.drop_column("public_title")
