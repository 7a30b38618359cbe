"""Invitations to join an organization: create, list, revoke.

An invitation is `pending` until accepted or revoked. Functions validate before writing and add
one audit event per change to the caller's session; the caller commits. Creating one takes the
organization's row lock (role_policy.lock_org), so the duplicate check and the limit of
MAX_OPEN_INVITATIONS pending invitations per organization hold under concurrent requests.

A portal member inviting someone (`invite_member`, or `acting_user_id`/a user actor) needs
org:write:members and may only put roles on the invitation that they could grant themselves
(role_policy.may_grant_role); M2M callers are not held to that rule. The email goes out after
commit (portal_ui.domain.mailer.deliver_invitation); accepting an invitation is not handled here.

Invitation emails are limited per organization (EMAILS_PER_ORG_PER_HOUR) and per acting member,
user or M2M client, within it (EMAILS_PER_MEMBER_PER_HOUR), over the last hour: revoking an
invitation and inviting again must not make the portal send unlimited mail. The count is of the
`invitation.email_sent` audit events, so it holds across workers and restarts. An invitation
meant to be emailed is refused up front when the allowance is spent (`send_email=True`), and the
mailer checks again just before it sends. One request after another, the limits are exact;
requests at the same moment can each pass before either email is recorded, so a burst may go
over by at most the number of invitations in flight at once (the SMTP exchange is not held under
a lock: on SQLite that would stop every write for as long as the mail server takes).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Sequence

from sqlalchemy import func
from sqlmodel import Session, col, select, update

from portal_ui.domain import audit
from portal_ui.domain.clock import as_utc, utcnow
from portal_ui.domain.errors import Conflict, DomainError, InvalidInput, NotFound, say
from portal_ui.domain.members import get_org, roles_by_key
from portal_ui.domain.paging import Page, paginate, scope_of
from portal_ui.domain.role_policy import (acting_user_of, check_may_grant, lock_org, require_members_writer,
                                          role_permissions)
from portal_ui.domain.secrets import new_id
from portal_ui.domain.users import clean_name, normalize_email
from portal_ui.models import AuditEvent, Invitation, Membership, Role, User

INVITE_NAME_MAX = 64  # Kinde's limit for first_name / last_name
MAX_ROLES = 50
INVITE_SORTS = ("created_on_asc", "created_on_desc", "email_asc", "email_desc", "name_asc", "name_desc")
MAX_OPEN_INVITATIONS = 100  # pending invitations per organization
INVITE_PAGE_MAX_SIZE = 100
EMAILS_PER_MEMBER_PER_HOUR = 20  # invitation emails one member (user or M2M client) may send per organization
EMAILS_PER_ORG_PER_HOUR = 100  # invitation emails per organization, whoever sends them
EMAIL_WINDOW = timedelta(hours=1)


class InvitationLimitReached(DomainError):
    """Too many pending invitations; 429 as in Kinde's API. Revoking some makes room."""

    status = 429
    code = "TOO_MANY_OPEN_INVITATIONS"


