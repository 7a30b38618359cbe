"""billing details: the seller on each invoice

Invoices gain `seller`, the seller's details (portal settings `seller`) copied when the invoice is
issued, so a later change of the settings does not rewrite old invoices; NULL on invoices issued
before this revision.

Revision ID: 0010_billing_details
Revises: 0009_audit_log
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0010_billing_details"
down_revision: Union[str, None] = "0009_audit_log"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seller", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_column("seller")
