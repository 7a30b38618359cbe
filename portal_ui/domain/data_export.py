""""Download my data": everything the portal holds about one user, as one JSON document.

Sections: `profile`, `memberships` (organization, roles, owner or not, since when), `api_keys`
(the user's own keys: metadata only, never a secret or a hash), `invoices` (issued to the user
personally; an organization's invoices are the organization's), `join_requests` (asking to join an
organization through its verified domain: which, when, the decision but not who made it), and
`audit_events` (what the user did, in any organization or their own account, oldest first, with
fields named like secrets removed at any depth). Nothing of anyone else: no other member's name or
email.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel import Session, col, select

from portal_ui.domain.audit_log import redact
from portal_ui.domain.clock import as_utc, utcnow
from portal_ui.domain.members import member_role_keys
from portal_ui.domain.ownership import owner_ids
from portal_ui.domain.users import get_user
from portal_ui.models import ApiKey, AuditEvent, Invoice, JoinRequest, Membership, Organization

FORMAT = "portal_ui.user_data.v1"
EVENT_BATCH = 1000


def _when(value: datetime | None) -> str | None:
    return as_utc(value).isoformat() if value is not None else None


def _memberships(session: Session, user_id: str) -> list[dict[str, Any]]:
    rows = session.exec(select(Membership, Organization).join(Organization, Organization.code == Membership.org_code)
                        .where(Membership.user_id == user_id).order_by(Membership.org_code)).all()
    return [{"organization_code": org.code, "organization_name": org.name, "joined_on": _when(m.joined_on),
             "roles": member_role_keys(session, m.id), "is_owner": user_id in owner_ids(session, org.code)}
            for m, org in rows]


def _api_keys(session: Session, user_id: str) -> list[dict[str, Any]]:
    keys = session.exec(select(ApiKey).where(ApiKey.type == "user", ApiKey.user_id == user_id)
                        .order_by(ApiKey.created_on, ApiKey.id)).all()
    return [{"id": k.id, "name": k.name, "type": k.type, "status": k.status, "key_prefix": k.key_prefix,
             "key_suffix": k.key_suffix, "scopes": list(k.scopes or []), "created_on": _when(k.created_on),
             "created_by": k.created_by, "expires_on": _when(k.expires_on),
             "last_verified_on": _when(k.last_verified_on), "verification_count": k.verification_count}
            for k in keys]


def _invoices(session: Session, user_id: str) -> list[dict[str, Any]]:
    rows = session.exec(select(Invoice).where(Invoice.user_id == user_id).order_by(Invoice.issued_on, Invoice.id)).all()
    return [{"id": i.id, "number": i.number, "status": i.status, "amount_minor": i.amount_minor,
             "currency": i.currency, "issued_on": _when(i.issued_on), "paid_on": _when(i.paid_on),
             "period_start": _when(i.period_start), "period_end": _when(i.period_end), "plan_key": i.plan_key,
             "lines": _lines(i.lines), "billed_to": list(i.billed_to or []), "paid_with": i.paid_with}
            for i in rows]


def _lines(lines: list | None) -> list[dict[str, Any]]:
    """An invoice's lines as written (English), without the catalogue message kept for showing
    them in other languages (portal_ui.billing.invoices `line`)."""
    return [{"description": str(x.get("description", "")), "amount_minor": x.get("amount_minor")}
            for x in lines or [] if isinstance(x, dict)]


def _join_requests(session: Session, user_id: str) -> list[dict[str, Any]]:
    rows = session.exec(select(JoinRequest, Organization).join(Organization, Organization.code == JoinRequest.org_code)
                        .where(JoinRequest.user_id == user_id).order_by(JoinRequest.created_on, JoinRequest.id)).all()
    return [{"organization_code": org.code, "organization_name": org.name, "domain": r.domain, "status": r.status,
             "asked_on": _when(r.created_on), "decided_on": _when(r.decided_on), "roles": list(r.role_keys or [])}
            for r, org in rows]


def _audit_events(session: Session, user_id: str) -> list[dict[str, Any]]:
    """Every event the user caused, oldest first, read in keyset batches on ix_audit_actor."""
    out: list[dict[str, Any]] = []
    after: tuple[datetime, int] | None = None
    while True:
        stmt = select(AuditEvent).where(AuditEvent.actor_type == "user", AuditEvent.actor_id == user_id)
        if after is not None:
            stmt = stmt.where((col(AuditEvent.occurred_on) > after[0])
                              | ((col(AuditEvent.occurred_on) == after[0]) & (col(AuditEvent.id) > after[1])))
        rows = session.exec(stmt.order_by(AuditEvent.occurred_on, AuditEvent.id).limit(EVENT_BATCH)).all()
        for e in rows:
            out.append({"occurred_on": _when(e.occurred_on), "action": e.action, "organization_code": e.org_code,
                        "target_type": e.target_type, "target_id": e.target_id, "before": redact(e.before or {}),
                        "after": redact(e.after or {}), "client_ip": e.client_ip, "user_agent": e.user_agent})
        if len(rows) < EVENT_BATCH:
            return out
        after = (rows[-1].occurred_on, rows[-1].id)


def export_user_data(session: Session, user_id: str) -> dict[str, Any]:
    """The user's data as a JSON-ready dict. Raises NotFound for an unknown or deleted user."""
    user = get_user(session, user_id)
    return {
        "format": FORMAT,
        "exported_on": utcnow().isoformat(),
        "profile": {"id": user.id, "given_name": user.given_name, "family_name": user.family_name,
                    "email": user.email, "created_on": _when(user.created_on),
                    "deletion_due_on": _when(user.deletion_due_on)},
        "memberships": _memberships(session, user_id),
        "api_keys": _api_keys(session, user_id),
        "invoices": _invoices(session, user_id),
        "join_requests": _join_requests(session, user_id),
        "audit_events": _audit_events(session, user_id),
    }
