"""Who may grant which role, and the rule that an organization keeps someone who manages members.

Two rules, each decided in exactly one place:

* **Grant rule** (`may_grant_role`): a member may grant a role, or take it away, only if they hold
  every system permission the role carries. Portal users acting in an organization are held to
  it everywhere a role changes hands: the members page (`grantable_roles` marks the roles they may
  not grant), invitations, role changes and member removal (`check_may_grant`). Management API
  (M2M) and system callers are the product team provisioning its own customers and are *not*
  limited by it; they name no acting member (`acting_user_of` gives None).
* **Writer invariant** (`check_keeps_member_writer`): an organization in which someone holds
  `org:write:members` always keeps such a member; removing or demoting the last one is refused.
  Every caller, M2M included, is held to it. Callers take `lock_org` before reading anything
  the decision depends on, so two admins demoting each other at the same moment are serialised
  and the second sees the first's change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Collection, Iterable, Mapping, Sequence

from sqlalchemy import func
from sqlmodel import Session, col, select, update

from portal_ui.domain.audit import Actor
from portal_ui.domain.errors import Conflict, Forbidden, NotFound, say
from portal_ui.domain.permissions import member_permissions
from portal_ui.models import MemberRole, Membership, Organization, Role, RolePermission, SystemPermission

MEMBERS_WRITE = "org:write:members"


def may_grant_role(granter_permissions: Iterable[str], role_permissions: Iterable[str]) -> bool:
    """True when the granter holds every permission of the role (a role with none: always)."""
    return frozenset(role_permissions) <= frozenset(granter_permissions)


def acting_user_of(actor: Actor, acting_user_id: str | None = None) -> str | None:
    """The member a change is made by: `acting_user_id`, else a user actor's own id.

    None for M2M and system actors, who are not held to the grant rule. A user actor is always
    held to it, so a caller cannot skip the rule by forgetting to pass `acting_user_id`.
    """
    if acting_user_id is not None:
        return acting_user_id
    return actor.id if actor.type == "user" else None


def lock_org(session: Session, org_code: str) -> Organization:
    """The organization, locked until the transaction ends; NotFound for an unknown code.

    PostgreSQL: `SELECT … FOR NO KEY UPDATE` on the row (it serialises these callers but, unlike
    FOR UPDATE, does not block inserts whose foreign keys merely point at the organization).
    SQLite has no row locks; a no-op UPDATE of the row takes the database's write lock now,
    before the decision's reads, which serialises writers the same way. Take it first in a
    transaction, before other writes, so that lock order cannot deadlock.
    """
    if not isinstance(org_code, str) or not org_code:
        raise NotFound(say("member_rules.org_not_found", code=repr(str(org_code)[:64])), code="ORGANIZATION_NOT_FOUND")
    if session.get_bind().dialect.name == "sqlite":
        session.exec(update(Organization).where(col(Organization.code) == org_code)
                     .values(version=Organization.version))
    org = session.exec(select(Organization).where(Organization.code == org_code)
                       .with_for_update(key_share=True).execution_options(populate_existing=True)).first()
    if org is None:
        raise NotFound(say("member_rules.org_not_found", code=repr(org_code[:64])), code="ORGANIZATION_NOT_FOUND")
    return org


def role_permissions(session: Session, role_ids: Collection[str] | None = None) -> dict[str, frozenset[str]]:
    """Permission keys per role id, for `role_ids` (every role when None); roles without any map to {}."""
    roles = select(Role.id) if role_ids is None else select(Role.id).where(col(Role.id).in_(list(role_ids)))
    out: dict[str, set[str]] = {rid: set() for rid in session.exec(roles).all()}
    stmt = (select(RolePermission.role_id, SystemPermission.key)
            .join(SystemPermission, SystemPermission.id == RolePermission.permission_id))
    if role_ids is not None:
        stmt = stmt.where(col(RolePermission.role_id).in_(list(role_ids)))
    for role_id, key in session.exec(stmt).all():
        out.setdefault(role_id, set()).add(key)
    return {rid: frozenset(keys) for rid, keys in out.items()}


def require_members_writer(session: Session, org_code: str, acting_user_id: str) -> frozenset[str]:
    """The acting member's permissions; Forbidden unless they belong to the org and hold org:write:members."""
    held = member_permissions(session, org_code, acting_user_id)
    if MEMBERS_WRITE not in held:
        raise Forbidden(say("member_rules.missing_permission"), code="MISSING_PERMISSION")
    return held


_CANNOT = {  # check_may_grant's verb -> its catalogue message (a sentence per verb, for translators)
    "grant": "member_rules.cannot_grant",
    "take away": "member_rules.cannot_take_away",
    "grant or take away": "member_rules.cannot_grant_or_take_away",
}


def check_may_grant(granter_permissions: Iterable[str], roles: Sequence[Role],
                    permissions_by_role: Mapping[str, frozenset[str]], *, verb: str = "grant") -> None:
    """Forbidden naming every role in `roles` that `may_grant_role` refuses to the granter."""
    held = frozenset(granter_permissions)
    refused = [r for r in roles if not may_grant_role(held, permissions_by_role.get(r.id, frozenset()))]
    if refused:
        names = ", ".join(repr(r.name) for r in refused[:5])
        key = _CANNOT.get(verb)
        raise Forbidden(say(key, roles=names) if key else
                        f"You cannot {verb} the role(s) {names}: they carry permissions you do not hold "
                        "yourself. Ask someone who holds them.", code="ROLE_NOT_GRANTABLE")


