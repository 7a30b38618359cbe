"""Data for the members browser tests, written straight into the running test portal's database.

The portal under test is a real server with its own SQLite file (tests/ui/conftest.py); these
helpers open that file with the app's own engine settings and call the domain, as the Management
API would. Tests make their own members (unique emails), so the demo personas stay as seeded
for every other test that shares the server.
"""

from __future__ import annotations

import uuid
from typing import Sequence

from sqlmodel import col, select

from portal_ui.db import engine_for, session_scope
from portal_ui.demo.personas import DEMO_ORG_CODE
from portal_ui.domain.audit import Actor
from portal_ui.domain.members import change_member_roles
from portal_ui.domain.roles import create_role
from portal_ui.domain.users import create_user
from portal_ui.models import Invitation, MemberRole, Membership, Role, RolePermission, SystemPermission, User

TESTS = Actor.system("tests")


def db(portal):
    """A session on the portal's database (commits on success)."""
    return session_scope(engine_for(portal.env["REFLEX_DB_URL"]))


def unique(prefix: str = "m") -> str:
    return f"{prefix}{uuid.uuid4().hex[:8]}"


def add_member(portal, given: str, family: str, email: str, role_keys: Sequence[str] | None = None) -> str:
    """A new user in the demo organization; default roles, or exactly `role_keys`. Returns the id."""
    with db(portal) as session:
        user = create_user(session, actor=TESTS, given_name=given, family_name=family, email=email,
                           organization_code=DEMO_ORG_CODE)
        if role_keys is not None:
            ids = [session.exec(select(Role.id).where(Role.key == key)).one() for key in role_keys]
            change_member_roles(session, actor=TESTS, org_code=DEMO_ORG_CODE, user_id=user.id, role_ids=ids)
        return user.id


def add_many_members(portal, count: int, given: str, family_prefix: str, email_prefix: str) -> None:
    """`count` members "<given> <family_prefix>000"… with emails "<email_prefix>000@bulk.example"…, in
    one transaction."""
    with db(portal) as session:
        for n in range(count):
            create_user(session, actor=TESTS, given_name=given, family_name=f"{family_prefix}{n:03d}",
                        email=f"{email_prefix}{n:03d}@bulk.example", organization_code=DEMO_ORG_CODE)


def ensure_role(portal, key: str, name: str, permission_keys: Sequence[str]) -> str:
    """A role with exactly these permissions (created once per test server). Returns its id."""
    with db(portal) as session:
        found = session.exec(select(Role).where(Role.key == key)).first()
        if found:
            return found.id
        role = create_role(session, actor=TESTS, key=key, name=name, description="Invites and manages members")
        for perm_id in session.exec(select(SystemPermission.id)
                                    .where(col(SystemPermission.key).in_(list(permission_keys)))).all():
            session.add(RolePermission(role_id=role.id, permission_id=perm_id))
        return role.id


def role_keys_of(portal, user_id: str) -> list[str] | None:
    """The member's role keys in the demo organization, sorted; None when not a member."""
    with db(portal) as session:
        membership = session.exec(select(Membership).where(Membership.org_code == DEMO_ORG_CODE,
                                                           Membership.user_id == user_id)).first()
        if membership is None:
            return None
        return sorted(session.exec(select(Role.key).join(MemberRole, MemberRole.role_id == Role.id)
                                   .where(MemberRole.membership_id == membership.id)).all())


def invitation_of(portal, email: str) -> tuple[str, list[str]] | None:
    """(status, role keys) of the newest invitation to `email` in the demo organization."""
    with db(portal) as session:
        found = session.exec(select(Invitation).where(Invitation.org_code == DEMO_ORG_CODE, Invitation.email == email)
                             .order_by(col(Invitation.created_on).desc())).first()
        return (found.status, sorted(found.role_keys)) if found else None


def member_count(portal) -> int:
    with db(portal) as session:
        return len(session.exec(select(Membership.id).where(Membership.org_code == DEMO_ORG_CODE)).all())


def snapshot(portal) -> dict:
    """Everything a members handler could change in the demo organization: who belongs with which
    roles, and every invitation's status."""
    with db(portal) as session:
        members = session.exec(select(User.id, Role.key).join(Membership, Membership.user_id == User.id)
                               .join(MemberRole, MemberRole.membership_id == Membership.id, isouter=True)
                               .join(Role, Role.id == MemberRole.role_id, isouter=True)
                               .where(Membership.org_code == DEMO_ORG_CODE)).all()
        invitations = session.exec(select(Invitation.code, Invitation.status)
                                   .where(Invitation.org_code == DEMO_ORG_CODE)).all()
    return {"members": sorted(members, key=str), "invitations": sorted(invitations)}


def add_invitation(portal, email: str, role_keys: Sequence[str] = ("viewer",)) -> str:
    """A pending invitation in the demo organization, made as the Management API would. Returns its code."""
    from portal_ui.domain.invitations import create_invitation

    with db(portal) as session:
        return create_invitation(session, actor=TESTS, org_code=DEMO_ORG_CODE, email=email,
                                 role_keys=list(role_keys)).code


def drop_member(portal, user_id: str) -> None:
    """Take a test's member out of the demo organization again (nothing when already gone)."""
    from portal_ui.domain.members import remove_member

    if role_keys_of(portal, user_id) is not None:
        with db(portal) as session:
            remove_member(session, actor=TESTS, org_code=DEMO_ORG_CODE, user_id=user_id)
