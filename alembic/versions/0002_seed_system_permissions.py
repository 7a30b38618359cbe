"""seed the system permissions (README "Where a link lands")

Revision ID: 0002
Revises: 0001
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: Union[str, None] = "0001"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

# (id, key, name, description); ids are stable so that every installation agrees on them.
SYSTEM_PERMISSIONS = [
    ('perm_96905d43bcb404eca163e1d4f803748c', 'org:read:details', 'Read organization details', "View the organization's name, address and business details"),
    ('perm_9fe930683af134b01e938efe06f807c0', 'org:write:details', 'Update organization details', "Change the organization's name, address and business details"),
    ('perm_966a7e6908f88532e987c4f42d0820f0', 'org:read:billing', 'Read billing details', 'View the plan, payment methods and invoices'),
    ('perm_cd508399a664f9d509c54e7a25c12a9e', 'org:write:billing', 'Update billing details', 'Change the plan and payment methods'),
    ('perm_ba4786cfe336665cfca87f209bdc4320', 'org:read:members', 'Read members', 'View members, their roles and invitations'),
    ('perm_6ddf7ffb8ae3e8a55bc31f3b7233594c', 'org:write:members', 'Manage members', 'Invite, remove members and change their roles'),
    ('perm_b7f25307dc939264124fdd7e701b0a08', 'read:org:authentication', 'Read API keys', "View the organization's API keys"),
    ('perm_b767387d26fa4ba89f0b3480caf45772', 'write:org:authentication', 'Manage API keys', "Create, rotate and revoke the organization's API keys"),
]

_table = sa.table(
    "system_permissions",
    sa.column("id", sa.String),
    sa.column("key", sa.String),
    sa.column("name", sa.String),
    sa.column("description", sa.String),
)


def upgrade() -> None:
    op.bulk_insert(_table, [dict(id=i, key=k, name=n, description=d) for i, k, n, d in SYSTEM_PERMISSIONS])


def downgrade() -> None:
    op.execute(_table.delete())
