"""Organization members and their roles.

Every function validates everything first and raises before writing, so a refused change leaves
no partial write; each change adds one audit event per member changed, in the caller's
transaction (the caller commits). Errors: NotFound for the organization, member or role a call
is *about*; InvalidInput for bad values and unknown users/roles it merely *refers to*; Conflict
for a change that contradicts the current state.

These functions carry no grant policy: who may grant which role, and the rule that an
organization keeps at least one administrator, are layered on top by callers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Iterable, Mapping, Sequence

from sqlalchemy import func
from sqlmodel import Session, col, delete, select

from portal_ui.domain import audit
from portal_ui.domain.clock import utcnow
from portal_ui.domain.errors import Conflict, InvalidInput, NotFound
from portal_ui.domain.paging import Page, paginate, scope_of
from portal_ui.models import MemberRole, Membership, Organization, Role, RolePermission, SystemPermission, User

MAX_USERS_PER_CALL = 100
MAX_ROLES_PER_MEMBER = 50
MEMBER_SORTS = ("name_asc", "name_desc", "email_asc", "email_desc")


@dataclass(frozen=True)
class MemberView:
    user: User
    joined_on: datetime
    role_keys: list[str]


def get_org(session: Session, org_code: str) -> Organization:
    """The organization, or NotFound."""
    org = session.get(Organization, org_code) if isinstance(org_code, str) else None
    if org is None:
        raise NotFound(f"No organization with code {str(org_code)[:64]!r}.", code="ORGANIZATION_NOT_FOUND")
    return org


def get_membership(session: Session, org_code: str, user_id: str) -> Membership:
    """The membership of `user_id` in `org_code`; NotFound for an unknown org, user or membership."""
    get_org(session, org_code)
    membership = session.exec(select(Membership).where(
        Membership.org_code == org_code, Membership.user_id == user_id)).first()
    if membership is None:
        raise NotFound(f"User {str(user_id)[:64]!r} is not a member of {org_code!r}.", code="MEMBER_NOT_FOUND")
    return membership


def roles_by_key(session: Session, keys: Iterable[str]) -> list[Role]:
    """Roles for `keys` in the order given (duplicates dropped); InvalidInput names unknown keys."""
    wanted = list(dict.fromkeys(keys))
    if any(not isinstance(k, str) for k in wanted):
        raise InvalidInput("roles: give role keys as strings")
    if not wanted:
        return []
    found = {r.key: r for r in session.exec(select(Role).where(col(Role.key).in_(wanted))).all()}
    missing = [k for k in wanted if k not in found]
    if missing:
        raise InvalidInput(f"roles: unknown role key(s) {', '.join(repr(k[:64]) for k in missing[:5])}",
                           code="ROLE_NOT_FOUND")
    return [found[k] for k in wanted]


def member_role_keys(session: Session, membership_id: int) -> list[str]:
    return sorted(session.exec(select(Role.key).join(MemberRole, MemberRole.role_id == Role.id)
                               .where(MemberRole.membership_id == membership_id)).all())


def insert_membership(session: Session, org_code: str, user_id: str, *, roles: Sequence[Role] = (),
                      as_creator: bool = False) -> list[str]:
    """Add the membership row with the default roles (and creator roles) plus `roles`.

    Building block for create_user/create_organization/add_members: it checks nothing and writes
    no audit event; callers validate first and audit the change. Returns the granted role keys.
    """
    now = utcnow()
    membership = Membership(org_code=org_code, user_id=user_id, joined_on=now)
    session.add(membership)
    session.flush()
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
    Raises NotFound (organization), InvalidInput (empty or oversized list, unknown user or role).
    """
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
    known = set(session.exec(select(User.id).where(col(User.id).in_(list(wanted)))).all())
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


