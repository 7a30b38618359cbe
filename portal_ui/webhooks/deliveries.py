"""Claiming due deliveries and recording each attempt (README "Webhooks", retries).

A worker claims a batch in one statement: it sets its own claim token and moves
`next_attempt_on` a lease ahead, so no other worker takes those rows while it sends. On PostgreSQL
the rows are picked with `FOR UPDATE SKIP LOCKED`, so racing workers take different rows instead
of waiting for each other; SQLite runs one write at a time, and the claim's conditions are checked
again inside the update. A worker that dies while sending leaves its claim to expire with the
lease, and the delivery is sent again. An attempt's result is written only while the claim is
still the worker's own.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlmodel import Session, select

from portal_ui.domain.clock import as_utc
from portal_ui.domain.secrets import new_id
from portal_ui.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint, WebhookEvent

# Delay before each retry, after the first attempt: 8 attempts over about 27.5 hours.
RETRY_DELAYS = (timedelta(seconds=5), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
                timedelta(hours=5), timedelta(hours=10), timedelta(hours=10))
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
KEEP_FOR = timedelta(days=30)  # finished deliveries (and their attempts and events) are kept this long
SNIPPET_MAX = 512
ERROR_MAX = 255


@dataclass(frozen=True)
class Claimed:
    """What a worker needs to send one delivery, read when it was claimed."""

    delivery_id: str
    claim: str
    endpoint_url: str
    signing: str
    secret: str
    payload: dict


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    latency_ms: int
    response: str = ""
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def retry_delay(attempts_made: int) -> timedelta | None:
    """The wait before the next attempt after `attempts_made` failed ones (None: give up).

    Up to a tenth more, at random, so deliveries that failed together do not retry together."""
    if attempts_made >= MAX_ATTEMPTS:
        return None
    base = RETRY_DELAYS[attempts_made - 1]
    return base + base * random.uniform(0, 0.1)


def claim_due(session: Session, *, now: datetime, lease: timedelta, limit: int) -> list[Claimed]:
    """Claim up to `limit` due deliveries for this worker; the caller commits."""
    token = new_id("claim", 12)
    due = (WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_on <= now)
    pick = (select(WebhookDelivery.id).where(*due).order_by(WebhookDelivery.next_attempt_on, WebhookDelivery.id)
            .limit(limit).with_for_update(skip_locked=True))
    session.execute(update(WebhookDelivery).where(WebhookDelivery.id.in_(pick.scalar_subquery()), *due)
                    .values(claim=token, next_attempt_on=now + lease).execution_options(synchronize_session=False))
    rows = session.exec(
        select(WebhookDelivery.id, WebhookEndpoint.endpoint, WebhookEndpoint.signing, WebhookEndpoint.secret,
               WebhookEvent.payload)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .join(WebhookEvent, WebhookEvent.id == WebhookDelivery.event_id)
        .where(WebhookDelivery.claim == token)).all()
    return [Claimed(delivery_id=r[0], claim=token, endpoint_url=r[1], signing=r[2], secret=r[3], payload=r[4])
            for r in rows]


def record_attempt(session: Session, claimed: Claimed, outcome: Outcome, *, now: datetime) -> str | None:
    """Log one attempt and decide what comes next; the caller commits. Returns the delivery's new
    status, or None when the claim was lost (another worker holds the delivery now)."""
    delivery = session.exec(select(WebhookDelivery).where(WebhookDelivery.id == claimed.delivery_id)
                            .with_for_update()).first()
    if delivery is None or delivery.claim != claimed.claim:
        return None
    session.add(WebhookAttempt(delivery_id=delivery.id, attempted_on=now, status_code=outcome.status_code,
                               latency_ms=outcome.latency_ms, response=outcome.response[:SNIPPET_MAX],
                               error=outcome.error[:ERROR_MAX]))
    delivery.attempt_count += 1
    delivery.claim = None
    delivery.last_attempt_on = now
    delivery.last_status_code = outcome.status_code
    delivery.last_latency_ms = outcome.latency_ms
    delivery.last_response = outcome.response[:SNIPPET_MAX]
    delivery.last_error = outcome.error[:ERROR_MAX]
    if outcome.ok:
        delivery.status, delivery.delivered_on = "delivered", now
    else:
        delay = retry_delay(delivery.attempt_count)
        if delay is None:
            delivery.status = "failed"
        else:
            delivery.next_attempt_on = now + delay
    session.add(delivery)
    return delivery.status


def next_due(session: Session) -> datetime | None:
    """When the earliest pending delivery falls due (None: nothing pending)."""
    value = session.exec(select(WebhookDelivery.next_attempt_on).where(WebhookDelivery.status == "pending")
                         .order_by(WebhookDelivery.next_attempt_on).limit(1)).first()
    return as_utc(value) if value is not None else None


def prune(session: Session, *, now: datetime, keep_for: timedelta = KEEP_FOR) -> int:
    """Delete deliveries finished (delivered or failed) before `now - keep_for`, their attempts, and
    events no delivery refers to any more; the number of deliveries deleted. The caller commits."""
    old = select(WebhookDelivery.id).where(WebhookDelivery.status != "pending",
                                           WebhookDelivery.created_on < now - keep_for)
    ids = list(session.exec(old.limit(5000)).all())
    if not ids:
        return 0
    session.execute(delete(WebhookAttempt).where(WebhookAttempt.delivery_id.in_(ids)))
    session.execute(delete(WebhookDelivery).where(WebhookDelivery.id.in_(ids)))
    referenced = select(WebhookDelivery.event_id)
    session.execute(delete(WebhookEvent).where(WebhookEvent.occurred_on < now - keep_for,
                                               WebhookEvent.id.not_in(referenced)))
    return len(ids)
