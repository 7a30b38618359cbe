"""members: indexes for large organizations, invitation delivery time

Revision ID: 0005_members
Revises: 0004_billing
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005_members"
down_revision: Union[str, None] = "0004_billing"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.create_index("ix_membership_org_joined", ["org_code", "joined_on"], unique=False)
    with op.batch_alter_table("member_roles", schema=None) as batch_op:
        batch_op.create_index("ix_member_roles_role", ["role_id"], unique=False)
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sent_on", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.create_index("ix_invitation_org_status", ["org_code", "status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.drop_index("ix_invitation_org_status")
        batch_op.drop_column("sent_on")
    with op.batch_alter_table("member_roles", schema=None) as batch_op:
        batch_op.drop_index("ix_member_roles_role")
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_index("ix_membership_org_joined")
