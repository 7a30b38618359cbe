"""Organization members and their roles.

Every function validates everything first and raises before writing, so a refused change leaves
no partial write; each change adds one audit event per member changed, in the caller's
transaction (the caller commits). Errors: NotFound for the organization, member or role a call
is *about*; InvalidInput for bad values and unknown users/roles it merely *refers to*; Conflict
for a change that contradicts the current state; Forbidden for a portal member acting beyond
their permissions.

Policy (portal_ui.domain.role_policy): every change that can take away a role runs under the
organization's row lock and keeps at least one member holding org:write:members (all callers).
A change made by a portal member (`acting_user_id`, or an actor of type "user") also needs
org:write:members and passes the grant rule for every role whose assignment it changes; M2M and
system callers are not held to the grant rule.
"""

from __future__ import annotations

from typing import Iterable, Mapping, Sequence

from sqlmodel import Session, col, delete, select

from portal_ui.domain import audit
from portal_ui.domain.clock import utcnow
from portal_ui.domain.errors import Conflict, Forbidden, InvalidInput, NotFound, say
from portal_ui.domain.member_list import (MEMBER_SORTS, MemberView, get_org, list_members,  # noqa: F401 - re-exported
                                          sync_member_sort_keys)
from portal_ui.domain.role_policy import (acting_user_of, check_keeps_member_writer, check_may_grant, lock_org,
                                          require_members_writer, role_permissions)
from portal_ui.models import MemberRole, Membership, Role, User

MAX_USERS_PER_CALL = 100
MAX_ROLES_PER_MEMBER = 50


def get_membership(session: Session, org_code: str, user_id: str) -> Membership:
    """The membership of `user_id` in `org_code`; NotFound for an unknown org, user or membership."""
    get_org(session, org_code)
    membership = session.exec(select(Membership).where(
        Membership.org_code == org_code, Membership.user_id == user_id)).first()
    if membership is None:
        raise NotFound(say("member_rules.not_a_member", user=repr(str(user_id)[:64]), org=repr(org_code)),
                       code="MEMBER_NOT_FOUND")
    return membership


def roles_by_key(session: Session, keys: Iterable[str]) -> list[Role]:
    """Roles for `keys` in the order given (duplicates dropped); InvalidInput names unknown keys."""
    wanted = list(dict.fromkeys(keys))
    if any(not isinstance(k, str) for k in wanted):
        raise InvalidInput(say("member_rules.role_keys_as_strings"))
    if not wanted:
        return []
    found = {r.key: r for r in session.exec(select(Role).where(col(Role.key).in_(wanted))).all()}
    missing = [k for k in wanted if k not in found]
    if missing:
        raise InvalidInput(say("member_rules.unknown_role_keys", keys=", ".join(repr(k[:64]) for k in missing[:5])),
                           code="ROLE_NOT_FOUND")
    return [found[k] for k in wanted]


def member_role_keys(session: Session, membership_id: int) -> list[str]:
    return sorted(session.exec(select(Role.key).join(MemberRole, MemberRole.role_id == Role.id)
                               .where(MemberRole.membership_id == membership_id)).all())


def _acting_permissions(session: Session, org_code: str, actor: audit.Actor,
                        acting_user_id: str | None) -> frozenset[str] | None:
    """The acting member's permissions (Forbidden without org:write:members); None for M2M/system."""
    acting = acting_user_of(actor, acting_user_id)
    return None if acting is None else require_members_writer(session, org_code, acting)


def insert_membership(session: Session, org_code: str, user_id: str, *, roles: Sequence[Role] = (),
                      as_creator: bool = False) -> list[str]:
    """Add the membership row with the default roles (and creator roles) plus `roles`.

    Building block for create_user/create_organization/add_members: it checks nothing and writes
    no audit event; callers validate first and audit the change. It fills the membership's sort
    and search keys from the user row (sync_member_sort_keys). Returns the granted role keys.
    """
    now = utcnow()
    membership = Membership(org_code=org_code, user_id=user_id, joined_on=now)
    session.add(membership)
    session.flush()
    sync_member_sort_keys(session, membership_ids=[membership.id])
    automatic = Role.is_default_role == True  # noqa: E712 - SQL expression
    if as_creator:
        automatic = automatic | (Role.assign_to_creator == True)  # noqa: E712
    granted = {r.id: r for r in session.exec(select(Role).where(automatic)).all()}
    granted.update({r.id: r for r in roles})
    for role_id in granted:
        session.add(MemberRole(membership_id=membership.id, role_id=role_id, granted_on=now))
    session.flush()
    return sorted(r.key for r in granted.values())


