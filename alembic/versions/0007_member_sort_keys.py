"""members list: sort and search keys copied onto memberships, indexed per organization

The members table sorted on lower(given_name || ' ' || family_name) computed per row over a
users/memberships join, so its first page sorted (and counted) every member of the organization.
memberships.sort_name and memberships.sort_email hold those values (kept in step by
portal_ui.domain.member_list.sync_member_sort_keys) and are indexed after org_code, so a page is
an index range scan with a LIMIT.

Revision ID: 0007_member_sort_keys
Revises: 0006_org_logo
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007_member_sort_keys"
down_revision: Union[str, None] = "0006_org_logo"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# The same expressions as portal_ui.domain.member_list.sync_member_sort_keys, computed by the database.
BACKFILL = """
UPDATE memberships SET
  sort_name = (SELECT lower(users.given_name || ' ' || users.family_name) FROM users
               WHERE users.id = memberships.user_id),
  sort_email = (SELECT coalesce(users.email, '') FROM users WHERE users.id = memberships.user_id)
"""


def upgrade() -> None:
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sort_name", sqlmodel.sql.sqltypes.AutoString(length=511), nullable=False,
                                      server_default=""))
        batch_op.add_column(sa.Column("sort_email", sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False,
                                      server_default=""))
    op.execute(BACKFILL)
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        # sort_email last: the index also covers the search (name or email LIKE '%q%'), so a count of
        # the matches reads no table rows.
        batch_op.create_index("ix_membership_org_sort_name", ["org_code", "sort_name", "user_id", "sort_email"],
                              unique=False)
        batch_op.create_index("ix_membership_org_sort_email", ["org_code", "sort_email", "user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_index("ix_membership_org_sort_email")
        batch_op.drop_index("ix_membership_org_sort_name")
        batch_op.drop_column("sort_email")
        batch_op.drop_column("sort_name")
