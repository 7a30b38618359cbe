"""webhooks: endpoints, and the outbox of events and their deliveries

Events are written in the transaction of the change they report (portal_ui.webhooks.outbox), one
delivery per subscribed endpoint; the delivery worker (portal_ui.webhooks.worker) claims due
deliveries by `status, next_attempt_on` and logs each attempt.

Revision ID: 0008_webhooks
Revises: 0007_member_sort_keys
"""
from typing import Sequence, Union

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008_webhooks"
down_revision: Union[str, None] = "0007_member_sort_keys"
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def _str(length: int):
    return sqlmodel.sql.sqltypes.AutoString(length=length)


def _time():
    return sqlmodel.sql.sqltypes.UTCDateTime()


def upgrade() -> None:
    op.create_table(
        "webhook_endpoints",
        sa.Column("id", _str(64), nullable=False),
        sa.Column("name", _str(255), nullable=False),
        sa.Column("endpoint", _str(2048), nullable=False),
        sa.Column("description", _str(1024), nullable=True),
        sa.Column("event_types", sa.JSON(), nullable=False),
        sa.Column("signing", _str(16), nullable=False),
        sa.Column("secret", _str(128), nullable=False),
        sa.Column("created_on", _time(), nullable=False),
        sa.Column("updated_on", _time(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "webhook_events",
        sa.Column("id", _str(64), nullable=False),
        sa.Column("type", _str(64), nullable=False),
        sa.Column("occurred_on", _time(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("is_test", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "webhook_deliveries",
        sa.Column("id", _str(64), nullable=False),
        sa.Column("endpoint_id", _str(64), nullable=False),
        sa.Column("event_id", _str(64), nullable=False),
        sa.Column("status", _str(16), nullable=False),
        sa.Column("attempt_count", sa.Integer(), nullable=False),
        sa.Column("next_attempt_on", _time(), nullable=False),
        sa.Column("claim", _str(64), nullable=True),
        sa.Column("replay_of", _str(64), nullable=True),
        sa.Column("created_on", _time(), nullable=False),
        sa.Column("last_attempt_on", _time(), nullable=True),
        sa.Column("delivered_on", _time(), nullable=True),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_latency_ms", sa.Integer(), nullable=True),
        sa.Column("last_response", _str(512), nullable=False),
        sa.Column("last_error", _str(255), nullable=False),
        sa.ForeignKeyConstraint(["endpoint_id"], ["webhook_endpoints.id"]),
        sa.ForeignKeyConstraint(["event_id"], ["webhook_events.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_webhook_delivery_due", "webhook_deliveries", ["status", "next_attempt_on"])
    op.create_index("ix_webhook_delivery_endpoint_created", "webhook_deliveries",
                    ["endpoint_id", "created_on", "id"])
    op.create_index(op.f("ix_webhook_deliveries_event_id"), "webhook_deliveries", ["event_id"])
    op.create_table(
        "webhook_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", _str(64), nullable=False),
        sa.Column("attempted_on", _time(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("latency_ms", sa.Integer(), nullable=False),
        sa.Column("response", _str(512), nullable=False),
        sa.Column("error", _str(255), nullable=False),
        sa.ForeignKeyConstraint(["delivery_id"], ["webhook_deliveries.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(op.f("ix_webhook_attempts_delivery_id"), "webhook_attempts", ["delivery_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_webhook_attempts_delivery_id"), table_name="webhook_attempts")
    op.drop_table("webhook_attempts")
    op.drop_index(op.f("ix_webhook_deliveries_event_id"), table_name="webhook_deliveries")
    op.drop_index("ix_webhook_delivery_endpoint_created", table_name="webhook_deliveries")
    op.drop_index("ix_webhook_delivery_due", table_name="webhook_deliveries")
    op.drop_table("webhook_deliveries")
    op.drop_table("webhook_events")
    op.drop_table("webhook_endpoints")