@dataclass(frozen=True)
class RoleOption:
    """A role as the members page offers it: disabled when not `grantable`, ticked when `selected`."""

    id: str
    key: str
    name: str
    description: str
    is_default_role: bool
    permissions: tuple[str, ...]
    grantable: bool
    selected: bool


def grantable_roles(session: Session, org_code: str, actor_user_id: str | None, *,
                    selected_role_ids: Collection[str] | None = None) -> list[RoleOption]:
    """Every role, by name, marked `grantable` when the actor may give it (or take it away) in
    `org_code`: they hold org:write:members and `may_grant_role` allows it.

    With `actor_user_id` None (an M2M caller) every role is grantable. `selected` is the invite
    form's pre-selection (grantable roles marked is_default_role) unless `selected_role_ids` gives
    the roles to tick (a member's current roles in the change-roles form; keep ticked roles that
    are not grantable in what you send back, as the actor may not take them away either).
    """
    perms = role_permissions(session)
    held = member_permissions(session, org_code, actor_user_id) if actor_user_id is not None else None
    may_manage = held is None or MEMBERS_WRITE in held
    out = []
    for role in session.exec(select(Role).order_by(func.lower(Role.name), Role.id)).all():
        role_perms = perms.get(role.id, frozenset())
        grantable = held is None or (may_manage and may_grant_role(held, role_perms))
        selected = (role.id in selected_role_ids) if selected_role_ids is not None \
            else (role.is_default_role and grantable)
        out.append(RoleOption(id=role.id, key=role.key, name=role.name, description=role.description,
                              is_default_role=role.is_default_role, permissions=tuple(sorted(role_perms)),
                              grantable=grantable, selected=selected))
    return out


def _writer_memberships(org_code: str):
    """Membership ids in `org_code` that hold org:write:members through some role."""
    return (select(Membership.id)
            .join(MemberRole, MemberRole.membership_id == Membership.id)
            .join(RolePermission, RolePermission.role_id == MemberRole.role_id)
            .join(SystemPermission, SystemPermission.id == RolePermission.permission_id)
            .where(Membership.org_code == org_code, SystemPermission.key == MEMBERS_WRITE))


def writer_count(session: Session, org_code: str) -> int:
    """How many members of `org_code` hold org:write:members."""
    ids = _writer_memberships(org_code).distinct().subquery()
    return session.exec(select(func.count()).select_from(ids)).one()


def check_keeps_member_writer(session: Session, *, org_code: str, membership_id: int,
                              remaining_role_ids: Collection[str] = ()) -> None:
    """Conflict if the member is the organization's last holder of org:write:members and would
    not hold it with `remaining_role_ids` (empty: the member is being removed).

    Call under `lock_org`. An organization with no such member is left as it is: a change that
    does not remove the last one cannot break the invariant.
    """
    if remaining_role_ids and session.exec(
            select(RolePermission.role_id).join(SystemPermission, SystemPermission.id == RolePermission.permission_id)
            .where(col(RolePermission.role_id).in_(list(remaining_role_ids)), SystemPermission.key == MEMBERS_WRITE)
    ).first():
        return
    writers = _writer_memberships(org_code)
    if session.exec(writers.where(Membership.id == membership_id).limit(1)).first() is None:
        return  # not a writer now: nothing to lose
    if session.exec(writers.where(Membership.id != membership_id).limit(1)).first() is None:
        raise Conflict(say("member_rules.last_member_admin"), code="LAST_MEMBER_ADMIN")


def check_role_may_lose_member_writes(session: Session, role_id: str) -> None:
    """Conflict if taking org:write:members away from role `role_id` would leave an organization
    whose only members holding it hold it through this role.

    Locks every organization where someone holds the role (in code order, so concurrent callers
    cannot deadlock) before deciding, like `lock_org` does for one.
    """
    holders = (select(Membership.org_code).join(MemberRole, MemberRole.membership_id == Membership.id)
               .where(MemberRole.role_id == role_id).distinct())
    if session.get_bind().dialect.name == "sqlite":
        session.exec(update(Organization).where(col(Organization.code).in_(holders))
                     .values(version=Organization.version))
    orgs = session.exec(select(Organization.code).where(col(Organization.code).in_(holders))
                        .order_by(Organization.code).with_for_update(key_share=True)).all()
    if not orgs:
        return
    still_covered = set(session.exec(
        select(Membership.org_code).join(MemberRole, MemberRole.membership_id == Membership.id)
        .join(RolePermission, RolePermission.role_id == MemberRole.role_id)
        .join(SystemPermission, SystemPermission.id == RolePermission.permission_id)
        .where(SystemPermission.key == MEMBERS_WRITE, MemberRole.role_id != role_id,
               col(Membership.org_code).in_(holders)).distinct()).all())
    stranded = [code for code in orgs if code not in still_covered]
    if stranded:
        raise Conflict(f"Organization(s) {', '.join(stranded[:5])} would be left without anyone who can manage "
                       "members (org:write:members). Give members there another role with it first.",
                       code="LAST_MEMBER_ADMIN")
