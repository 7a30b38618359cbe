"""Deleting an account: asked for by the user, with a grace period and undo; carried out later.

* `schedule_deletion`: the user asks; the account is deleted `GRACE_DAYS` days later unless they
  cancel (`cancel_deletion`). Refused while the user may not leave one of their organizations
  (its last owner, or its last member who manages members: portal_ui.domain.ownership).
* `purge_due_accounts`: deletes every account whose day has come. The webhook worker's hourly
  housekeeping runs it in every server process, and `python -m portal_ui.cli accounts purge` runs it
  by hand. An account that became a last owner meanwhile is held (not deleted) until ownership is
  handed over; the purge reports it and tries again next time.
* `delete_account`: the deletion itself, also behind the Management API's `DELETE /api/v1/user`.

What deletion does: the user leaves every organization (`member.removed` per organization), their
own API keys, payment methods, join requests, one-time links and portal sessions go, their own
subscription ends, and the user row keeps only its id and `deleted_on` (no name, no email):
invoices issued to the user are kept for the seller's bookkeeping and still point at it. Audit
events stay (they are the organizations' record), keyed by the user id; the name and email that
the user's own profile events recorded are erased, and so is the email their join requests'
events recorded. A deleted user is, everywhere else, an unknown user.

Audit actions (and webhooks): `user.deletion_scheduled`, `user.deletion_cancelled`, `user.deleted`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlmodel import Session, col, delete, select

from portal_ui.domain import audit
from portal_ui.domain.clock import as_utc, utcnow
from portal_ui.domain.errors import Conflict, NotFound, Text, say
from portal_ui.domain.join_requests import forget_user as forget_join_requests
from portal_ui.domain.ownership import leave_blocker, remove_membership_rows
from portal_ui.domain.role_policy import lock_org
from portal_ui.domain.users import get_user
from portal_ui.models import (ApiKey, AuditEvent, Membership, PaymentMethod, PortalLink, PortalSession, Subscription,
                              User)

log = logging.getLogger("portal_ui.accounts")

GRACE_DAYS = 30
PURGE_ACTOR = audit.Actor.system("account_deletion")
PURGE_BATCH = 100  # accounts per purge call; the next run continues
_PROFILE_ACTIONS = ("user.created", "user.updated")  # events that recorded the user's name and email


@dataclass(frozen=True)
class Blocker:
    """An organization the user may not leave now, and why."""

    org_code: str
    reason: Text


def deletion_blockers(session: Session, user_id: str) -> list[Blocker]:
    """The user's organizations that keep the account from being deleted, by organization code."""
    codes = session.exec(select(Membership.org_code).where(Membership.user_id == user_id)
                         .order_by(Membership.org_code)).all()
    out = []
    for code in codes:
        reason = leave_blocker(session, code, user_id)
        if reason is not None:
            out.append(Blocker(code, reason))
    return out


def _refuse_if_blocked(session: Session, user_id: str) -> None:
    blockers = deletion_blockers(session, user_id)
    if blockers:
        raise Conflict(say("lifecycle.deletion_blocked", reason=blockers[0].reason), code="LAST_OWNER")


def schedule_deletion(session: Session, *, actor: audit.Actor, user_id: str, now: datetime | None = None) -> datetime:
    """Schedule the user's account for deletion in GRACE_DAYS days; returns when it is due.

    Raises NotFound (unknown or deleted user), Conflict DELETION_ALREADY_SCHEDULED, Conflict
    LAST_OWNER (naming the first organization that blocks it). The caller commits.
    """
    user = get_user(session, user_id)
    if user.deletion_due_on is not None:
        raise Conflict(say("lifecycle.deletion_already_scheduled", day=as_utc(user.deletion_due_on).date()),
                       code="DELETION_ALREADY_SCHEDULED")
    _refuse_if_blocked(session, user_id)
    due = (now or utcnow()) + timedelta(days=GRACE_DAYS)
    user.deletion_due_on = due
    session.add(user)
    session.flush()
    audit.record(session, actor=actor, action="user.deletion_scheduled", target_type="user", target_id=user_id,
                 before={"deletion_due_on": None}, after={"deletion_due_on": due})
    return due


