"""Management API: the plan catalogue *(portal_ui; Kinde keeps plans in its admin UI)*.

`GET /api/v1/plans` (scope `read:plans`) lists plans in catalogue order, optionally `active=true|false`
only, with Kinde's paging. `POST /api/v1/plans` (scope `create:plans`) adds one; amounts are integer
minor units (`1900` with `USD` is $19.00).
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
from portal_ui.api.management._common import SUCCESS, Body, PageQuery, in_transaction, iso, paged
from portal_ui.billing import plans as domain
from portal_ui.billing.money import MAX_AMOUNT_MINOR, format_money
from portal_ui.models import NAME_MAX, Plan


class CreatePlanBody(Body):
    key: Optional[str] = Field(default=None, max_length=64)
    name: Optional[str] = Field(default=None, max_length=NAME_MAX)
    description: Optional[str] = Field(default=None, max_length=domain.DESCRIPTION_MAX)
    amount_minor: Optional[int] = Field(default=None, ge=0, le=MAX_AMOUNT_MINOR)
    currency: Optional[str] = Field(default=None, max_length=3)
    interval: Optional[str] = Field(default=None, max_length=8)
    features: Optional[List[str]] = Field(default=None, max_length=domain.MAX_FEATURES)
    active: Optional[bool] = None
    sort_order: Optional[int] = Field(default=None, ge=-10_000, le=10_000)


class PlansQuery(PageQuery):
    active: Optional[bool] = None


def plan_json(plan: Plan) -> dict:
    return {"key": plan.key, "name": plan.name, "description": plan.description,
            "amount_minor": plan.amount_minor, "currency": plan.currency, "interval": plan.interval,
            "price": format_money(plan.amount_minor, plan.currency), "features": list(plan.features),
            "active": plan.active, "sort_order": plan.sort_order, "created_on": iso(plan.created_on)}


async def create_plan(request: Request) -> JSONResponse:
    caller = await require_m2m(request, "create:plans")
    body = await read_body(request, CreatePlanBody)
    missing = [f for f in ("key", "name", "amount_minor", "currency", "interval") if getattr(body, f) is None]
    if missing:
        raise ApiError(400, "INVALID_INPUT", f"{', '.join(missing)}: required")

    def work(session) -> dict:
        plan = domain.create_plan(session, actor=caller.actor, key=body.key, name=body.name,
                                  amount_minor=body.amount_minor, currency=body.currency, interval=body.interval,
                                  description=body.description or "", features=body.features or [],
                                  active=True if body.active is None else body.active,
                                  sort_order=body.sort_order or 0)
        return {"code": "PLAN_CREATED", "message": "Plan successfully created", "plan": plan_json(plan)}

    return JSONResponse(await in_transaction(work), status_code=201)


async def list_plans(request: Request) -> JSONResponse:
    await require_m2m(request, "read:plans")
    query = read_query(request, PlansQuery)

    def work(session) -> dict:
        page = domain.list_plans(session, active=query.active, page_size=query.page_size, next_token=query.next_token)
        return paged({**SUCCESS, "plans": [plan_json(p) for p in page.items]}, page.next_token)

    return JSONResponse(await in_transaction(work))


routes = [
    Route("/api/v1/plans", create_plan, methods=["POST"]),
    Route("/api/v1/plans", list_plans, methods=["GET"]),
]
