"""Management API: an organization's pending join requests (README "Domains"); portal_ui's own routes.

`GET /api/v1/organizations/{org_code}/join_requests` (scope `read:organization_join_requests`),
`POST …/join_requests/{request_id}/approve` with `{"roles": [role keys]}` and
`POST …/join_requests/{request_id}/reject` (scope `update:organization_join_requests`). M2M callers
may give any role (the grant rule binds portal members). The requester is emailed the decision
after it is committed, when PORTAL_SMTP_URL is set; `is_sent` says whether that worked.
"""

from __future__ import annotations

from typing import Annotated, List, Optional

from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from portal_ui.api.auth import require_m2m
from portal_ui.api.body import read_body
from portal_ui.api.management._common import SUCCESS, Body, in_transaction, iso, path_param
from portal_ui.domain import join_requests, mailer
from portal_ui.models import NAME_MAX
from portal_ui.settings import get_settings

PATH = "/api/v1/organizations/{org_code}/join_requests"
APPROVE = PATH + "/{request_id}/approve"
REJECT = PATH + "/{request_id}/reject"
READ, UPDATE = "read:organization_join_requests", "update:organization_join_requests"


class ApproveBody(Body):
    roles: Optional[List[Annotated[str, Field(max_length=NAME_MAX)]]] = Field(
        default=None, max_length=join_requests.MAX_ROLES,
        description="Role keys to give, besides the roles marked is_default_role.")


async def list_requests(request: Request) -> JSONResponse:
    await require_m2m(request, READ)
    org_code = path_param(request, "org_code")

    def work(session) -> dict:
        from portal_ui.domain.members import get_org

        get_org(session, org_code)
        rows, total = join_requests.pending_requests(session, org_code)
        return {**SUCCESS, "total": total, "join_requests": [
            {"id": r.id, "user_id": r.user_id, "name": r.name, "email": r.email, "domain": r.domain,
             "status": "pending", "created_on": iso(r.asked_on)} for r in rows]}

    return JSONResponse(await in_transaction(work))


async def _decide(request: Request, approve: bool) -> JSONResponse:
    caller = await require_m2m(request, UPDATE)
    org_code, request_id = path_param(request, "org_code"), path_param(request, "request_id")
    body = await read_body(request, ApproveBody) if approve else None

    def work(session) -> dict:
        if approve:
            decided = join_requests.approve_request(session, actor=caller.actor, org_code=org_code,
                                                    request_id=request_id, role_keys=body.roles or [])
        else:
            decided = join_requests.reject_request(session, actor=caller.actor, org_code=org_code,
                                                   request_id=request_id)
        return {"code": f"JOIN_REQUEST_{decided.status.upper()}", "message": f"Join request {decided.status}",
                "join_request": {"id": decided.id, "user_id": decided.user_id, "status": decided.status,
                                 "roles": decided.role_keys, "decided_on": iso(decided.decided_on)}}

    decided = await in_transaction(work)
    settings = get_settings()
    delivery = await in_transaction(
        lambda session: mailer.deliver_join_decision(session, settings, request_id=decided["join_request"]["id"]))
    decided["is_sent"] = delivery.sent
    return JSONResponse(decided)


async def approve_request(request: Request) -> JSONResponse:
    return await _decide(request, True)


async def reject_request(request: Request) -> JSONResponse:
    return await _decide(request, False)


routes = [
    Route(PATH, list_requests, methods=["GET"]),
    Route(APPROVE, approve_request, methods=["POST"]),
    Route(REJECT, reject_request, methods=["POST"]),
]
