"""Join requests: people asking to join an organization that verified their email's domain.

A user whose email address is at a domain an organization verified, in `suggest` mode
(portal_ui.domain.domains), sees the organization on their profile (`suggestions_for`) and may
ask to join (`ask_to_join`) unless they are a member or have asked already. Members holding
org:write:members approve (choosing roles under the grant rule of portal_ui.domain.role_policy,
as for invitations) or reject. Approving adds the membership with the roles chosen plus the roles
marked is_default_role. Each change adds audit events to the caller's session (the caller
commits); the requester is emailed the decision afterwards (portal_ui.domain.mailer).

One row per organization and user: a rejected request stays rejected (asking again is refused),
an approved one is reopened if its user left the organization and asks again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Sequence

from sqlalchemy import func
from sqlmodel import Session, col, delete, select

from portal_ui.domain import audit
from portal_ui.domain.clock import utcnow
from portal_ui.domain.domains import display_name, email_domain, verified_domain_for
from portal_ui.domain.errors import Conflict, InvalidInput, NotFound, say
from portal_ui.domain.members import insert_membership, roles_by_key
from portal_ui.domain.permissions import is_member
from portal_ui.domain.role_policy import check_may_grant, lock_org, require_members_writer, role_permissions
from portal_ui.domain.secrets import new_id
from portal_ui.domain.users import live_user_row, not_deleted
from portal_ui.models import AuditEvent, JoinRequest, Organization, User

MAX_ROLES = 50
LIST_MAX = 100  # pending requests shown at once (the oldest first)


@dataclass(frozen=True)
class Suggestion:
    """An organization the user may ask to join; `status` is their request's (None: not asked)."""

    org_code: str
    org_name: str
    domain: str  # as people write it
    status: str | None  # None | pending | rejected | approved


@dataclass(frozen=True)
class PendingRequest:
    id: str
    user_id: str
    name: str
    email: str
    domain: str
    asked_on: datetime


def _matching_org(session: Session, user: User | None) -> tuple[str, str] | None:
    """(org code, domain) of the verified `suggest` domain of the user's email, or None."""
    at = email_domain(user.email if user else None)
    if at is None:
        return None
    domain = verified_domain_for(session, at)
    if domain is None or domain.enrolment != "suggest":
        return None
    return domain.org_code, domain.name


def suggestions_for(session: Session, user_id: str) -> list[Suggestion]:
    """The organizations `user_id` may ask to join (or has asked to): at most one, as a verified
    domain belongs to one organization. Organizations they belong to are left out."""
    match = _matching_org(session, live_user_row(session, user_id))
    if match is None or is_member(session, match[0], user_id):
        return []
    org = session.get(Organization, match[0])
    request = session.exec(select(JoinRequest).where(JoinRequest.org_code == match[0],
                                                     JoinRequest.user_id == user_id)).first()
    status = request.status if request is not None else None
    return [Suggestion(org_code=match[0], org_name=org.name if org else match[0], domain=display_name(match[1]),
                       status=status)]


def ask_to_join(session: Session, *, actor: audit.Actor, user_id: str, org_code: object) -> JoinRequest:
    """Ask to join `org_code` as `user_id`; one `join_request.created` event.

    Raises NotFound (NO_MATCHING_DOMAIN: the organization holds no verified `suggest` domain of the
    user's email), Conflict (ALREADY_MEMBER, JOIN_REQUEST_PENDING, JOIN_REQUEST_REJECTED).
    """
    user = live_user_row(session, user_id)  # deleted accounts are unknown users: no match
    match = _matching_org(session, user)
    if match is None or match[0] != org_code:
        raise NotFound(say("join.no_matching_domain"), code="NO_MATCHING_DOMAIN")
    lock_org(session, match[0])
    if is_member(session, match[0], user_id):
        raise Conflict(say("join.already_member"), code="ALREADY_MEMBER")
    request = session.exec(select(JoinRequest).where(JoinRequest.org_code == match[0],
                                                     JoinRequest.user_id == user_id)).first()
    if request is not None and request.status == "pending":
        raise Conflict(say("join.already_asked"), code="JOIN_REQUEST_PENDING")
    if request is not None and request.status == "rejected":
        raise Conflict(say("join.was_rejected"), code="JOIN_REQUEST_REJECTED")
    now = utcnow()
    if request is None:
        request = JoinRequest(id=new_id("jr"), org_code=match[0], user_id=user_id, domain=match[1],
                              status="pending", created_on=now)
    else:  # approved once, left since, asking again
        request.status, request.created_on, request.domain = "pending", now, match[1]
        request.decided_on = request.decided_by = None
        request.role_keys = []
    session.add(request)
    session.flush()
    audit.record(session, actor=actor, action="join_request.created", target_type="join_request",
                 target_id=request.id, org_code=match[0], before={},
                 after={"user_id": user_id, "email": user.email, "domain": match[1], "status": "pending"})
    return request


