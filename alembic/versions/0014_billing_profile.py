"""billing profile: the buyer's billing details and tax IDs, cancel reasons, retention discount

Adds `billing_profiles` (one per user or organization: name, email, address, tax IDs), the
buyer's details copied onto each invoice (`invoices.buyer`, NULL on invoices issued before), and
on subscriptions why they were cancelled, when the retention coupon was offered and the discount
accepted from it.

Revision ID: 0014_billing_profile
Revises: 0013_account_lifecycle
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0014_billing_profile"
down_revision: Union[str, None] = "0013_account_lifecycle"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _str(length: int) -> sa.types.TypeEngine:
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def _when() -> sa.types.TypeEngine:
    return sqlmodel.sql.sqltypes.UTCDateTime()


def upgrade() -> None:
    op.create_table(
        "billing_profiles",
        sa.Column("id", _str(64), primary_key=True),
        sa.Column("user_id", _str(64), sa.ForeignKey("users.id"), nullable=True, unique=True),
        sa.Column("org_code", _str(64), sa.ForeignKey("organizations.code"), nullable=True, unique=True),
        sa.Column("name", _str(255), nullable=False),
        sa.Column("email", _str(320), nullable=False),
        sa.Column("address_line1", _str(255), nullable=False),
        sa.Column("address_line2", _str(255), nullable=False),
        sa.Column("city", _str(255), nullable=False),
        sa.Column("region", _str(255), nullable=False),
        sa.Column("postcode", _str(32), nullable=False),
        sa.Column("country", _str(2), nullable=False),
        sa.Column("tax_ids", sa.JSON(), nullable=False),
        sa.Column("updated_on", _when(), nullable=False),
        sa.CheckConstraint("(user_id IS NULL) <> (org_code IS NULL)", name="ck_billing_profile_one_owner"),
    )
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("buyer", sa.JSON(), nullable=True))
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cancel_reason", _str(32), nullable=True))
        batch_op.add_column(sa.Column("cancel_comment", _str(500), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("retention_offered_on", _when(), nullable=True))
        batch_op.add_column(sa.Column("discount_percent", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("discount_label", _str(120), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("discount_ends_on", _when(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("subscriptions", schema=None) as batch_op:
        for name in ("discount_ends_on", "discount_label", "discount_percent", "retention_offered_on",
                     "cancel_comment", "cancel_reason"):
            batch_op.drop_column(name)
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_column("buyer")
    op.drop_table("billing_profiles")
