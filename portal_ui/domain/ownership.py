"""Owners of an organization: who they are, leaving an organization, and handing ownership over.

**What "owner" means.** An organization's owners are its members who hold an *owner role*: a role
marked "assign to the organization's creator" (`Role.assign_to_creator`, the role the person who
creates an organization gets; the demo's "Owner"). Without such a role in the environment there
are no owners, and only the writer invariant below applies.

**Leaving.** Any member may leave an organization, except
* its last owner (Conflict LAST_OWNER): they hand ownership over first (`transfer_ownership`), and
* its last member holding `org:write:members` (Conflict LAST_MEMBER_ADMIN, the writer invariant
  of portal_ui.domain.role_policy, which every change that takes roles away obeys).

**Transferring.** An owner picks another member. The new owner is given every owner role the
current owner holds; the current owner gives those roles up and keeps their other roles (and,
when none would be left, gets the roles marked for new members, so they stay a member). One audit
event `organization.ownership_transferred`, plus `member.roles_changed` for each of the two
members, so that a host app following role changes sees both.

Each change runs under the organization's row lock (`lock_org`) and validates before writing;
the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session, col, delete, select

from portal_ui.domain import audit
from portal_ui.domain.clock import utcnow
from portal_ui.domain.errors import Conflict, Forbidden, InvalidInput, NotFound, Text, say
from portal_ui.domain.members import get_membership, member_role_keys
from portal_ui.domain.role_policy import check_keeps_member_writer, lock_org
from portal_ui.models import MemberRole, Membership, Organization, Role, User

CONFIRM_MAX = 255


def owner_role_ids(session: Session) -> list[str]:
    """Ids of the roles that make a member an owner (roles marked assign_to_creator)."""
    return list(session.exec(select(Role.id).where(Role.assign_to_creator == True)  # noqa: E712
                             .order_by(Role.id)).all())


def owner_ids(session: Session, org_code: str) -> list[str]:
    """User ids of the organization's owners, sorted."""
    roles = owner_role_ids(session)
    if not roles:
        return []
    return sorted(set(session.exec(
        select(Membership.user_id).join(MemberRole, MemberRole.membership_id == Membership.id)
        .where(Membership.org_code == org_code, col(MemberRole.role_id).in_(roles))).all()))


def is_owner(session: Session, org_code: str, user_id: str) -> bool:
    return user_id in owner_ids(session, org_code)


def leave_blocker(session: Session, org_code: str, user_id: str) -> Text | None:
    """Why `user_id` may not leave `org_code` now (a catalogue message), or None when they may.

    The last owner may not; nor may the last member who can manage members. Call under
    `lock_org` when the answer decides a change.
    """
    owners = owner_ids(session, org_code)
    org = session.get(Organization, org_code)
    name = org.name if org else org_code
    if owners == [user_id]:
        return say("lifecycle.last_owner", org=name)
    membership = session.exec(select(Membership).where(Membership.org_code == org_code,
                                                       Membership.user_id == user_id)).first()
    if membership is not None:
        try:
            check_keeps_member_writer(session, org_code=org_code, membership_id=membership.id)
        except Conflict:
            return say("lifecycle.last_member_admin", org=name)
    return None


def _refuse_leaving(session: Session, org_code: str, user_id: str) -> None:
    blocker = leave_blocker(session, org_code, user_id)
    if blocker is not None:
        code = "LAST_OWNER" if blocker.key == "lifecycle.last_owner" else "LAST_MEMBER_ADMIN"
        raise Conflict(blocker, code=code)


def remove_membership_rows(session: Session, membership: Membership) -> list[str]:
    """Delete a membership and its role grants; returns the role keys it held. Checks nothing."""
    keys = member_role_keys(session, membership.id)
    session.exec(delete(MemberRole).where(MemberRole.membership_id == membership.id))
    session.delete(membership)
    session.flush()
    return keys


def leave_organization(session: Session, *, actor: audit.Actor, org_code: str, user_id: str) -> None:
    """`user_id` leaves `org_code`. One audit event `member.left` (webhook organization.user_removed).

    Raises NotFound (organization or membership), Conflict LAST_OWNER or LAST_MEMBER_ADMIN.
    """
    lock_org(session, org_code)
    membership = get_membership(session, org_code, user_id)
    _refuse_leaving(session, org_code, user_id)
    keys = remove_membership_rows(session, membership)
    audit.record(session, actor=actor, action="member.left", target_type="member", target_id=user_id,
                 org_code=org_code, before={"roles": keys}, after={})


@dataclass(frozen=True)
class Candidate:
    """A member ownership can be handed to."""

    user_id: str
    given_name: str
    family_name: str
    email: str


def transfer_candidates(session: Session, org_code: str, owner_id: str) -> list[Candidate]:
    """The organization's other members, by name: whom `owner_id` may hand ownership to.

    Forbidden unless `owner_id` is an owner of `org_code` (so nobody else learns the members this way).
    """
    if not is_owner(session, org_code, owner_id):
        raise Forbidden(say("lifecycle.not_owner"), code="NOT_OWNER")
    rows = session.exec(select(User).join(Membership, Membership.user_id == User.id)
                        .where(Membership.org_code == org_code, User.id != owner_id)
                        .order_by(Membership.sort_name, User.id)).all()
    return [Candidate(u.id, u.given_name, u.family_name, u.email or "") for u in rows]


def confirmation_matches(typed: object, org_name: str) -> bool:
    """Whether `typed` is the organization's name (spaces around it and letter case ignored)."""
    return isinstance(typed, str) and len(typed) <= CONFIRM_MAX and \
        typed.strip().casefold() == org_name.strip().casefold()


