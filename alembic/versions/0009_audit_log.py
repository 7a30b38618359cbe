"""the audit log: the org:read:audit_log permission, and indexes for its filters and keyset pages

Every audit_events index starts with what a page filters on and ends in (occurred_on, id), the
order of the audit log's keyset pages (portal_ui.domain.audit_log): the organization's events, by
actor, by actor type, by action, and a user's own events for the profile page. The organization
index gains `id` so that PostgreSQL needs no sort for the tie-break either.

The demo's owner role (when the demo is seeded) gets the new permission, as a fresh seed gives it.

Revision ID: 0009_audit_log
Revises: 0008_webhooks
"""
from typing import Sequence, Union

import sqlalchemy as sa
from alembic import op

revision: str = "0009_audit_log"
down_revision: Union[str, None] = "0008_webhooks"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

PERMISSION_ID = "perm_fef8338595b7502810f9b9de3822b1ee"  # stable, so every installation agrees on it
DEMO_OWNER_ROLE = "role_demo_owner"

_permissions = sa.table("system_permissions", sa.column("id", sa.String), sa.column("key", sa.String),
                        sa.column("name", sa.String), sa.column("description", sa.String))
INDEXES = {
    "ix_audit_org_actor": ["org_code", "actor_id", "occurred_on", "id"],
    "ix_audit_org_actor_type": ["org_code", "actor_type", "occurred_on", "id"],
    "ix_audit_org_action": ["org_code", "action", "occurred_on", "id"],
    "ix_audit_actor": ["actor_type", "actor_id", "occurred_on", "id"],
}


def upgrade() -> None:
    op.bulk_insert(_permissions, [dict(id=PERMISSION_ID, key="org:read:audit_log", name="Read the audit log",
                                       description="View and export the organization's audit log")])
    op.execute(sa.text("INSERT INTO role_permissions (role_id, permission_id) SELECT id, :perm FROM roles "
                       "WHERE id = :role").bindparams(perm=PERMISSION_ID, role=DEMO_OWNER_ROLE))
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_org_time")
        batch_op.create_index("ix_audit_org_time", ["org_code", "occurred_on", "id"], unique=False)
        for name, columns in INDEXES.items():
            batch_op.create_index(name, columns, unique=False)


def downgrade() -> None:
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        for name in INDEXES:
            batch_op.drop_index(name)
        batch_op.drop_index("ix_audit_org_time")
        batch_op.create_index("ix_audit_org_time", ["org_code", "occurred_on"], unique=False)
    op.execute(sa.text("DELETE FROM role_permissions WHERE permission_id = :perm").bindparams(perm=PERMISSION_ID))
    op.execute(sa.text("DELETE FROM system_permissions WHERE id = :perm").bindparams(perm=PERMISSION_ID))
