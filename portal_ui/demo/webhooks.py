"""The demo host app's webhook receiver: Nimbus registers an endpoint at `/demo/webhooks` when the
demo is seeded, verifies each delivery as a real host app would, and keeps the last ones for
`/demo` to show (README "Webhooks").

What Nimbus received is kept in a small file beside the signing key (`demo_webhooks.jsonl`), so
every server process shows the same list. Nimbus knows its endpoint's secret the way a host app
does after registering: it reads it once from where it was stored, here the portal's database.
"""

from __future__ import annotations

import fcntl
import json
import logging
from pathlib import Path

import jwt
from sqlmodel import Session
from standardwebhooks import Webhook, WebhookVerificationError

from portal_ui.db import session_scope
from portal_ui.domain.audit import Actor
from portal_ui.domain.clock import utcnow
from portal_ui.domain.errors import InvalidInput
from portal_ui.models import WebhookEndpoint
from portal_ui.settings import Settings
from portal_ui.webhooks import endpoints, events, signing

log = logging.getLogger("portal_ui.demo")

DEMO_WEBHOOK_NAME = "Nimbus (demo host app)"
RECEIVER_PATH = "/demo/webhooks"
KEEP = 50  # receipts shown on /demo
MAX_BODY = 256 * 1024


def receipts_file(settings: Settings) -> Path:
    return Path(settings.signing_key_path).resolve().parent / "demo_webhooks.jsonl"


def register_demo_webhook(session: Session, settings: Settings, actor: Actor) -> WebhookEndpoint | None:
    """Subscribe Nimbus to every event (Standard Webhooks), unless it is subscribed or its address
    cannot receive webhooks here (a public URL that does not resolve, or private addresses refused)."""
    existing = _demo_endpoint(session)
    if existing is not None:
        return existing
    try:
        return endpoints.create_endpoint(session, settings, actor=actor, endpoint=settings.public_url + RECEIVER_PATH,
                                         name=DEMO_WEBHOOK_NAME, event_types=events.EVENT_TYPES,
                                         description="The demo host app at /demo shows what it receives.",
                                         signing_mode="standard")
    except InvalidInput as exc:
        log.info("the demo host app receives no webhooks: %s", exc)
        return None


def _demo_endpoint(session: Session) -> WebhookEndpoint | None:
    return next((row for row in endpoints.list_endpoints(session) if row.name == DEMO_WEBHOOK_NAME), None)


def registered_endpoint() -> WebhookEndpoint | None:
    """Nimbus's webhook, if the demo seed could register it."""
    with session_scope() as session:
        return _demo_endpoint(session)


def verify(session: Session, settings: Settings, body: bytes, headers: dict) -> tuple[dict | None, str, str]:
    """(event or None, mode, what the check found), as Nimbus checks a delivery."""
    row = _demo_endpoint(session)
    if row is None:
        return None, "", "Nimbus has no webhook registered"
    if headers.get("content-type", "").startswith("application/jwt"):
        try:
            [key] = signing.webhook_jwks(settings)["keys"]
            event = jwt.decode(body.decode("ascii", errors="replace"), jwt.PyJWK(key).key, algorithms=["RS256"],
                               issuer=settings.public_url)
            return event, "jwt", "JWT signature verified with /.well-known/webhooks/jwks.json"
        except jwt.PyJWTError as exc:
            return None, "jwt", f"JWT refused: {exc}"
    try:
        event = Webhook(row.secret).verify(body, headers)
        return event, "standard", "webhook-signature verified with the endpoint's secret"
    except (WebhookVerificationError, ValueError) as exc:
        return None, "standard", f"signature refused: {exc}"


def _summary(event: dict) -> str:
    data = event.get("data") or {}
    parts = []
    for key in ("user", "organization", "api_key", "subscription", "invitation", "payment_method", "invoice",
                "portal_session", "role", "webhook"):
        item = data.get(key)
        if isinstance(item, dict):
            parts.append(f"{key} {item.get('id') or item.get('code')}")
    return ", ".join(parts)


def remember(settings: Settings, *, event: dict | None, event_id: str, mode: str, check: str) -> None:
    """Append one receipt, keeping the file to the last KEEP (under a lock: several processes write)."""
    entry = {"received_on": utcnow().isoformat(), "event_id": event_id[:80], "mode": mode, "verified": event is not None,
             "check": check[:200], "type": str((event or {}).get("type", ""))[:64],
             "summary": _summary(event or {})[:200]}
    path = receipts_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        handle.seek(0)
        lines = handle.read().splitlines()[-(KEEP - 1):]
        handle.seek(0)
        handle.truncate()
        handle.write("".join(line + "\n" for line in [*lines, json.dumps(entry)]))


def received(settings: Settings) -> list[dict]:
    """The receipts, newest first."""
    path = receipts_file(settings)
    if not path.exists():
        return []
    with open(path, encoding="utf-8") as handle:
        fcntl.flock(handle, fcntl.LOCK_SH)
        lines = handle.read().splitlines()
    out = []
    for line in reversed(lines[-KEEP:]):
        try:
            out.append(json.loads(line))
        except ValueError:
            continue
    return out
