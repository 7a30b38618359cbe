"""Audit events: one per change, written in the same transaction as the change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from sqlmodel import Session

from portal_ui.domain.clock import utcnow
from portal_ui.models import AuditEvent
from portal_ui.webhooks import outbox

# Field names whose values must never reach the audit log.
_SECRET_FIELDS = frozenset({"secret", "client_secret", "key", "api_key", "token", "password", "key_hash", "secret_hash", "token_hash"})


@dataclass(frozen=True)
class Actor:
    """Who makes a change: a portal user, an M2M client, or the system (CLI, migrations)."""

    type: str  # user|m2m|system
    id: str
    client_ip: str = ""
    user_agent: str = ""

    @classmethod
    def system(cls, name: str = "cli") -> "Actor":
        return cls(type="system", id=name)


def _clean(values: Mapping[str, Any] | None) -> dict:
    if not values:
        return {}
    out = {}
    for name, value in values.items():
        if name in _SECRET_FIELDS:
            continue
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        out[name] = value
    return out


def changed_fields(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[dict, dict]:
    """The before/after pair restricted to fields whose value changed."""
    keys = [k for k in after if before.get(k) != after.get(k)]
    return {k: before.get(k) for k in keys}, {k: after[k] for k in keys}


def record(
    session: Session,
    *,
    actor: Actor,
    action: str,
    target_type: str,
    target_id: str,
    org_code: str | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event to `session` (the caller commits it with the change), and the webhook
    event it sends, if any (`portal_ui.webhooks.outbox`), in the same transaction."""
    event = AuditEvent(
        occurred_on=utcnow(),
        actor_type=actor.type,
        actor_id=actor.id[:128],
        org_code=org_code,
        action=action,
        target_type=target_type,
        target_id=str(target_id)[:128],
        before=_clean(before),
        after=_clean(after),
        client_ip=actor.client_ip[:64],
        user_agent=actor.user_agent[:512],
    )
    session.add(event)
    outbox.emit(session, occurred_on=event.occurred_on, actor_type=event.actor_type, actor_id=event.actor_id,
                action=action, target_type=target_type, target_id=event.target_id, org_code=org_code,
                before=event.before, after=event.after)
    return event
