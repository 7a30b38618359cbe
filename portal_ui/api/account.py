"""Account API (README "How it works"): `GET /account_api/v1/portal_link` for the signed-in user's token.

Kinde-compatible: `subnav` (Kinde's Account API) and `sub_nav` (some SDKs) are both accepted;
the organization comes only from the token's `org_code` claim, never from the query. `flow`,
`flow_plan` and `after_completion_url` open a focused flow (portal_ui.domain.flows).
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from portal_ui.api.auth import require_user
from portal_ui.api.errors import ApiError
from portal_ui.api.management._common import in_transaction
from portal_ui.api.portal import one_sub_nav
from portal_ui.api.throttle import address_key, failures_counted, throttle
from portal_ui.domain.links import create_link
from portal_ui.settings import get_settings

QUERY_FIELDS = ("subnav", "sub_nav", "return_url", "flow", "flow_plan", "after_completion_url")


def _single(request: Request, name: str) -> str | None:
    values = request.query_params.getlist(name)
    if len(values) > 1:
        raise ApiError(400, "INVALID_INPUT", f"{name}: give this parameter once")
    return values[0] if values else None


async def portal_link(request: Request) -> JSONResponse:
    async with failures_counted("link:ip", address_key(request)):  # bad tokens, per address
        caller = await require_user(request)
    await throttle("link:user", caller.user_id)
    unknown = [k for k in request.query_params.keys() if k not in QUERY_FIELDS]
    if unknown:
        raise ApiError(400, "INVALID_INPUT", f"{unknown[0][:40]}: unknown parameter; use {', '.join(QUERY_FIELDS)}")
    section = one_sub_nav(_single(request, "subnav"), _single(request, "sub_nav"))
    return_url = _single(request, "return_url")
    flow = {name: _single(request, name) for name in ("flow", "flow_plan", "after_completion_url")}
    settings = get_settings()

    def work(session) -> str:
        return create_link(session, settings, user_id=caller.user_id, org_code=caller.org_code,
                           sub_nav=section, return_url=return_url, actor=caller.actor, **flow)

    url = await in_transaction(work)
    return JSONResponse({"url": url}, headers={"Cache-Control": "no-store"})


routes = [Route("/account_api/v1/portal_link", portal_link, methods=["GET"])]
