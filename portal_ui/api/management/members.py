"""Management API: organization members and their roles (Kinde's paths and bodies).

`POST|GET /api/v1/organizations/{org_code}/users`, `DELETE …/users/{user_id}`,
`POST|GET …/users/{user_id}/roles`, `DELETE …/roles/{role_id}`.

portal_ui has no per-user permissions, only roles: a non-empty `permissions` list when adding
users is refused (400 UNSUPPORTED_PERMISSIONS). M2M callers are not limited by the portal's grant
rule, but they are held to the organization's invariant: removing, or taking a role away from,
its last member holding org:write:members is a 409 LAST_MEMBER_ADMIN.
"""

from __future__ import annotations

from typing import Annotated, List, Optional

from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from portal_ui.api.auth import require_m2m
from portal_ui.api.body import read_body, read_query
from portal_ui.api.errors import ApiError
from portal_ui.api.management._common import (SUCCESS, Body, PageQuery, in_transaction, iso, paged, path_param,
                                              split_list)
from portal_ui.domain import member_list
from portal_ui.domain import members as domain
from portal_ui.domain.members import MAX_ROLES_PER_MEMBER, MAX_USERS_PER_CALL
from portal_ui.models import NAME_MAX

RoleKey = Annotated[str, Field(max_length=NAME_MAX)]


class NewMember(Body):
    id: str = Field(min_length=1, max_length=64)
    roles: Optional[List[RoleKey]] = Field(default=None, max_length=MAX_ROLES_PER_MEMBER)
    permissions: Optional[List[RoleKey]] = Field(default=None, max_length=100)


class AddMembersBody(Body):
    users: Optional[List[NewMember]] = Field(default=None, max_length=MAX_USERS_PER_CALL)


class MembersQuery(PageQuery):
    sort: Optional[str] = Field(default=None, max_length=32)
    roles: Optional[str] = Field(default=None, max_length=4096)
    permissions: Optional[str] = Field(default=None, max_length=4096)


class AddRoleBody(Body):
    role_id: Optional[str] = Field(default=None, max_length=64)


async def add_members(request: Request) -> JSONResponse:
    caller = await require_m2m(request, "create:organization_users")
    org_code = path_param(request, "org_code")
    body = await read_body(request, AddMembersBody)
    entries = body.users or []
    if any(e.permissions for e in entries):
        raise ApiError(400, "UNSUPPORTED_PERMISSIONS", "users.permissions: portal_ui grants permissions through roles")

    def work(session) -> dict:
        added = domain.add_members(session, actor=caller.actor, org_code=org_code,
                                   users=[{"id": e.id, "roles": e.roles or []} for e in entries])
        return {**SUCCESS, "users_added": added}

    return JSONResponse(await in_transaction(work))


async def list_members(request: Request) -> JSONResponse:
    await require_m2m(request, "read:organization_users")
    org_code = path_param(request, "org_code")
    query = read_query(request, MembersQuery)
    roles = split_list(query.roles, field="roles", max_items=20)
    permissions = split_list(query.permissions, field="permissions", max_items=20)

    def work(session) -> dict:
        page = member_list.list_members(session, org_code=org_code, page_size=query.page_size,
                                   next_token=query.next_token, sort=query.sort, roles=roles, permissions=permissions)
        items = [{
            "id": m.user.id, "email": m.user.email,
            "full_name": " ".join(p for p in (m.user.given_name, m.user.family_name) if p),
            "first_name": m.user.given_name, "last_name": m.user.family_name,
            "joined_on": iso(m.joined_on), "is_suspended": False, "roles": m.role_keys,
        } for m in page.items]
        return paged({**SUCCESS, "organization_users": items}, page.next_token)

    return JSONResponse(await in_transaction(work))


async def remove_member(request: Request) -> JSONResponse:
    caller = await require_m2m(request, "delete:organization_users")
    org_code, user_id = path_param(request, "org_code"), path_param(request, "user_id")

    def work(session) -> dict:
        domain.remove_member(session, actor=caller.actor, org_code=org_code, user_id=user_id)
        return {"code": "OK", "message": "User successfully removed from organization"}

    return JSONResponse(await in_transaction(work))


async def list_member_roles(request: Request) -> JSONResponse:
    await require_m2m(request, "read:organization_user_roles")
    org_code, user_id = path_param(request, "org_code"), path_param(request, "user_id")

    def work(session) -> dict:
        roles = domain.list_member_roles(session, org_code=org_code, user_id=user_id)
        return {**SUCCESS, "roles": [{"id": r.id, "key": r.key, "name": r.name} for r in roles]}

    return JSONResponse(await in_transaction(work))


async def add_member_role(request: Request) -> JSONResponse:
    caller = await require_m2m(request, "create:organization_user_roles")
    org_code, user_id = path_param(request, "org_code"), path_param(request, "user_id")
    body = await read_body(request, AddRoleBody)
    if not body.role_id:
        raise ApiError(400, "INVALID_INPUT", "role_id: give the id of the role to add")

    def work(session) -> dict:
        domain.add_member_role(session, actor=caller.actor, org_code=org_code, user_id=user_id, role_id=body.role_id)
        return {"code": "OK", "message": "Role successfully added"}

    return JSONResponse(await in_transaction(work))


async def remove_member_role(request: Request) -> JSONResponse:
    caller = await require_m2m(request, "delete:organization_user_roles")
    org_code, user_id = path_param(request, "org_code"), path_param(request, "user_id")
    role_id = path_param(request, "role_id")

    def work(session) -> dict:
        domain.remove_member_role(session, actor=caller.actor, org_code=org_code, user_id=user_id, role_id=role_id)
        return {"code": "OK", "message": "Role successfully removed"}

    return JSONResponse(await in_transaction(work))


_USERS = "/api/v1/organizations/{org_code}/users"
routes = [
    Route(_USERS, add_members, methods=["POST"]),
    Route(_USERS, list_members, methods=["GET"]),
    Route(_USERS + "/{user_id}", remove_member, methods=["DELETE"]),
    Route(_USERS + "/{user_id}/roles", add_member_role, methods=["POST"]),
    Route(_USERS + "/{user_id}/roles", list_member_roles, methods=["GET"]),
    Route(_USERS + "/{user_id}/roles/{role_id}", remove_member_role, methods=["DELETE"]),
]