@dataclass(frozen=True)
class Transfer:
    org_code: str
    org_name: str
    from_user_id: str
    to_user_id: str
    roles_given: tuple[str, ...]  # the owner roles' keys the new owner got
    from_roles_after: tuple[str, ...]  # what the previous owner holds now


def transfer_ownership(session: Session, *, actor: audit.Actor, org_code: str, from_user_id: str,
                       to_user_id: str, confirm_name: object) -> Transfer:
    """Hand ownership of `org_code` from `from_user_id` to `to_user_id` (see the module's docstring).

    `confirm_name` must be the organization's name: the owner typed it to confirm. Raises NotFound
    (organization, or `to_user_id` not a member), Forbidden NOT_OWNER (`from_user_id` is not an
    owner), InvalidInput (the same person; the name does not match), Conflict LAST_MEMBER_ADMIN.
    """
    org = lock_org(session, org_code)
    if not is_owner(session, org_code, from_user_id):
        raise Forbidden(say("lifecycle.not_owner"), code="NOT_OWNER")
    if not isinstance(to_user_id, str) or not to_user_id or to_user_id == from_user_id:
        raise InvalidInput(say("lifecycle.pick_another_member"), code="INVALID_NEW_OWNER")
    try:
        target = get_membership(session, org_code, to_user_id)
    except NotFound:
        raise NotFound(say("lifecycle.new_owner_not_member", org=org.name), code="MEMBER_NOT_FOUND") from None
    if not confirmation_matches(confirm_name, org.name):
        raise InvalidInput(say("lifecycle.confirm_name_mismatch", org=org.name), code="CONFIRMATION_MISMATCH")
    source = get_membership(session, org_code, from_user_id)
    owner_roles = set(owner_role_ids(session))
    held = {r.id: r for r in session.exec(select(Role).join(MemberRole, MemberRole.role_id == Role.id)
                                          .where(MemberRole.membership_id == source.id)).all()}
    handed = sorted((r for rid, r in held.items() if rid in owner_roles), key=lambda r: r.key)
    target_before = member_role_keys(session, target.id)
    source_before = member_role_keys(session, source.id)
    now = utcnow()
    for role in handed:
        if session.get(MemberRole, (target.id, role.id)) is None:
            session.add(MemberRole(membership_id=target.id, role_id=role.id, granted_on=now))
    session.flush()
    remaining = [rid for rid in held if rid not in owner_roles]
    if not remaining:  # stay a member: the roles every new member gets
        remaining = list(session.exec(select(Role.id).where(Role.is_default_role == True)).all())  # noqa: E712
    check_keeps_member_writer(session, org_code=org_code, membership_id=source.id, remaining_role_ids=remaining)
    session.exec(delete(MemberRole).where(MemberRole.membership_id == source.id,
                                          col(MemberRole.role_id).in_([r.id for r in handed])))
    for role_id in remaining:
        if role_id not in held:
            session.add(MemberRole(membership_id=source.id, role_id=role_id, granted_on=now))
    session.flush()
    target_after, source_after = member_role_keys(session, target.id), member_role_keys(session, source.id)
    audit.record(session, actor=actor, action="organization.ownership_transferred", target_type="organization",
                 target_id=org_code, org_code=org_code,
                 before={"owner_id": from_user_id}, after={"owner_id": to_user_id,
                                                           "roles": [r.key for r in handed]})
    for user_id, before, after in ((to_user_id, target_before, target_after),
                                   (from_user_id, source_before, source_after)):
        if before != after:
            audit.record(session, actor=actor, action="member.roles_changed", target_type="member",
                         target_id=user_id, org_code=org_code, before={"roles": before}, after={"roles": after})
    return Transfer(org_code=org_code, org_name=org.name, from_user_id=from_user_id, to_user_id=to_user_id,
                    roles_given=tuple(r.key for r in handed), from_roles_after=tuple(source_after))


def _person(user: User | None) -> str:
    if user is None:
        return "a member"
    return " ".join(p for p in (user.given_name, user.family_name) if p) or user.email or user.id


def email_transfer(session: Session, settings, transfer: Transfer, *, product_name: str) -> int:
    """Tell both people about a committed transfer, by email when PORTAL_SMTP_URL is set.

    Returns how many emails the server took (0 without SMTP). Mail problems are logged, never raised.
    """
    from portal_ui.domain.mailer import deliver_notice  # the mailer reads settings; kept out of import time

    old, new = session.get(User, transfer.from_user_id), session.get(User, transfer.to_user_id)
    kept = ", ".join(transfer.from_roles_after) or "no roles"
    messages = [
        (new, f"You are now an owner of {transfer.org_name}",
         [f"Hello {_person(new)},", "", f"{_person(old)} handed ownership of {transfer.org_name} on {product_name} "
          "over to you. You now hold its owner role and can manage everything in it.", ""]),
        (old, f"You handed ownership of {transfer.org_name} to {_person(new)}",
         [f"Hello {_person(old)},", "", f"You handed ownership of {transfer.org_name} on {product_name} over to "
          f"{_person(new)}. You remain a member with: {kept}.", "",
          "If you did not do this, contact the new owner or your product's support team."]),
    ]
    sent = 0
    for user, subject, lines in messages:
        if user is not None and user.email and deliver_notice(settings, recipient=user.email, subject=subject,
                                                              lines=lines, product_name=product_name):
            sent += 1
    return sent