def pending_requests(session: Session, org_code: str) -> tuple[list[PendingRequest], int]:
    """The organization's pending requests, oldest first (at most LIST_MAX), and how many there are."""
    where = [JoinRequest.org_code == org_code, JoinRequest.status == "pending", not_deleted()]
    total = session.exec(select(func.count()).select_from(JoinRequest).join(User, User.id == JoinRequest.user_id)
                         .where(*where)).one()
    rows = session.exec(select(JoinRequest, User).join(User, User.id == JoinRequest.user_id).where(*where)
                        .order_by(JoinRequest.created_on, JoinRequest.id).limit(LIST_MAX)).all()
    return [PendingRequest(id=r.id, user_id=u.id, name=" ".join(p for p in (u.given_name, u.family_name) if p),
                           email=u.email or "", domain=display_name(r.domain), asked_on=r.created_on)
            for r, u in rows], total


def get_request(session: Session, org_code: str, request_id: object) -> JoinRequest:
    found = session.get(JoinRequest, request_id) if isinstance(request_id, str) and 0 < len(request_id) <= 64 \
        else None
    if found is None or found.org_code != org_code or live_user_row(session, found.user_id) is None:
        raise NotFound(say("join.not_found"), code="JOIN_REQUEST_NOT_FOUND")
    return found


def _open_request(session: Session, org_code: str, request_id: object, acting_user_id: str | None):
    lock_org(session, org_code)
    held = require_members_writer(session, org_code, acting_user_id) if acting_user_id is not None else None
    request = get_request(session, org_code, request_id)
    if request.status != "pending":
        raise Conflict(say("join.already_decided"), code="JOIN_REQUEST_DECIDED")
    return request, held


def approve_request(session: Session, *, actor: audit.Actor, org_code: str, request_id: object,
                    role_keys: Sequence[str], acting_user_id: str | None = None) -> JoinRequest:
    """Approve a pending request: the user becomes a member with `role_keys` plus the default roles.

    A portal member (`acting_user_id`) needs org:write:members and may give only roles they could
    grant themselves (role_policy.check_may_grant). Events `member.added` and
    `join_request.approved`. Raises NotFound, Forbidden, InvalidInput (roles), Conflict
    (JOIN_REQUEST_DECIDED; ALREADY_MEMBER, when they joined some other way meanwhile).
    """
    request, held = _open_request(session, org_code, request_id, acting_user_id)
    if isinstance(role_keys, str) or len(role_keys) > MAX_ROLES:
        raise InvalidInput(say("member_rules.invite_too_many_roles", max=MAX_ROLES))
    roles = roles_by_key(session, role_keys)
    if held is not None:
        check_may_grant(held, roles, role_permissions(session, [r.id for r in roles]))
    if is_member(session, org_code, request.user_id):
        raise Conflict(say("join.joined_meanwhile"), code="ALREADY_MEMBER")
    granted = insert_membership(session, org_code, request.user_id, roles=roles)
    audit.record(session, actor=actor, action="member.added", target_type="member", target_id=request.user_id,
                 org_code=org_code, before={}, after={"roles": granted})
    return _decide(session, actor, request, "approved", granted)


def reject_request(session: Session, *, actor: audit.Actor, org_code: str, request_id: object,
                   acting_user_id: str | None = None) -> JoinRequest:
    """Reject a pending request; one `join_request.rejected` event. Raises NotFound, Forbidden,
    Conflict (JOIN_REQUEST_DECIDED)."""
    request, _held = _open_request(session, org_code, request_id, acting_user_id)
    return _decide(session, actor, request, "rejected", [])


def forget_user(session: Session, user_id: str) -> int:
    """Delete `user_id`'s join requests and drop the email their `join_request.created` events
    recorded (account deletion: portal_ui.domain.account_deletion); how many requests went."""
    ids = list(session.exec(select(JoinRequest.id).where(JoinRequest.user_id == user_id)).all())
    if not ids:
        return 0
    events = session.exec(select(AuditEvent).where(AuditEvent.target_type == "join_request",
                                                   col(AuditEvent.target_id).in_(ids),
                                                   AuditEvent.action == "join_request.created")).all()
    for event in events:
        event.after = {k: v for k, v in (event.after or {}).items() if k != "email"}
        session.add(event)
    session.exec(delete(JoinRequest).where(col(JoinRequest.id).in_(ids)))
    return len(ids)


def _decide(session: Session, actor: audit.Actor, request: JoinRequest, status: str,
            role_keys: list[str]) -> JoinRequest:
    request.status, request.decided_on = status, utcnow()
    request.decided_by = f"{actor.type}:{actor.id}"[:128]
    request.role_keys = role_keys
    session.add(request)
    session.flush()
    after = {"status": status, **({"roles": role_keys} if status == "approved" else {})}
    audit.record(session, actor=actor, action=f"join_request.{status}", target_type="join_request",
                 target_id=request.id, org_code=request.org_code, before={"status": "pending"}, after=after)
    return request

