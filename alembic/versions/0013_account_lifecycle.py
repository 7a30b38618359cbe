"""account lifecycle: scheduled deletion and deleted accounts

Users gain `deletion_due_on` (when a deletion the user asked for takes effect; NULL when none is
scheduled) and `deleted_on` (when the account was deleted: the row stays as an anonymous
tombstone, because invoices issued to the user must be kept and keep pointing at it). The index
lets the periodic purge find due deletions without reading every user.

Revision ID: 0013_account_lifecycle
Revises: 0012_link_flows
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0013_account_lifecycle"
down_revision: Union[str, None] = "0012_link_flows"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deletion_due_on", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("deleted_on", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.create_index("ix_users_deletion_due", ["deletion_due_on"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index("ix_users_deletion_due")
        batch_op.drop_column("deleted_on")
        batch_op.drop_column("deletion_due_on")