def list_members(session: Session, *, org_code: str, page_size: int | None = None, next_token: str | None = None,
                 sort: str | None = None, roles: Sequence[str] = (), permissions: Sequence[str] = ()) -> Page[MemberView]:
    """One page of members, optionally only those holding every role key / permission key given.

    Raises NotFound (organization), InvalidInput (bad sort, page size or token).
    """
    get_org(session, org_code)
    if sort is not None and sort not in MEMBER_SORTS:
        raise InvalidInput(f"sort: use one of {', '.join(MEMBER_SORTS)}")
    stmt = select(Membership, User).join(User, User.id == Membership.user_id).where(Membership.org_code == org_code)
    for key in dict.fromkeys(roles):
        stmt = stmt.where(col(Membership.id).in_(
            select(MemberRole.membership_id).join(Role, Role.id == MemberRole.role_id).where(Role.key == key)))
    for key in dict.fromkeys(permissions):
        stmt = stmt.where(col(Membership.id).in_(
            select(MemberRole.membership_id)
            .join(RolePermission, RolePermission.role_id == MemberRole.role_id)
            .join(SystemPermission, SystemPermission.id == RolePermission.permission_id)
            .where(SystemPermission.key == key)))
    name = func.lower(User.given_name + " " + User.family_name)
    order = {
        None: [Membership.joined_on, Membership.id],
        "name_asc": [name, User.id], "name_desc": [name.desc(), col(User.id).desc()],
        "email_asc": [User.email, User.id], "email_desc": [col(User.email).desc(), col(User.id).desc()],
    }[sort]
    page = paginate(session, stmt.order_by(*order), page_size=page_size, next_token=next_token,
                    scope=scope_of("members", org_code, sort, sorted(set(roles)), sorted(set(permissions))))
    items = [MemberView(user=u, joined_on=m.joined_on, role_keys=member_role_keys(session, m.id))
             for m, u in page.items]
    return Page(items=items, next_token=page.next_token)


def remove_member(session: Session, *, actor: audit.Actor, org_code: str, user_id: str) -> None:
    """Remove `user_id` and their roles from `org_code`. Raises NotFound (org or membership)."""
    membership = get_membership(session, org_code, user_id)
    keys = member_role_keys(session, membership.id)
    session.exec(delete(MemberRole).where(MemberRole.membership_id == membership.id))
    session.delete(membership)
    session.flush()
    audit.record(session, actor=actor, action="member.removed", target_type="member", target_id=user_id,
                 org_code=org_code, before={"roles": keys}, after={})


def list_member_roles(session: Session, *, org_code: str, user_id: str) -> list[Role]:
    """The member's roles, by key. Raises NotFound (org or membership)."""
    membership = get_membership(session, org_code, user_id)
    return list(session.exec(select(Role).join(MemberRole, MemberRole.role_id == Role.id)
                             .where(MemberRole.membership_id == membership.id).order_by(Role.key)).all())


def add_member_role(session: Session, *, actor: audit.Actor, org_code: str, user_id: str, role_id: str) -> Role:
    """Grant role `role_id` to the member.

    Raises NotFound (org or membership), InvalidInput (unknown role), Conflict (already held).
    """
    membership = get_membership(session, org_code, user_id)
    role = session.get(Role, role_id) if isinstance(role_id, str) and role_id else None
    if role is None:
        raise InvalidInput(f"role_id: no role with id {str(role_id)[:64]!r}", code="ROLE_NOT_FOUND")
    if session.get(MemberRole, (membership.id, role.id)) is not None:
        raise Conflict(f"The member already has the role {role.key!r}.", code="ROLE_ALREADY_ASSIGNED")
    before = member_role_keys(session, membership.id)
    session.add(MemberRole(membership_id=membership.id, role_id=role.id, granted_on=utcnow()))
    session.flush()
    audit.record(session, actor=actor, action="member.role_added", target_type="member", target_id=user_id,
                 org_code=org_code, before={"roles": before}, after={"roles": sorted([*before, role.key])})
    return role


def remove_member_role(session: Session, *, actor: audit.Actor, org_code: str, user_id: str, role_id: str) -> None:
    """Take role `role_id` away from the member. Raises NotFound (org, membership, or role not held)."""
    membership = get_membership(session, org_code, user_id)
    grant = session.get(MemberRole, (membership.id, role_id)) if isinstance(role_id, str) else None
    if grant is None:
        raise NotFound(f"The member has no role with id {str(role_id)[:64]!r}.", code="ROLE_NOT_FOUND")
    before = member_role_keys(session, membership.id)
    session.delete(grant)
    session.flush()
    after = member_role_keys(session, membership.id)
    audit.record(session, actor=actor, action="member.role_removed", target_type="member", target_id=user_id,
                 org_code=org_code, before={"roles": before}, after={"roles": after})
