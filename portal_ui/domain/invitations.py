"""Invitations to join an organization: create, list, revoke.

An invitation is `pending` until accepted or revoked. Functions validate before writing and add
one audit event per change to the caller's session; the caller commits. Sending the email and
accepting an invitation are not handled here.
"""

from __future__ import annotations

from typing import Sequence

from sqlalchemy import func
from sqlmodel import Session, col, select, update

from portal_ui.domain import audit
from portal_ui.domain.clock import utcnow
from portal_ui.domain.errors import Conflict, InvalidInput, NotFound
from portal_ui.domain.members import get_org, roles_by_key
from portal_ui.domain.paging import Page, paginate, scope_of
from portal_ui.domain.secrets import new_id
from portal_ui.domain.users import clean_name, normalize_email
from portal_ui.models import Invitation, Membership, Role, User

INVITE_NAME_MAX = 64  # Kinde's limit for first_name / last_name
MAX_ROLES = 50
INVITE_SORTS = ("created_on_asc", "created_on_desc", "email_asc", "email_desc", "name_asc", "name_desc")


def create_invitation(session: Session, *, actor: audit.Actor, org_code: str, email: str,
                      given_name: str | None = "", family_name: str | None = "",
                      role_keys: Sequence[str] = ()) -> Invitation:
    """Invite `email` to `org_code` with the given role keys (code `inv_<hex>`).

    One audit event `invitation.created`. Raises NotFound (organization), InvalidInput (bad
    email: INVALID_EMAIL / EMAIL_TOO_LONG; names over 64: FIRST_NAME_TOO_LONG / LAST_NAME_TOO_LONG;
    unknown role key: ROLE_NOT_FOUND), Conflict (a pending invitation for this email exists:
    INVITATION_ALREADY_PENDING; the email already belongs to a member: ALREADY_MEMBER).
    """
    get_org(session, org_code)
    normalized = normalize_email(email)
    given = clean_name(given_name, field="first_name", max_len=INVITE_NAME_MAX, code="FIRST_NAME_TOO_LONG")
    family = clean_name(family_name, field="last_name", max_len=INVITE_NAME_MAX, code="LAST_NAME_TOO_LONG")
    if isinstance(role_keys, str) or len(role_keys) > MAX_ROLES:
        raise InvalidInput(f"roles: give a list of at most {MAX_ROLES} role keys")
    keys = [r.key for r in roles_by_key(session, role_keys)]
    pending = session.exec(select(Invitation.code).where(
        Invitation.org_code == org_code, Invitation.email == normalized, Invitation.status == "pending")).first()
    if pending:
        raise Conflict("This email already has a pending invitation to the organization.",
                       code="INVITATION_ALREADY_PENDING")
    member = session.exec(select(Membership.id).join(User, User.id == Membership.user_id).where(
        Membership.org_code == org_code, User.email == normalized)).first()
    if member:
        raise Conflict("A member of the organization already uses this email.", code="ALREADY_MEMBER")
    invitation = Invitation(code=new_id("inv"), org_code=org_code, email=normalized, given_name=given,
                            family_name=family, role_keys=keys, status="pending",
                            invited_by=actor.id[:64] if actor.type == "user" else None, created_on=utcnow())
    session.add(invitation)
    session.flush()
    audit.record(session, actor=actor, action="invitation.created", target_type="invitation",
                 target_id=invitation.code, org_code=org_code, before={},
                 after={"email": normalized, "given_name": given, "family_name": family, "role_keys": keys,
                        "status": "pending"})
    return invitation


def list_invitations(session: Session, *, org_code: str, page_size: int | None = None, next_token: str | None = None,
                     sort: str | None = None, include_revoked: bool = False,
                     include_accepted: bool = False) -> Page[Invitation]:
    """One page of the organization's invitations: pending ones, plus revoked/accepted if asked.

    Newest first unless sorted otherwise. Raises NotFound (organization), InvalidInput (sort,
    page size, token).
    """
    get_org(session, org_code)
    if sort is not None and sort not in INVITE_SORTS:
        raise InvalidInput(f"sort: use one of {', '.join(INVITE_SORTS)}")
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
        raise NotFound(f"No invitation {str(invite_code)[:64]!r} in this organization.", code="INVITATION_NOT_FOUND")
    return invitation


def revoke_invitation(session: Session, *, actor: audit.Actor, org_code: str, invite_code: str) -> Invitation:
    """Mark a pending invitation revoked so it can no longer be accepted.

    One audit event `invitation.revoked`. Raises NotFound (organization or invitation),
    Conflict (already accepted or revoked).
    """
    invitation = get_invitation(session, org_code=org_code, invite_code=invite_code)
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
    raise Conflict(f"The invitation is already {invitation.status}.", code=f"INVITATION_{invitation.status.upper()}")


def role_names(session: Session, keys: Sequence[str]) -> dict[str, str]:
    """Role names by key (a role deleted since the invitation keeps its key as its name)."""
    found = dict(session.exec(select(Role.key, Role.name).where(col(Role.key).in_(list(keys)))).all()) if keys else {}
    return {k: found.get(k, k) for k in keys}
