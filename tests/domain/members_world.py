"""Factories for member and role tests: roles with permissions, members holding them."""

from __future__ import annotations

from typing import Iterable

from sqlmodel import Session, select

from portal_ui.domain.audit import Actor
from portal_ui.domain.members import add_members
from portal_ui.domain.organizations import create_organization
from portal_ui.domain.roles import create_role, update_role_system_permissions
from portal_ui.domain.users import create_user
from portal_ui.models import MemberRole, Membership, Organization, Role, SystemPermission

M2M = Actor(type="m2m", id="test-client")
ALL_PERMISSIONS = (
    "org:read:details", "org:write:details", "org:read:billing", "org:write:billing",
    "org:read:members", "org:write:members", "read:org:authentication", "write:org:authentication",
)
WRITE = "org:write:members"


def user_actor(user_id: str) -> Actor:
    return Actor(type="user", id=user_id)


def make_role(session: Session, key: str, permissions: Iterable[str] = (), *, default: bool = False,
              creator: bool = False) -> Role:
    role = create_role(session, actor=M2M, key=key, name=key.replace("_", " ").title(), is_default_role=default,
                       assign_to_creator=creator)
    ids = {p.key: p.id for p in session.exec(select(SystemPermission)).all()}
    if permissions:
        update_role_system_permissions(session, actor=M2M, role_id=role.id,
                                       changes=[{"id": ids[k]} for k in permissions])
    return role


def make_org(session: Session, name: str = "Acme") -> Organization:
    return create_organization(session, actor=M2M, name=name)


def make_member(session: Session, org: Organization, name: str, *roles: Role) -> str:
    """A new user in `org` with `roles` (plus any default roles); returns the user id."""
    user = create_user(session, actor=M2M, given_name=name, family_name="Test", email=f"{name.lower()}@example.com")
    add_members(session, actor=M2M, org_code=org.code, users=[{"id": user.id, "roles": [r.key for r in roles]}])
    return user.id


def member_roles(session: Session, org_code: str) -> dict[str, frozenset[str]]:
    """Role keys per member user id: the whole membership state of an organization."""
    rows = session.exec(select(Membership.user_id, Role.key)
                        .join(MemberRole, MemberRole.membership_id == Membership.id, isouter=True)
                        .join(Role, Role.id == MemberRole.role_id, isouter=True)
                        .where(Membership.org_code == org_code)).all()
    out: dict[str, set[str]] = {}
    for user_id, key in rows:
        out.setdefault(user_id, set())
        if key:
            out[user_id].add(key)
    return {u: frozenset(k) for u, k in out.items()}
