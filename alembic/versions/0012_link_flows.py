"""link flows: focused single-task links

Portal links and the sessions they open gain `flow` (payment_method_update, subscription_cancel,
subscription_update), `flow_plan` (subscription_update's target plan key) and
`after_completion_url` (where the browser goes when the task is done). NULL for ordinary links.

Revision ID: 0012_link_flows
Revises: 0011_stripe
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0012_link_flows"
down_revision: Union[str, None] = "0011_stripe"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

TABLES = ("portal_links", "portal_sessions")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("flow", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
            batch_op.add_column(sa.Column("flow_plan", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
            batch_op.add_column(sa.Column("after_completion_url", sqlmodel.sql.sqltypes.AutoString(length=2048), nullable=True))


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("after_completion_url")
            batch_op.drop_column("flow_plan")
            batch_op.drop_column("flow")
