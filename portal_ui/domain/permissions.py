"""System permissions held by a member of an organization, through their roles."""

from __future__ import annotations

from sqlmodel import Session, select

from portal_ui.models import MemberRole, Membership, RolePermission, SystemPermission


def member_permissions(session: Session, org_code: str, user_id: str) -> frozenset[str]:
    """The permission keys `user_id` holds in `org_code` (empty if not a member)."""
    rows = session.exec(
        select(SystemPermission.key)
        .join(RolePermission, RolePermission.permission_id == SystemPermission.id)
        .join(MemberRole, MemberRole.role_id == RolePermission.role_id)
        .join(Membership, Membership.id == MemberRole.membership_id)
        .where(Membership.org_code == org_code, Membership.user_id == user_id)
    ).all()
    return frozenset(rows)


def is_member(session: Session, org_code: str, user_id: str) -> bool:
    return session.exec(
        select(Membership.id).where(Membership.org_code == org_code, Membership.user_id == user_id)
    ).first() is not None
