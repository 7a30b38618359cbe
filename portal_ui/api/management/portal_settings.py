"""Portal settings API (README "Portal settings", portal_ui's own): environment and per-organization settings.

`GET|PATCH /api/v1/portal/settings` and `GET|PATCH /api/v1/organizations/{org_code}/portal_settings`,
scopes `read:portal_settings` / `update:portal_settings`. PATCH changes only the fields it names;
validation lives in `portal_ui.domain.portal_settings`.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from portal_ui.api.auth import require_m2m
from portal_ui.api.body import read_json_object
from portal_ui.api.management._common import in_transaction, path_param
from portal_ui.domain import portal_settings as domain
from portal_ui.settings import get_settings

READ, UPDATE = "read:portal_settings", "update:portal_settings"


def _updated(data: dict, notices: list[str]) -> JSONResponse:
    """The PATCH answer; `notices` says what was adjusted (e.g. an accent colour, for contrast)."""
    body = {"code": "PORTAL_SETTINGS_UPDATED", "message": "Portal settings updated", "settings": data}
    if notices:
        body["notices"] = notices
    return JSONResponse(body)


async def get_environment(request: Request) -> JSONResponse:
    await require_m2m(request, READ)
    settings = get_settings()
    data = await in_transaction(lambda session: domain.environment_settings(session, settings))
    return JSONResponse({"code": "OK", "message": "Success", "settings": data})


async def patch_environment(request: Request) -> JSONResponse:
    caller = await require_m2m(request, UPDATE)
    patch = await read_json_object(request)
    settings = get_settings()
    notices: list[str] = []
    data = await in_transaction(
        lambda session: domain.update_environment_settings(session, settings, patch, caller.actor, notices))
    return _updated(data, notices)


async def get_organization(request: Request) -> JSONResponse:
    await require_m2m(request, READ)
    org_code = path_param(request, "org_code")
    settings = get_settings()
    data = await in_transaction(lambda session: domain.organization_settings(session, settings, org_code))
    return JSONResponse({"code": "OK", "message": "Success", "settings": data})


async def patch_organization(request: Request) -> JSONResponse:
    caller = await require_m2m(request, UPDATE)
    org_code = path_param(request, "org_code")
    patch = await read_json_object(request)
    settings = get_settings()
    notices: list[str] = []
    data = await in_transaction(
        lambda session: domain.update_organization_settings(session, settings, org_code, patch, caller.actor,
                                                            notices))
    return _updated(data, notices)


routes = [
    Route("/api/v1/portal/settings", get_environment, methods=["GET"]),
    Route("/api/v1/portal/settings", patch_environment, methods=["PATCH"]),
    Route("/api/v1/organizations/{org_code}/portal_settings", get_organization, methods=["GET"]),
    Route("/api/v1/organizations/{org_code}/portal_settings", patch_organization, methods=["PATCH"]),
]
