"""Management API: roles and system permissions (Kinde's paths and bodies).

`POST|GET /api/v1/roles`, `GET /api/v1/system_permissions`,
`GET|PATCH /api/v1/roles/{role_id}/system_permissions`.

Role creation takes Kinde's body; `key` and `name` are required here. *(portal_ui)*
`assign_to_creator` marks a role for an organization's creator. Kinde's
`assignment_permission_id` is refused when set (no assignment permissions here). Removing
org:write:members from a role is a 409 LAST_MEMBER_ADMIN when some organization would be left
without anyone who can manage members.
"""

from __future__ import annotations

from typing import List, Optional

from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from portal_ui.api.auth import require_m2m
from portal_ui.api.body import read_body, read_query
from portal_ui.api.errors import ApiError
from portal_ui.api.management._common import SUCCESS, Body, PageQuery, in_transaction, paged, path_param
from portal_ui.domain import roles as domain
from portal_ui.domain.roles import DESCRIPTION_MAX, MAX_PERMISSION_CHANGES
from portal_ui.models import NAME_MAX, Role, SystemPermission


class CreateRoleBody(Body):
    key: Optional[str] = Field(default=None, max_length=128)
    name: Optional[str] = Field(default=None, max_length=NAME_MAX)
    description: Optional[str] = Field(default=None, max_length=DESCRIPTION_MAX)
    is_default_role: Optional[bool] = None
    assign_to_creator: Optional[bool] = None  # portal_ui
    assignment_permission_id: Optional[str] = Field(default=None, max_length=64)


class PermissionChange(Body):
    id: str = Field(min_length=1, max_length=64)
    operation: Optional[str] = Field(default=None, max_length=16)


class UpdatePermissionsBody(Body):
    system_permissions: List[PermissionChange] = Field(max_length=MAX_PERMISSION_CHANGES)


class SortedPageQuery(PageQuery):
    sort: Optional[str] = Field(default=None, max_length=32)


def role_json(role: Role) -> dict:
    return {"id": role.id, "key": role.key, "name": role.name, "description": role.description,
            "is_default_role": role.is_default_role, "assign_to_creator": role.assign_to_creator}


def permission_json(perm: SystemPermission) -> dict:
    return {"id": perm.id, "key": perm.key, "name": perm.name, "description": perm.description}


async def create_role(request: Request) -> JSONResponse:
    caller = await require_m2m(request, "create:roles")
    body = await read_body(request, CreateRoleBody)
    if body.assignment_permission_id is not None:
        raise ApiError(400, "UNSUPPORTED_ASSIGNMENT_PERMISSION",
                       "assignment_permission_id: portal_ui has no assignment permissions; leave it out")
    if not body.key or not body.name:
        raise ApiError(400, "INVALID_INPUT", "key and name are required")

    def work(session) -> dict:
        role = domain.create_role(session, actor=caller.actor, key=body.key, name=body.name,
                                  description=body.description or "", is_default_role=bool(body.is_default_role),
                                  assign_to_creator=bool(body.assign_to_creator))
        return {"code": "ROLE_CREATED", "message": "Role successfully created", "role": {"id": role.id}}

    return JSONResponse(await in_transaction(work), status_code=201)


async def list_roles(request: Request) -> JSONResponse:
    await require_m2m(request, "read:roles")
    query = read_query(request, SortedPageQuery)

    def work(session) -> dict:
        page = domain.list_roles(session, page_size=query.page_size, next_token=query.next_token, sort=query.sort)
        return paged({**SUCCESS, "roles": [role_json(r) for r in page.items]}, page.next_token)

    return JSONResponse(await in_transaction(work))


async def list_system_permissions(request: Request) -> JSONResponse:
    await require_m2m(request, "read:system_permissions")
    query = read_query(request, SortedPageQuery)

    def work(session) -> dict:
        page = domain.list_system_permissions(session, page_size=query.page_size, next_token=query.next_token,
                                              sort=query.sort)
        return paged({**SUCCESS, "system_permissions": [permission_json(p) for p in page.items]}, page.next_token)

    return JSONResponse(await in_transaction(work))


async def get_role_system_permissions(request: Request) -> JSONResponse:
    await require_m2m(request, "read:role_system_permissions")
    role_id = path_param(request, "role_id")
    query = read_query(request, SortedPageQuery)

    def work(session) -> dict:
        page = domain.get_role_system_permissions(session, role_id=role_id, page_size=query.page_size,
                                                  next_token=query.next_token, sort=query.sort)
        return paged({**SUCCESS, "system_permissions": [permission_json(p) for p in page.items]}, page.next_token)

    return JSONResponse(await in_transaction(work))


async def update_role_system_permissions(request: Request) -> JSONResponse:
    caller = await require_m2m(request, "update:role_system_permissions")
    role_id = path_param(request, "role_id")
    body = await read_body(request, UpdatePermissionsBody)

    def work(session) -> dict:
        added, removed = domain.update_role_system_permissions(
            session, actor=caller.actor, role_id=role_id,
            changes=[{"id": c.id, "operation": c.operation} for c in body.system_permissions])
        return {"code": "OK", "message": "System permissions successfully updated",
                "system_permissions_added": added, "system_permissions_removed": removed}

    return JSONResponse(await in_transaction(work))


routes = [
    Route("/api/v1/roles", create_role, methods=["POST"]),
    Route("/api/v1/roles", list_roles, methods=["GET"]),
    Route("/api/v1/system_permissions", list_system_permissions, methods=["GET"]),
    Route("/api/v1/roles/{role_id}/system_permissions", get_role_system_permissions, methods=["GET"]),
    Route("/api/v1/roles/{role_id}/system_permissions", update_role_system_permissions, methods=["PATCH"]),
]
