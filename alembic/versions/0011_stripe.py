"""stripe: customers, processed events, provider-run subscriptions, invoice links

With PORTAL_BILLING_PROVIDER=stripe, Stripe runs subscriptions and issues invoices. This revision
keeps what the portal needs to follow it: a Stripe customer per billing owner (`stripe_customers`),
the ids of Stripe events already applied (`stripe_events`, so a redelivered webhook changes nothing),
the provider and its id on each subscription it runs, and each invoice's hosted page and PDF links.

Revision ID: 0011_stripe
Revises: 0010_billing_details
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0011_stripe"
down_revision: Union[str, None] = "0010_billing_details"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

ONE_OWNER = "(user_id IS NULL) <> (org_code IS NULL)"


def upgrade() -> None:
    op.create_table(
        "stripe_customers",
        sa.Column("customer_id", sa.String(length=128), nullable=False),
        sa.Column("user_id", sa.String(length=64), nullable=True),
        sa.Column("org_code", sa.String(length=64), nullable=True),
        sa.Column("created_on", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.CheckConstraint(ONE_OWNER, name="ck_stripe_customer_one_owner"),
        sa.ForeignKeyConstraint(["org_code"], ["organizations.code"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("customer_id"),
        sa.UniqueConstraint("org_code"),
        sa.UniqueConstraint("user_id"),
    )
    op.create_table(
        "stripe_events",
        sa.Column("id", sa.String(length=128), nullable=False),
        sa.Column("type", sa.String(length=128), nullable=False),
        sa.Column("received_on", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("provider", sa.String(length=32), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("provider_ref", sa.String(length=128), nullable=True))
        batch_op.create_index("ix_subscriptions_provider_ref", ["provider_ref"], unique=False)
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("hosted_url", sa.String(length=2048), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("pdf_url", sa.String(length=2048), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_column("pdf_url")
        batch_op.drop_column("hosted_url")
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.drop_index("ix_subscriptions_provider_ref")
        batch_op.drop_column("provider_ref")
        batch_op.drop_column("provider")
    op.drop_table("stripe_events")
    op.drop_table("stripe_customers")