def add_members(session: Session, *, actor: audit.Actor, org_code: str,
                users: Sequence[Mapping]) -> list[str]:
    """Add existing users to `org_code`; each entry is `{"id": user_id, "roles"?: [role keys]}`.

    New members get every role marked is_default_role plus the roles named. Users who already
    belong to the organization are left unchanged and not reported. Returns the ids added.
    Provisioning only (M2M/system): portal members bring people in by invitation, so a user
    actor is Forbidden. Raises NotFound (organization), InvalidInput (empty or oversized list,
    unknown user or role).
    """
    if actor.type == "user":
        raise Forbidden("Members join by invitation; adding existing users is for the Management API.")
    get_org(session, org_code)
    if not users:
        raise InvalidInput("users: give at least one user to add")
    if len(users) > MAX_USERS_PER_CALL:
        raise InvalidInput(f"users: give at most {MAX_USERS_PER_CALL} users per request")
    wanted: dict[str, list[Role]] = {}
    for entry in users:
        user_id = entry.get("id") if isinstance(entry, Mapping) else None
        if not isinstance(user_id, str) or not user_id:
            raise InvalidInput("users: each user needs an id")
        keys = entry.get("roles") or []
        if not isinstance(keys, (list, tuple)):
            raise InvalidInput("users.roles: give a list of role keys")
        if len(keys) > MAX_ROLES_PER_MEMBER:
            raise InvalidInput(f"users.roles: give at most {MAX_ROLES_PER_MEMBER} roles")
        wanted.setdefault(user_id, []).extend(roles_by_key(session, keys))
    known = set(session.exec(select(User.id).where(col(User.id).in_(list(wanted)),
                                                   col(User.deleted_on).is_(None))).all())
    unknown = [u for u in wanted if u not in known]
    if unknown:
        raise InvalidInput(f"users: unknown user id(s) {', '.join(repr(u[:64]) for u in unknown[:5])}",
                           code="USER_NOT_FOUND")
    existing = set(session.exec(select(Membership.user_id).where(
        Membership.org_code == org_code, col(Membership.user_id).in_(list(wanted)))).all())
    added = []
    for user_id, roles in wanted.items():
        if user_id in existing:
            continue
        keys = insert_membership(session, org_code, user_id, roles=roles)
        audit.record(session, actor=actor, action="member.added", target_type="member", target_id=user_id,
                     org_code=org_code, before={}, after={"roles": keys})
        added.append(user_id)
    return added


def remove_member(session: Session, *, actor: audit.Actor, org_code: str, user_id: str,
                  acting_user_id: str | None = None) -> None:
    """Remove `user_id` and their roles from `org_code`.

    A portal member may remove someone only if they could grant each of that member's roles.
    Raises NotFound (org or membership), Forbidden (acting member lacks org:write:members or a
    role's permissions), Conflict LAST_MEMBER_ADMIN (the last member who manages members).
    """
    lock_org(session, org_code)
    held = _acting_permissions(session, org_code, actor, acting_user_id)
    membership = get_membership(session, org_code, user_id)
    roles = _held_roles(session, membership.id)
    if held is not None:
        check_may_grant(held, roles, role_permissions(session, [r.id for r in roles]), verb="take away")
    check_keeps_member_writer(session, org_code=org_code, membership_id=membership.id)
    session.exec(delete(MemberRole).where(MemberRole.membership_id == membership.id))
    session.delete(membership)
    session.flush()
    audit.record(session, actor=actor, action="member.removed", target_type="member", target_id=user_id,
                 org_code=org_code, before={"roles": sorted(r.key for r in roles)}, after={})


def _held_roles(session: Session, membership_id: int) -> list[Role]:
    return list(session.exec(select(Role).join(MemberRole, MemberRole.role_id == Role.id)
                             .where(MemberRole.membership_id == membership_id).order_by(Role.key)).all())


def list_member_roles(session: Session, *, org_code: str, user_id: str) -> list[Role]:
    """The member's roles, by key. Raises NotFound (org or membership)."""
    return _held_roles(session, get_membership(session, org_code, user_id).id)


def add_member_role(session: Session, *, actor: audit.Actor, org_code: str, user_id: str, role_id: str,
                    acting_user_id: str | None = None) -> Role:
    """Grant role `role_id` to the member.

    Raises NotFound (org or membership), InvalidInput (unknown role), Conflict (already held),
    Forbidden (acting member lacks org:write:members or the role's permissions).
    """
    lock_org(session, org_code)
    held = _acting_permissions(session, org_code, actor, acting_user_id)
    membership = get_membership(session, org_code, user_id)
    role = session.get(Role, role_id) if isinstance(role_id, str) and role_id else None
    if role is None:
        raise InvalidInput(f"role_id: no role with id {str(role_id)[:64]!r}", code="ROLE_NOT_FOUND")
    if session.get(MemberRole, (membership.id, role.id)) is not None:
        raise Conflict(f"The member already has the role {role.key!r}.", code="ROLE_ALREADY_ASSIGNED")
    if held is not None:
        check_may_grant(held, [role], role_permissions(session, [role.id]))
    before = member_role_keys(session, membership.id)
    session.add(MemberRole(membership_id=membership.id, role_id=role.id, granted_on=utcnow()))
    session.flush()
    audit.record(session, actor=actor, action="member.role_added", target_type="member", target_id=user_id,
                 org_code=org_code, before={"roles": before}, after={"roles": sorted([*before, role.key])})
    return role


