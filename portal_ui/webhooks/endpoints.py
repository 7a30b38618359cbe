"""Webhook endpoints and their delivery logs: the rules behind `/api/v1/webhooks` (README "Webhooks").

Every change writes an audit event (`webhook.created`, `webhook.updated`, `webhook.deleted`,
`webhook.test_sent`, `webhook.delivery_replayed`); none of them sends a webhook itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from sqlalchemy import delete
from sqlmodel import Session, func, select

from portal_ui.domain import audit
from portal_ui.domain.audit import Actor
from portal_ui.domain.clock import utcnow
from portal_ui.domain.errors import Conflict, InvalidInput, NotFound
from portal_ui.domain.paging import Page, paginate, scope_of
from portal_ui.domain.secrets import new_id
from portal_ui.models import NAME_MAX, WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent
from portal_ui.settings import Settings
from portal_ui.webhooks import addresses, events, outbox, signing

DESCRIPTION_MAX = 1024
MAX_ENDPOINTS = 50
MAX_EVENT_TYPES = len(events.EVENT_TYPES)
DELIVERY_STATUSES = ("pending", "delivered", "failed")


def _name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > NAME_MAX:
        raise InvalidInput(f"name: give a name of 1 to {NAME_MAX} characters")
    return name


def _description(description: str | None) -> str | None:
    if description is not None and len(description) > DESCRIPTION_MAX:
        raise InvalidInput(f"description: at most {DESCRIPTION_MAX} characters")
    return description


def _event_types(event_types: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(event_types))
    if not chosen:
        raise InvalidInput("event_types: name at least one event type (GET /api/v1/event_types lists them)")
    unknown = [t for t in chosen if t not in events.CATALOGUE]
    if unknown:
        raise InvalidInput(f"event_types: unknown event type {unknown[0][:64]!r}; GET /api/v1/event_types lists "
                           "them", code="INVALID_EVENT_TYPE")
    return chosen


def _signing(mode: str) -> str:
    if mode not in signing.MODES:
        raise InvalidInput(f"signing: give one of {', '.join(signing.MODES)}")
    return mode


def get_endpoint(session: Session, webhook_id: str) -> WebhookEndpoint:
    endpoint = session.get(WebhookEndpoint, webhook_id)
    if endpoint is None:
        raise NotFound("webhook_id: no such webhook", code="WEBHOOK_NOT_FOUND")
    return endpoint


def _snapshot(e: WebhookEndpoint) -> dict:
    return {"name": e.name, "endpoint": e.endpoint, "description": e.description, "event_types": list(e.event_types),
            "signing": e.signing}


def create_endpoint(session: Session, settings: Settings, *, actor: Actor, endpoint: str, name: str,
                    event_types: Iterable[str], description: str | None = None,
                    signing_mode: str = "jwt") -> WebhookEndpoint:
    """A new endpoint (its URL checked now, resolving the host); its secret is on the returned row."""
    name, description = _name(name), _description(description)
    chosen, mode = _event_types(event_types), _signing(signing_mode)
    addresses.check(endpoint, allow_private=settings.webhook_allow_private)
    if session.exec(select(func.count()).select_from(WebhookEndpoint)).one() >= MAX_ENDPOINTS:
        raise Conflict(f"At most {MAX_ENDPOINTS} webhooks; delete one first.", code="TOO_MANY_WEBHOOKS")
    now = utcnow()
    row = WebhookEndpoint(id=new_id("webhook"), name=name, endpoint=endpoint, description=description,
                          event_types=chosen, signing=mode, secret=signing.new_secret(), created_on=now,
                          updated_on=now)
    session.add(row)
    audit.record(session, actor=actor, action="webhook.created", target_type="webhook", target_id=row.id,
                 before={}, after=_snapshot(row))
    return row


def list_endpoints(session: Session) -> list[WebhookEndpoint]:
    return list(session.exec(select(WebhookEndpoint).order_by(WebhookEndpoint.created_on, WebhookEndpoint.id)).all())


@dataclass(frozen=True)
class Changes:
    """What a PATCH names (None: leave as is)."""

    name: str | None = None
    event_types: list[str] | None = None
    description: str | None = None
    description_given: bool = False
    endpoint: str | None = None
    signing: str | None = None


def update_endpoint(session: Session, settings: Settings, *, actor: Actor, webhook_id: str,
                    changes: Changes) -> WebhookEndpoint:
    row = get_endpoint(session, webhook_id)
    before = _snapshot(row)
    if changes.name is not None:
        row.name = _name(changes.name)
    if changes.event_types is not None:
        row.event_types = _event_types(changes.event_types)
    if changes.description_given:
        row.description = _description(changes.description)
    if changes.signing is not None:
        row.signing = _signing(changes.signing)
    if changes.endpoint is not None:
        addresses.check(changes.endpoint, allow_private=settings.webhook_allow_private)
        row.endpoint = changes.endpoint
    row.updated_on = utcnow()
    session.add(row)
    old, new = audit.changed_fields(before, _snapshot(row))
    if new:
        audit.record(session, actor=actor, action="webhook.updated", target_type="webhook", target_id=row.id,
                     before=old, after=new)
    return row


def delete_endpoint(session: Session, *, actor: Actor, webhook_id: str) -> None:
    """Delete the endpoint with its delivery log; pending deliveries are not sent."""
    row = get_endpoint(session, webhook_id)
    ids = select(WebhookDelivery.id).where(WebhookDelivery.endpoint_id == row.id)
    session.execute(delete(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(ids)))
    session.execute(delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == row.id))
    audit.record(session, actor=actor, action="webhook.deleted", target_type="webhook", target_id=row.id,
                 before=_snapshot(row), after={})
    session.delete(row)


# --- the delivery log ---------------------------------------------------------------------------

def list_deliveries(session: Session, *, webhook_id: str, status: str | None = None, page_size: int | None = None,
                    next_token: str | None = None) -> Page:
    """The endpoint's deliveries, newest first, each with its event's type."""
    get_endpoint(session, webhook_id)
    if status is not None and status not in DELIVERY_STATUSES:
        raise InvalidInput(f"status: give one of {', '.join(DELIVERY_STATUSES)}")
    statement = (select(WebhookDelivery, WebhookEvent.type).join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
                 .where(WebhookDelivery.endpoint_id == webhook_id))
    if status is not None:
        statement = statement.where(WebhookDelivery.status == status)
    statement = statement.order_by(WebhookDelivery.created_on.desc(), WebhookDelivery.id.desc())
    return paginate(session, statement, page_size=page_size, next_token=next_token,
                    scope=scope_of("webhook_deliveries", webhook_id, status))


def get_delivery(session: Session, *, webhook_id: str, delivery_id: str) -> tuple[WebhookDelivery, WebhookEvent,
                                                                                   list[WebhookAttempt]]:
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.endpoint_id != webhook_id:
        get_endpoint(session, webhook_id)
        raise NotFound("delivery_id: no such delivery of this webhook", code="DELIVERY_NOT_FOUND")
    event = session.get(WebhookEvent, delivery.event_id)
    attempts = list(session.exec(select(WebhookAttempt).where(WebhookAttempt.delivery_id == delivery_id)
                                 .order_by(WebhookAttempt.attempted_on, WebhookAttempt.id)).all())
    return delivery, event, attempts


def replay_delivery(session: Session, *, actor: Actor, webhook_id: str, delivery_id: str) -> WebhookDelivery:
    """Send a delivery's event to its endpoint again, as a new delivery with a fresh retry schedule.

    The event keeps its id (`webhook-id`), so a receiver that already handled it can tell."""
    original, _, _ = get_delivery(session, webhook_id=webhook_id, delivery_id=delivery_id)
    now = utcnow()
    replay = WebhookDelivery(id=new_id("whd"), endpoint_id=webhook_id, event_id=original.event_id,
                             next_attempt_on=now, created_on=now, replay_of=original.id)
    session.add(replay)
    outbox.mark_pending(session)
    audit.record(session, actor=actor, action="webhook.delivery_replayed", target_type="webhook",
                 target_id=webhook_id, before={}, after={"delivery_id": replay.id, "replay_of": original.id,
                                                         "event_id": original.event_id})
    return replay


def send_test(session: Session, *, actor: Actor, webhook_id: str) -> WebhookDelivery:
    """Queue a `webhook.test` event for this endpoint only."""
    endpoint = get_endpoint(session, webhook_id)
    now = utcnow()
    event_id = new_id("event")
    body = {"type": events.TEST_EVENT, "event_id": event_id, "event_timestamp": now.isoformat(),
            "timestamp": now.isoformat(), "source": {"user": "user", "m2m": "api"}.get(actor.type, "system"),
            "data": {"webhook": {"id": endpoint.id, "name": endpoint.name},
                     "message": "A test event from portal_ui: your endpoint receives and verifies webhooks."}}
    [delivery] = outbox.enqueue(session, event_type=events.TEST_EVENT, payload=body, occurred_on=now,
                                endpoints=[endpoint], event_id=event_id, is_test=True)
    audit.record(session, actor=actor, action="webhook.test_sent", target_type="webhook", target_id=endpoint.id,
                 before={}, after={"delivery_id": delivery.id, "event_id": event_id})
    return delivery
