"""billing: plans, subscriptions, payment methods, invoices

Revision ID: 0004_billing
Revises: 0003_api_scopes
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0004_billing"
down_revision: Union[str, None] = "0003_api_scopes"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_ONE_OWNER = "(user_id IS NULL) <> (org_code IS NULL)"


def _str(length: int):
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def _time():
    return sqlmodel.sql.sqltypes.UTCDateTime()


def upgrade() -> None:
    op.create_table(
        "plans",
        sa.Column("key", _str(64), nullable=False),
        sa.Column("name", _str(255), nullable=False),
        sa.Column("description", _str(1024), nullable=False),
        sa.Column("amount_minor", sa.Integer(), nullable=False),
        sa.Column("currency", _str(3), nullable=False),
        sa.Column("interval", _str(8), nullable=False),
        sa.Column("features", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("created_on", _time(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    op.create_table(
        "subscriptions",
        sa.Column("id", _str(64), nullable=False),
        sa.Column("user_id", _str(64), nullable=True),
        sa.Column("org_code", _str(64), nullable=True),
        sa.Column("plan_key", _str(64), nullable=False),
        sa.Column("pending_plan_key", _str(64), nullable=True),
        sa.Column("status", _str(16), nullable=False),
        sa.Column("current_period_start", _time(), nullable=False),
        sa.Column("current_period_end", _time(), nullable=True),
        sa.Column("cancel_at_period_end", sa.Boolean(), nullable=False),
        sa.Column("created_on", _time(), nullable=False),
        sa.Column("updated_on", _time(), nullable=False),
        sa.Column("ended_on", _time(), nullable=True),
        sa.CheckConstraint(_ONE_OWNER, name="ck_subscription_one_owner"),
        sa.ForeignKeyConstraint(["org_code"], ["organizations.code"]),
        sa.ForeignKeyConstraint(["pending_plan_key"], ["plans.key"]),
        sa.ForeignKeyConstraint(["plan_key"], ["plans.key"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("org_code"),
        sa.UniqueConstraint("user_id"),
    )
    op.create_table(
        "payment_methods",
        sa.Column("id", _str(64), nullable=False),
        sa.Column("user_id", _str(64), nullable=True),
        sa.Column("org_code", _str(64), nullable=True),
        sa.Column("provider", _str(32), nullable=False),
        sa.Column("provider_ref", _str(128), nullable=False),
        sa.Column("brand", _str(32), nullable=False),
        sa.Column("last4", _str(4), nullable=False),
        sa.Column("exp_month", sa.Integer(), nullable=False),
        sa.Column("exp_year", sa.Integer(), nullable=False),
        sa.Column("is_default", sa.Boolean(), nullable=False),
        sa.Column("created_on", _time(), nullable=False),
        sa.CheckConstraint(_ONE_OWNER, name="ck_payment_method_one_owner"),
        sa.ForeignKeyConstraint(["org_code"], ["organizations.code"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("provider_ref"),
    )
    with op.batch_alter_table("payment_methods", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_methods_org_code"), ["org_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_payment_methods_user_id"), ["user_id"], unique=False)
    op.create_table(
        "invoices",
        sa.Column("id", _str(64), nullable=False),
        sa.Column("number", _str(32), nullable=False),
        sa.Column("user_id", _str(64), nullable=True),
        sa.Column("org_code", _str(64), nullable=True),
        sa.Column("plan_key", _str(64), nullable=True),
        sa.Column("amount_minor", sa.Integer(), nullable=False),
        sa.Column("currency", _str(3), nullable=False),
        sa.Column("status", _str(16), nullable=False),
        sa.Column("issued_on", _time(), nullable=False),
        sa.Column("paid_on", _time(), nullable=True),
        sa.Column("period_start", _time(), nullable=True),
        sa.Column("period_end", _time(), nullable=True),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("billed_to", sa.JSON(), nullable=False),
        sa.Column("paid_with", _str(64), nullable=False),
        sa.Column("provider", _str(32), nullable=False),
        sa.Column("provider_ref", _str(128), nullable=False),
        sa.CheckConstraint(_ONE_OWNER, name="ck_invoice_one_owner"),
        sa.ForeignKeyConstraint(["org_code"], ["organizations.code"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
    )
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invoices_org_code"), ["org_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_invoices_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invoices_user_id"))
        batch_op.drop_index(batch_op.f("ix_invoices_org_code"))
    op.drop_table("invoices")
    with op.batch_alter_table("payment_methods", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payment_methods_user_id"))
        batch_op.drop_index(batch_op.f("ix_payment_methods_org_code"))
    op.drop_table("payment_methods")
    op.drop_table("subscriptions")
    op.drop_table("plans")
