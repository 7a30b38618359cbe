"""Roles and the system permissions they carry (README "Where a link lands").

Functions validate before writing and add one audit event per change to the caller's session;
the caller commits. System permissions themselves are fixed (seeded by migration 0002).
"""

from __future__ import annotations

import re
from typing import Mapping, Sequence

from sqlalchemy import func
from sqlmodel import Session, col, delete, select

from portal_ui.domain import audit
from portal_ui.domain.clock import utcnow
from portal_ui.domain.errors import Conflict, InvalidInput, NotFound
from portal_ui.domain.paging import Page, paginate, scope_of
from portal_ui.domain.role_policy import MEMBERS_WRITE, check_role_may_lose_member_writes
from portal_ui.domain.secrets import new_id
from portal_ui.domain.users import clean_name
from portal_ui.models import Role, RolePermission, SystemPermission

ROLE_SORTS = ("name_asc", "name_desc", "key_asc", "key_desc")
PERMISSION_SORTS = ("name_asc", "name_desc", "id_asc", "id_desc")
DESCRIPTION_MAX = 1024
MAX_PERMISSION_CHANGES = 100
_ROLE_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$")
_ROLE_ID = re.compile(r"^role_[A-Za-z0-9_]{1,59}$")


def create_role(session: Session, *, actor: audit.Actor, key: str, name: str, description: str | None = "",
                is_default_role: bool = False, assign_to_creator: bool = False, role_id: str | None = None) -> Role:
    """Create a role (id `role_<hex>` unless `role_id` is given).

    `is_default_role`: new members get it; `assign_to_creator`: an organization's creator gets it.
    One audit event `role.created`. Raises InvalidInput (missing/bad key, name, description, id),
    Conflict (key or id already used).
    """
    if not isinstance(key, str) or not _ROLE_KEY.match(key):
        raise InvalidInput("key: 1-128 letters, digits, '_', '-', '.' or ':' (starting with a letter or digit)",
                           code="INVALID_ROLE_KEY")
    clean = clean_name(name, field="name")
    if not clean:
        raise InvalidInput("name: give the role a name", code="NAME_REQUIRED")
    desc = clean_name(description, field="description", max_len=DESCRIPTION_MAX)
    if not isinstance(is_default_role, bool) or not isinstance(assign_to_creator, bool):
        raise InvalidInput("is_default_role and assign_to_creator must be true or false")
    if role_id is not None:
        if not isinstance(role_id, str) or not _ROLE_ID.match(role_id):
            raise InvalidInput("id: use role_ followed by letters, digits or underscores")
        if session.get(Role, role_id) is not None:
            raise Conflict(f"A role with id {role_id!r} already exists.", code="ROLE_ALREADY_EXISTS")
    if session.exec(select(Role.id).where(Role.key == key)).first():
        raise Conflict(f"A role with key {key!r} already exists.", code="ROLE_KEY_ALREADY_EXISTS")
    role = Role(id=role_id or new_id("role"), key=key, name=clean, description=desc,
                is_default_role=is_default_role, assign_to_creator=assign_to_creator, created_on=utcnow())
    session.add(role)
    session.flush()
    # "role_key", not "key": the audit log drops fields named "key" as secrets.
    audit.record(session, actor=actor, action="role.created", target_type="role", target_id=role.id, before={},
                 after={"role_key": key, "name": clean, "description": desc, "is_default_role": is_default_role,
                        "assign_to_creator": assign_to_creator})
    return role


def get_role(session: Session, role_id: str) -> Role:
    """The role, or NotFound."""
    role = session.get(Role, role_id) if isinstance(role_id, str) and role_id else None
    if role is None:
        raise NotFound(f"No role with id {str(role_id)[:64]!r}.", code="ROLE_NOT_FOUND")
    return role


def list_roles(session: Session, *, page_size: int | None = None, next_token: str | None = None,
               sort: str | None = None) -> Page[Role]:
    """One page of roles (by key unless sorted otherwise). Raises InvalidInput (sort, size, token)."""
    if sort is not None and sort not in ROLE_SORTS:
        raise InvalidInput(f"sort: use one of {', '.join(ROLE_SORTS)}")
    name, rid = func.lower(Role.name), col(Role.id)
    order = {None: [Role.key], "key_asc": [Role.key], "key_desc": [col(Role.key).desc()],
             "name_asc": [name, rid], "name_desc": [name.desc(), rid.desc()]}[sort]
    return paginate(session, select(Role).order_by(*order), page_size=page_size, next_token=next_token,
                    scope=scope_of("roles", sort))