def remove_member_role(session: Session, *, actor: audit.Actor, org_code: str, user_id: str, role_id: str,
                       acting_user_id: str | None = None) -> None:
    """Take role `role_id` away from the member.

    Raises NotFound (org, membership, or role not held), Forbidden (acting member lacks
    org:write:members or the role's permissions), Conflict LAST_MEMBER_ADMIN.
    """
    lock_org(session, org_code)
    held = _acting_permissions(session, org_code, actor, acting_user_id)
    membership = get_membership(session, org_code, user_id)
    grant = session.get(MemberRole, (membership.id, role_id)) if isinstance(role_id, str) else None
    if grant is None:
        raise NotFound(f"The member has no role with id {str(role_id)[:64]!r}.", code="ROLE_NOT_FOUND")
    if held is not None:
        check_may_grant(held, [session.get(Role, role_id)], role_permissions(session, [role_id]), verb="take away")
    roles = _held_roles(session, membership.id)
    check_keeps_member_writer(session, org_code=org_code, membership_id=membership.id,
                              remaining_role_ids=[r.id for r in roles if r.id != role_id])
    session.delete(grant)
    session.flush()
    audit.record(session, actor=actor, action="member.role_removed", target_type="member", target_id=user_id,
                 org_code=org_code, before={"roles": [r.key for r in roles]},
                 after={"roles": [r.key for r in roles if r.id != role_id]})


def change_member_roles(session: Session, *, actor: audit.Actor, org_code: str, user_id: str,
                        role_ids: Sequence[str], acting_user_id: str | None = None) -> list[str]:
    """Give the member exactly the roles `role_ids`; returns their role keys afterwards.

    A portal member must be able to grant every role added *and* every role taken away. No
    change: nothing written. One audit event `member.roles_changed`. Raises NotFound (org or
    membership), InvalidInput (not a list, too many, unknown role id: ROLE_NOT_FOUND), Forbidden
    (MISSING_PERMISSION, ROLE_NOT_GRANTABLE), Conflict LAST_MEMBER_ADMIN.
    """
    if isinstance(role_ids, str) or not isinstance(role_ids, (list, tuple, set, frozenset)) \
            or any(not isinstance(r, str) for r in role_ids):
        raise InvalidInput(say("member_rules.role_ids_as_list"))
    wanted_ids = list(dict.fromkeys(role_ids))
    if len(wanted_ids) > MAX_ROLES_PER_MEMBER:
        raise InvalidInput(say("member_rules.too_many_roles", max=MAX_ROLES_PER_MEMBER))
    lock_org(session, org_code)
    held = _acting_permissions(session, org_code, actor, acting_user_id)
    membership = get_membership(session, org_code, user_id)
    wanted = {r.id: r for r in session.exec(select(Role).where(col(Role.id).in_(wanted_ids))).all()}
    missing = [r for r in wanted_ids if r not in wanted]
    if missing:
        raise InvalidInput(say("member_rules.unknown_role_ids", ids=", ".join(repr(r[:64]) for r in missing[:5])),
                           code="ROLE_NOT_FOUND")
    current = {r.id: r for r in _held_roles(session, membership.id)}
    added = [wanted[r] for r in wanted_ids if r not in current]
    removed = [r for rid, r in current.items() if rid not in wanted]
    before = sorted(r.key for r in current.values())
    if not added and not removed:
        return before
    if held is not None:
        changed = added + removed
        check_may_grant(held, changed, role_permissions(session, [r.id for r in changed]), verb="grant or take away")
    if removed:
        check_keeps_member_writer(session, org_code=org_code, membership_id=membership.id,
                                  remaining_role_ids=list(wanted))
        session.exec(delete(MemberRole).where(MemberRole.membership_id == membership.id,
                                              col(MemberRole.role_id).in_([r.id for r in removed])))
    now = utcnow()
    for role in added:
        session.add(MemberRole(membership_id=membership.id, role_id=role.id, granted_on=now))
    session.flush()
    after = sorted(r.key for r in wanted.values())
    audit.record(session, actor=actor, action="member.roles_changed", target_type="member", target_id=user_id,
                 org_code=org_code, before={"roles": before}, after={"roles": after})
    return after