def cancel_deletion(session: Session, *, actor: audit.Actor, user_id: str) -> None:
    """Undo a scheduled deletion. Raises NotFound (unknown or deleted user), Conflict NO_DELETION_SCHEDULED."""
    user = get_user(session, user_id)
    if user.deletion_due_on is None:
        raise Conflict(say("lifecycle.no_deletion_scheduled"), code="NO_DELETION_SCHEDULED")
    due = user.deletion_due_on
    user.deletion_due_on = None
    session.add(user)
    session.flush()
    audit.record(session, actor=actor, action="user.deletion_cancelled", target_type="user", target_id=user_id,
                 before={"deletion_due_on": due}, after={"deletion_due_on": None})


def delete_account(session: Session, *, actor: audit.Actor, user_id: str, now: datetime | None = None) -> None:
    """Delete the account now (see the module's docstring for what that removes and keeps).

    Takes the row lock of each of the user's organizations (in code order) before deciding.
    Raises NotFound (unknown or already deleted user), Conflict LAST_OWNER / LAST_MEMBER_ADMIN
    (nothing is written then). The caller commits.
    """
    now = now or utcnow()
    user = get_user(session, user_id)
    memberships = list(session.exec(select(Membership).where(Membership.user_id == user_id)
                                    .order_by(Membership.org_code)).all())
    for membership in memberships:
        lock_org(session, membership.org_code)
    _refuse_if_blocked(session, user_id)
    for membership in memberships:
        org_code = membership.org_code
        keys = remove_membership_rows(session, membership)
        audit.record(session, actor=actor, action="member.removed", target_type="member", target_id=user_id,
                     org_code=org_code, before={"roles": keys}, after={})
    keys_deleted = session.exec(select(ApiKey.id).where(ApiKey.type == "user", ApiKey.user_id == user_id)).all()
    session.exec(delete(ApiKey).where(ApiKey.type == "user", ApiKey.user_id == user_id))
    session.exec(delete(PaymentMethod).where(PaymentMethod.user_id == user_id))
    forget_join_requests(session, user_id)
    session.exec(update(Subscription).where(Subscription.user_id == user_id, col(Subscription.ended_on).is_(None))
                 .values(status="canceled", ended_on=now, cancel_at_period_end=False, pending_plan_key=None,
                         updated_on=now))
    session.exec(update(PortalSession).where(PortalSession.user_id == user_id, col(PortalSession.ended_on).is_(None))
                 .values(ended_on=now))
    session.exec(update(PortalLink).where(PortalLink.user_id == user_id, col(PortalLink.redeemed_on).is_(None),
                                          PortalLink.expires_on > now).values(expires_on=now))
    session.exec(update(AuditEvent).where(AuditEvent.target_type == "user", AuditEvent.target_id == user_id,
                                          col(AuditEvent.action).in_(_PROFILE_ACTIONS))
                 .values(before={}, after={}))
    due = user.deletion_due_on
    user.given_name, user.family_name, user.email = "", "", None
    user.deletion_due_on, user.deleted_on = None, now
    session.add(user)
    session.flush()
    audit.record(session, actor=actor, action="user.deleted", target_type="user", target_id=user_id,
                 before={"deletion_due_on": due, "organizations": [m.org_code for m in memberships]},
                 after={"deleted_on": now, "api_keys_deleted": len(keys_deleted)})


@dataclass
class PurgeResult:
    deleted: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)  # due, but blocked (last owner): tried again next time


def purge_due_accounts(session_scope, *, now: datetime | None = None, batch: int = PURGE_BATCH) -> PurgeResult:
    """Delete every account whose deletion is due, each in a transaction of its own.

    `session_scope()` gives a session that commits on success (portal_ui.db.session_scope). An
    account blocked meanwhile (its user became a last owner) is held and logged; others go on.
    """
    now = now or utcnow()
    result = PurgeResult()
    with session_scope() as session:
        due = list(session.exec(select(User.id).where(col(User.deletion_due_on).is_not(None),
                                                      User.deletion_due_on <= now, col(User.deleted_on).is_(None))
                                .order_by(User.deletion_due_on, User.id).limit(batch)).all())
    for user_id in due:
        try:
            with session_scope() as session:
                delete_account(session, actor=PURGE_ACTOR, user_id=user_id, now=now)
        except Conflict as exc:
            log.warning("account %s: deletion is due but held: %s", user_id, exc.message)
            result.held.append(user_id)
        except NotFound:
            continue  # deleted meanwhile
        else:
            log.info("account %s deleted (its grace period ended)", user_id)
            result.deleted.append(user_id)
    return result