class InvitationEmailLimitReached(DomainError):
    """Too many invitation emails in the last hour (see the module's docstring); 429.

    `retry_after` is how many seconds until the allowance has room again (the API's Retry-After).
    """

    status = 429
    code = "TOO_MANY_REQUESTS"

    def __init__(self, message, *, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after
        self.headers = {"Retry-After": str(retry_after)}


def _newest_email_times(session: Session, org_code: str, actor: audit.Actor | None, since: datetime,
                        limit: int) -> list[datetime]:
    """When the newest `limit` `invitation.email_sent` events since `since` happened: the
    organization's (`actor` None) or one actor's within it."""
    where = [AuditEvent.org_code == org_code, col(AuditEvent.occurred_on) >= since,
             AuditEvent.action == "invitation.email_sent"]
    if actor is not None:
        where += [AuditEvent.actor_type == actor.type, AuditEvent.actor_id == actor.id[:128]]
    return [as_utc(t) for t in session.exec(select(AuditEvent.occurred_on).where(*where)
                                            .order_by(col(AuditEvent.occurred_on).desc()).limit(limit)).all()]


def check_invitation_email_allowance(session: Session, *, org_code: str, actor: audit.Actor) -> None:
    """Raise InvitationEmailLimitReached when one more invitation email from `actor` in `org_code`
    would go over EMAILS_PER_MEMBER_PER_HOUR or EMAILS_PER_ORG_PER_HOUR (module docstring)."""
    now = utcnow()
    for who, limit, key in ((actor, EMAILS_PER_MEMBER_PER_HOUR, "member_rules.invitation_emails_member_limit"),
                            (None, EMAILS_PER_ORG_PER_HOUR, "member_rules.invitation_emails_org_limit")):
        newest = _newest_email_times(session, org_code, who, now - EMAIL_WINDOW, limit)
        if len(newest) >= limit:
            # Room again when the oldest of these leaves the window.
            seconds = max(1, math.ceil((min(newest) + EMAIL_WINDOW - now).total_seconds()))
            raise InvitationEmailLimitReached(say(key, max=limit, minutes=math.ceil(seconds / 60)),
                                              retry_after=seconds)


def create_invitation(session: Session, *, actor: audit.Actor, org_code: str, email: str,
                      given_name: str | None = "", family_name: str | None = "",
                      role_keys: Sequence[str] = (), acting_user_id: str | None = None,
                      send_email: bool = False) -> Invitation:
    """Invite `email` to `org_code` with the given role keys (code `inv_<hex>`).

    `send_email`: the caller means to email the invitation once committed, so the hourly email
    allowance must have room (check_invitation_email_allowance). One audit event
    `invitation.created`. Raises NotFound (organization), InvalidInput (bad
    email: INVALID_EMAIL / EMAIL_TOO_LONG; names over 64: FIRST_NAME_TOO_LONG / LAST_NAME_TOO_LONG;
    unknown role key: ROLE_NOT_FOUND), Forbidden (an acting member without org:write:members:
    MISSING_PERMISSION, or naming a role they may not grant: ROLE_NOT_GRANTABLE), Conflict (a
    pending invitation for this email exists: INVITATION_ALREADY_PENDING; the email already
    belongs to a member: ALREADY_MEMBER), InvitationLimitReached (429),
    InvitationEmailLimitReached (429, with `send_email`).
    """
    lock_org(session, org_code)
    normalized = normalize_email(email)
    given = clean_name(given_name, field="first_name", max_len=INVITE_NAME_MAX, code="FIRST_NAME_TOO_LONG")
    family = clean_name(family_name, field="last_name", max_len=INVITE_NAME_MAX, code="LAST_NAME_TOO_LONG")
    if isinstance(role_keys, str) or len(role_keys) > MAX_ROLES:
        raise InvalidInput(say("member_rules.invite_too_many_roles", max=MAX_ROLES))
    roles = roles_by_key(session, role_keys)
    acting = acting_user_of(actor, acting_user_id)
    if acting is not None:
        held = require_members_writer(session, org_code, acting)
        check_may_grant(held, roles, role_permissions(session, [r.id for r in roles]))
    pending = session.exec(select(Invitation.code).where(
        Invitation.org_code == org_code, Invitation.email == normalized, Invitation.status == "pending")).first()
    if pending:
        raise Conflict(say("member_rules.already_invited", email=normalized), code="INVITATION_ALREADY_PENDING")
    member = session.exec(select(Membership.id).join(User, User.id == Membership.user_id).where(
        Membership.org_code == org_code, User.email == normalized)).first()
    if member:
        raise Conflict(say("member_rules.already_member", email=normalized), code="ALREADY_MEMBER")
    if open_invitation_count(session, org_code) >= MAX_OPEN_INVITATIONS:
        raise InvitationLimitReached(say("member_rules.invitation_limit", max=MAX_OPEN_INVITATIONS))
    if send_email:
        check_invitation_email_allowance(session, org_code=org_code, actor=actor)
    keys = [r.key for r in roles]
    invitation = Invitation(code=new_id("inv"), org_code=org_code, email=normalized, given_name=given,
                            family_name=family, role_keys=keys, status="pending",
                            invited_by=acting[:64] if acting else None, created_on=utcnow())
    session.add(invitation)
    session.flush()
    audit.record(session, actor=actor, action="invitation.created", target_type="invitation",
                 target_id=invitation.code, org_code=org_code, before={},
                 after={"email": normalized, "given_name": given, "family_name": family, "role_keys": keys,
                        "status": "pending"})
    return invitation


def invite_member(session: Session, *, actor: audit.Actor, acting_user_id: str, org_code: str, email: str,
                  first_name: str = "", last_name: str = "", role_keys: Sequence[str] = ()) -> Invitation:
    """The portal's invite form: `create_invitation` on behalf of member `acting_user_id`, who must
    hold org:write:members and be allowed to grant every role named. The form emails every
    invitation it makes, so the email allowance applies (`send_email=True`). Same errors."""
    if not isinstance(acting_user_id, str) or not acting_user_id:
        raise InvalidInput(say("member_rules.inviter_required"))
    return create_invitation(session, actor=actor, org_code=org_code, email=email, given_name=first_name,
                             family_name=last_name, role_keys=role_keys, acting_user_id=acting_user_id,
                             send_email=True)


def open_invitation_count(session: Session, org_code: str) -> int:
    """How many pending invitations the organization has."""
    return session.exec(select(func.count()).select_from(Invitation).where(
        Invitation.org_code == org_code, Invitation.status == "pending")).one()


def list_invitations(session: Session, *, org_code: str, page_size: int | None = None, next_token: str | None = None,
                     sort: str | None = None, include_revoked: bool = False,
                     include_accepted: bool = False) -> Page[Invitation]:
    """One page of the organization's invitations: pending ones, plus revoked/accepted if asked.

    Newest first unless sorted otherwise. Raises NotFound (organization), InvalidInput (sort,
    page size, token).
    """
    get_org(session, org_code)
    if sort is not None and sort not in INVITE_SORTS:
        raise InvalidInput(say("member_rules.sort_invalid", sorts=", ".join(INVITE_SORTS)))
    statuses = ["pending"] + (["revoked"] if include_revoked else []) + (["accepted"] if include_accepted else [])
    name = func.lower(Invitation.given_name + " " + Invitation.family_name)
    code = col(Invitation.code)
    order = {
        None: [col(Invitation.created_on).desc(), code.desc()],
        "created_on_desc": [col(Invitation.created_on).desc(), code.desc()],
        "created_on_asc": [Invitation.created_on, code],
        "email_asc": [Invitation.email, code], "email_desc": [col(Invitation.email).desc(), code.desc()],
        "name_asc": [name, code], "name_desc": [name.desc(), code.desc()],
    }[sort]
    stmt = (select(Invitation).where(Invitation.org_code == org_code, col(Invitation.status).in_(statuses))
            .order_by(*order))
    return paginate(session, stmt, page_size=page_size, next_token=next_token,
                    scope=scope_of("invitations", org_code, sort, statuses))


def get_invitation(session: Session, *, org_code: str, invite_code: str) -> Invitation:
    """The invitation of `org_code`; NotFound for an unknown organization or code."""
    get_org(session, org_code)
    invitation = session.get(Invitation, invite_code) if isinstance(invite_code, str) and invite_code else None
    if invitation is None or invitation.org_code != org_code:
        raise NotFound(say("member_rules.invitation_not_found", code=repr(str(invite_code)[:64])),
                       code="INVITATION_NOT_FOUND")
    return invitation


def revoke_invitation(session: Session, *, actor: audit.Actor, org_code: str, invite_code: str,
                      acting_user_id: str | None = None) -> Invitation:
    """Mark a pending invitation revoked so it can no longer be accepted.

    One audit event `invitation.revoked`. Raises NotFound (organization or invitation),
    Forbidden (an acting member without org:write:members), Conflict (already accepted or revoked).
    """
    invitation = get_invitation(session, org_code=org_code, invite_code=invite_code)
    acting = acting_user_of(actor, acting_user_id)
    if acting is not None:
        require_members_writer(session, org_code, acting)
    if invitation.status == "pending":
        # Conditional update: of two concurrent revokes only one changes the row (and audits).
        result = session.exec(update(Invitation).where(col(Invitation.code) == invitation.code,
                                                       col(Invitation.status) == "pending").values(status="revoked"))
        session.refresh(invitation)
        if result.rowcount == 1:
            audit.record(session, actor=actor, action="invitation.revoked", target_type="invitation",
                         target_id=invitation.code, org_code=org_code, before={"status": "pending"},
                         after={"status": "revoked"})
            return invitation
    key = _ALREADY.get(invitation.status)
    raise Conflict(say(key) if key else f"The invitation is already {invitation.status}.",
                   code=f"INVITATION_{invitation.status.upper()}")


_ALREADY = {  # a closed invitation's status -> the refusal to revoke it
    "accepted": "member_rules.invitation_already_accepted",
    "revoked": "member_rules.invitation_already_revoked",
}


def role_names(session: Session, keys: Sequence[str]) -> dict[str, str]:
    """Role names by key (a role deleted since the invitation keeps its key as its name)."""
    found = dict(session.exec(select(Role.key, Role.name).where(col(Role.key).in_(list(keys)))).all()) if keys else {}
    return {k: found.get(k, k) for k in keys}


@dataclass(frozen=True)
class InvitationRow:
    """One row of the portal's invitations table."""

    code: str
    email: str
    full_name: str
    roles: tuple[tuple[str, str], ...]  # (key, name)
    invited_on: datetime
    status: str  # pending|accepted|revoked
    is_sent: bool


def list_invitations_page(session: Session, org_code: str, *, page: int = 1, page_size: int = 25,
                          include_closed: bool = False) -> tuple[list[InvitationRow], int]:
    """One page of invitations, newest first, and how many there are in all: pending ones, plus
    revoked and accepted ones with `include_closed`. Raises NotFound (organization), InvalidInput.
    """
    get_org(session, org_code)
    if isinstance(page, bool) or not isinstance(page, int) or page < 1:
        raise InvalidInput(say("member_rules.page_invalid"))
    if isinstance(page_size, bool) or not isinstance(page_size, int) or not 1 <= page_size <= INVITE_PAGE_MAX_SIZE:
        raise InvalidInput(say("member_rules.page_size_invalid", max=INVITE_PAGE_MAX_SIZE))
    where = [Invitation.org_code == org_code]
    if not include_closed:
        where.append(Invitation.status == "pending")
    total = session.exec(select(func.count()).select_from(Invitation).where(*where)).one()
    rows = session.exec(select(Invitation).where(*where)
                        .order_by(col(Invitation.created_on).desc(), col(Invitation.code).desc())
                        .offset((page - 1) * page_size).limit(page_size)).all()
    names = role_names(session, sorted({k for inv in rows for k in inv.role_keys}))
    return [InvitationRow(code=inv.code, email=inv.email,
                          full_name=" ".join(p for p in (inv.given_name, inv.family_name) if p),
                          roles=tuple((k, names.get(k, k)) for k in inv.role_keys), invited_on=inv.created_on,
                          status=inv.status, is_sent=inv.sent_on is not None) for inv in rows], total
