"""accounts directory: platform, product version and enabled features per account

The impact summary compares an incident's reports with the accounts directory. Region and
tier were already there; these optional columns give platform, version and features the
same baseline ("only accounts with Teapot Customization" is then a statement against the
share of accounts that have it). The summary now counts customers, not reports, per
version and platform: the indexes it reads carry the customer too, so those counts still
come from an index alone.

Revision ID: 0005_accounts
Revises: 0004_impact

"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_accounts"
down_revision = "0004_impact"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_index("ix_reports_incident_version")
        batch_op.create_index(
            "ix_reports_incident_version",
            ["incident_id", "product_version", "customer_key"],
            unique=False,
        )
        batch_op.create_index(
            "ix_reports_incident_platform",
            ["incident_id", "platform", "customer_key"],
            unique=False,
        )
        batch_op.drop_index("ix_reports_impact_customer")
        batch_op.create_index(
            "ix_reports_impact_customer",
            ["incident_id", "customer_key", "region", "tier", "account_id", "vip", "platform"],
            unique=False,
        )
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("platform", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("product_version", sa.String(length=64), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_accounts_product_version"), ["product_version"], unique=False
        )
    op.create_table(
        "account_features",
        sa.Column("account_id", sa.String(length=64), nullable=False),
        sa.Column("feature", sa.String(length=64), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.account_id"],
            name=op.f("fk_account_features_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "feature", name=op.f("pk_account_features")),
    )
    with op.batch_alter_table("account_features", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_account_features_feature"), ["feature"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("reports", schema=None) as batch_op:
        batch_op.drop_index("ix_reports_impact_customer")
        batch_op.create_index(
            "ix_reports_impact_customer",
            ["incident_id", "customer_key", "region", "tier", "account_id", "vip"],
            unique=False,
        )
        batch_op.drop_index("ix_reports_incident_platform")
        batch_op.drop_index("ix_reports_incident_version")
        batch_op.create_index(
            "ix_reports_incident_version", ["incident_id", "product_version"], unique=False
        )
    with op.batch_alter_table("account_features", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_features_feature"))
    op.drop_table("account_features")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_accounts_product_version"))
        batch_op.drop_column("product_version")
        batch_op.drop_column("platform")