def _permission_order(sort: str | None) -> list:
    if sort is not None and sort not in PERMISSION_SORTS:
        raise InvalidInput(f"sort: use one of {', '.join(PERMISSION_SORTS)}")
    name, pid = func.lower(SystemPermission.name), col(SystemPermission.id)
    return {None: [SystemPermission.key], "id_asc": [pid], "id_desc": [pid.desc()],
            "name_asc": [name, pid], "name_desc": [name.desc(), pid.desc()]}[sort]


def list_system_permissions(session: Session, *, page_size: int | None = None, next_token: str | None = None,
                            sort: str | None = None) -> Page[SystemPermission]:
    """One page of all system permissions. Raises InvalidInput (sort, size, token)."""
    stmt = select(SystemPermission).order_by(*_permission_order(sort))
    return paginate(session, stmt, page_size=page_size, next_token=next_token,
                    scope=scope_of("system_permissions", sort))


def get_role_system_permissions(session: Session, *, role_id: str, page_size: int | None = None,
                                next_token: str | None = None, sort: str | None = None) -> Page[SystemPermission]:
    """One page of the system permissions of a role. Raises NotFound (role), InvalidInput."""
    get_role(session, role_id)
    stmt = (select(SystemPermission).join(RolePermission, RolePermission.permission_id == SystemPermission.id)
            .where(RolePermission.role_id == role_id).order_by(*_permission_order(sort)))
    return paginate(session, stmt, page_size=page_size, next_token=next_token,
                    scope=scope_of("role_system_permissions", role_id, sort))


def role_permission_keys(session: Session, role_id: str) -> list[str]:
    return sorted(session.exec(select(SystemPermission.key)
                               .join(RolePermission, RolePermission.permission_id == SystemPermission.id)
                               .where(RolePermission.role_id == role_id)).all())


def update_role_system_permissions(session: Session, *, actor: audit.Actor, role_id: str,
                                   changes: Sequence[Mapping]) -> tuple[list[str], list[str]]:
    """Add and remove system permissions: `[{"id": perm_id, "operation"?: "delete"}]` (Kinde's body).

    Adding a permission the role has, or removing one it lacks, changes nothing. Returns the
    (added, removed) permission ids. One audit event `role.system_permissions_updated` when
    anything changed. Raises NotFound (role), InvalidInput (unknown permission id or operation,
    the same id twice, more than 100 changes), Conflict LAST_MEMBER_ADMIN (removing
    org:write:members would leave an organization without anyone who can manage members).
    """
    get_role(session, role_id)
    if len(changes) > MAX_PERMISSION_CHANGES:
        raise InvalidInput(f"system_permissions: at most {MAX_PERMISSION_CHANGES} changes per request")
    wanted: dict[str, bool] = {}  # permission id -> True to add, False to remove
    for change in changes:
        perm_id = change.get("id") if isinstance(change, Mapping) else None
        operation = change.get("operation") if isinstance(change, Mapping) else None
        if not isinstance(perm_id, str) or not perm_id:
            raise InvalidInput("system_permissions: each entry needs an id")
        if operation not in (None, "delete"):
            raise InvalidInput("system_permissions.operation: leave it out to add, or use 'delete' to remove")
        if perm_id in wanted:
            raise InvalidInput(f"system_permissions: {perm_id[:64]!r} appears more than once")
        wanted[perm_id] = operation is None
    known = set(session.exec(select(SystemPermission.id).where(col(SystemPermission.id).in_(list(wanted)))).all())
    unknown = [p for p in wanted if p not in known]
    if unknown:
        raise InvalidInput(f"system_permissions: unknown id(s) {', '.join(repr(p[:64]) for p in unknown[:5])}",
                           code="PERMISSION_NOT_FOUND")
    held = set(session.exec(select(RolePermission.permission_id).where(RolePermission.role_id == role_id)).all())
    added = [p for p, add in wanted.items() if add and p not in held]
    removed = [p for p, add in wanted.items() if not add and p in held]
    if not added and not removed:
        return [], []
    if removed and session.exec(select(SystemPermission.id).where(
            col(SystemPermission.id).in_(removed), SystemPermission.key == MEMBERS_WRITE)).first():
        check_role_may_lose_member_writes(session, role_id)
    before = role_permission_keys(session, role_id)
    for perm_id in added:
        session.add(RolePermission(role_id=role_id, permission_id=perm_id))
    if removed:
        session.exec(delete(RolePermission).where(RolePermission.role_id == role_id,
                                                  col(RolePermission.permission_id).in_(removed)))
    session.flush()
    audit.record(session, actor=actor, action="role.system_permissions_updated", target_type="role",
                 target_id=role_id, before={"system_permissions": before},
                 after={"system_permissions": role_permission_keys(session, role_id)})
    return added, removed
