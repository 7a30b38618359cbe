"""The outbox: a change's webhook event and its deliveries, added in the change's own transaction.

`portal_ui.domain.audit.record` calls `emit` for every audit event, so an event is sent exactly
when its change commits: a rolled-back change sends nothing, and a process that dies after the
commit leaves the deliveries in the database for any worker to send. After a commit that added
deliveries, the workers of this process are woken at once (`on_commit`), and on PostgreSQL every
listening worker is notified (`NOTIFY portal_webhooks`, sent by the database at commit).
"""

from __future__ import annotations

import threading
from datetime import datetime
from typing import Callable

from sqlalchemy import event as sa_event
from sqlalchemy import text
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, select

from portal_ui.domain.secrets import new_id
from portal_ui.models import WebhookDelivery, WebhookEndpoint, WebhookEvent
from portal_ui.webhooks import events

CHANNEL = "portal_webhooks"
_PENDING = "portal_ui.webhooks.pending"

_wakers: list[Callable[[], None]] = []
_wakers_lock = threading.Lock()


def add_waker(wake: Callable[[], None]) -> Callable[[], None]:
    """Call `wake()` (from any thread) after each commit that added deliveries; returns the remover."""
    with _wakers_lock:
        _wakers.append(wake)

    def remove() -> None:
        with _wakers_lock:
            if wake in _wakers:
                _wakers.remove(wake)

    return remove


@sa_event.listens_for(OrmSession, "after_commit")
def _after_commit(session: OrmSession) -> None:
    if session.info.pop(_PENDING, False):
        with _wakers_lock:
            wakers = list(_wakers)
        for wake in wakers:
            wake()


@sa_event.listens_for(OrmSession, "after_rollback")
def _after_rollback(session: OrmSession) -> None:
    session.info.pop(_PENDING, None)


def subscribed_endpoints(session: Session, event_type: str) -> list[WebhookEndpoint]:
    with session.no_autoflush:
        endpoints = session.exec(select(WebhookEndpoint).order_by(WebhookEndpoint.id)).all()
    return [e for e in endpoints if event_type in (e.event_types or [])]


def enqueue(session: Session, *, event_type: str, payload: dict, occurred_on: datetime,
            endpoints: list[WebhookEndpoint], event_id: str, is_test: bool = False) -> list[WebhookDelivery]:
    """Add the event and one due delivery per endpoint to `session` (the caller commits)."""
    session.add(WebhookEvent(id=event_id, type=event_type, occurred_on=occurred_on, payload=payload,
                             is_test=is_test))
    session.flush()  # the event row before its deliveries (they refer to it; no ORM relationship orders them)
    deliveries = [WebhookDelivery(id=new_id("whd"), endpoint_id=e.id, event_id=event_id, next_attempt_on=occurred_on,
                                  created_on=occurred_on) for e in endpoints]
    session.add_all(deliveries)
    mark_pending(session)
    return deliveries


def mark_pending(session: Session) -> None:
    """Wake the workers when `session` commits (and notify other processes on PostgreSQL)."""
    if session.info.get(_PENDING):
        return
    session.info[_PENDING] = True
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": CHANNEL})


def emit(session: Session, *, occurred_on: datetime, actor_type: str, actor_id: str, action: str,
         target_type: str, target_id: str, org_code: str | None, before: dict, after: dict) -> None:
    """The webhook event for an audit event, when its action has one and some endpoint subscribes."""
    event_type = events.event_type_of(action)
    if event_type is None:
        return
    endpoints = subscribed_endpoints(session, event_type)
    if not endpoints:
        return
    event_id = new_id("event")
    body = events.payload(event_id=event_id, event_type=event_type, occurred_on=occurred_on, actor_type=actor_type,
                          actor_id=actor_id, action=action, target_type=target_type, target_id=target_id,
                          org_code=org_code, before=before, after=after)
    enqueue(session, event_type=event_type, payload=body, occurred_on=occurred_on, endpoints=endpoints,
            event_id=event_id)
