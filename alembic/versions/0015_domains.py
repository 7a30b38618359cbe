"""verified domains and join requests

`organization_domains`: the email domains an organization claims and proves with a DNS TXT record,
their enrolment mode, and `verified_name` (unique: one organization per verified domain).
`join_requests`: users asking to join an organization whose verified domain matches their email.

Revision ID: 0015_domains
Revises: 0014_billing_profile
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0015_domains"
down_revision: Union[str, None] = "0014_billing_profile"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

_TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "organization_domains",
        sa.Column("id", _TEXT(length=64), nullable=False),
        sa.Column("org_code", _TEXT(length=64), nullable=False),
        sa.Column("name", _TEXT(length=253), nullable=False),
        sa.Column("verified_name", _TEXT(length=253), nullable=True),
        sa.Column("status", _TEXT(length=16), nullable=False),
        sa.Column("enrolment", _TEXT(length=16), nullable=False),
        sa.Column("token", _TEXT(length=64), nullable=False),
        sa.Column("created_on", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("created_by", _TEXT(length=128), nullable=False),
        sa.Column("verified_on", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("last_checked_on", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["org_code"], ["organizations.code"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("org_code", "name", name="uq_domain_org_name"),
        sa.UniqueConstraint("verified_name"),
    )
    op.create_index("ix_domain_name", "organization_domains", ["name"], unique=False)
    op.create_table(
        "join_requests",
        sa.Column("id", _TEXT(length=64), nullable=False),
        sa.Column("org_code", _TEXT(length=64), nullable=False),
        sa.Column("user_id", _TEXT(length=64), nullable=False),
        sa.Column("domain", _TEXT(length=253), nullable=False),
        sa.Column("status", _TEXT(length=16), nullable=False),
        sa.Column("created_on", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("decided_on", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("decided_by", _TEXT(length=128), nullable=True),
        sa.Column("role_keys", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(["org_code"], ["organizations.code"]),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("org_code", "user_id", name="uq_join_request_org_user"),
    )
    op.create_index("ix_join_request_org_status", "join_requests", ["org_code", "status", "created_on"],
                    unique=False)


def downgrade() -> None:
    op.drop_index("ix_join_request_org_status", table_name="join_requests")
    op.drop_table("join_requests")
    op.drop_index("ix_domain_name", table_name="organization_domains")
    op.drop_table("organization_domains")
