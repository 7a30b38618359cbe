"""Management API: organizations (`POST /api/v1/organization`, `GET /api/v1/organization?code=`,
`GET /api/v1/organizations`).

The create body is Kinde's. portal_ui stores `name`, `external_id` and `billing_email`; Kinde's
branding, handle, sender, feature-flag and auto-membership fields are accepted and not stored;
`is_create_billing_customer: true` and `billing_plan_code` are refused (no billing customers
here). *(portal_ui)* `creator_user_id` makes that user the first member, with the roles marked
is_default_role or assign_to_creator.
"""

from __future__ import annotations

from typing import Annotated, Dict, Optional

from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from portal_ui.api.auth import require_m2m
from portal_ui.api.body import read_body, read_query
from portal_ui.api.errors import ApiError
from portal_ui.api.management._common import SUCCESS, Body, PageQuery, Query, in_transaction, iso, paged
from portal_ui.domain import organizations as domain
from portal_ui.models import NAME_MAX, Organization

Short = Annotated[Optional[str], Field(max_length=NAME_MAX)]


class CreateOrganizationBody(Body):
    name: str = Field(max_length=NAME_MAX)
    external_id: Short = None
    billing_email: Optional[str] = Field(default=None, max_length=320)
    creator_user_id: Optional[str] = Field(default=None, max_length=64)  # portal_ui
    # Accepted for compatibility with Kinde's SDKs; not stored.
    feature_flags: Optional[Dict[str, str]] = Field(default=None, max_length=100)
    background_color: Short = None
    button_color: Short = None
    button_text_color: Short = None
    link_color: Short = None
    background_color_dark: Short = None
    button_color_dark: Short = None
    button_text_color_dark: Short = None
    link_color_dark: Short = None
    theme_code: Short = None
    handle: Short = None
    is_allow_registrations: Optional[bool] = None
    is_auto_membership_enabled: Optional[bool] = None
    sender_name: Short = None
    sender_email: Optional[str] = Field(default=None, max_length=320)
    is_create_billing_customer: Optional[bool] = None
    billing_plan_code: Short = None


class GetOrganizationQuery(Query):
    code: str = Field(min_length=1, max_length=128)
    expand: Optional[str] = Field(default=None, max_length=64)


class ListOrganizationsQuery(PageQuery):
    sort: Optional[str] = Field(default=None, max_length=32)


def organization_item(org: Organization) -> dict:
    """Kinde's organization_item_schema."""
    return {"code": org.code, "name": org.name, "handle": None, "is_default": False,
            "external_id": org.external_id, "is_auto_membership_enabled": False}


async def create_organization(request: Request) -> JSONResponse:
    caller = await require_m2m(request, "create:organizations")
    body = await read_body(request, CreateOrganizationBody)
    if body.is_create_billing_customer or body.billing_plan_code:
        raise ApiError(400, "UNSUPPORTED_BILLING", "portal_ui does not create billing customers")

    def work(session) -> dict:
        org = domain.create_organization(session, actor=caller.actor, name=body.name, external_id=body.external_id,
                                         billing_email=body.billing_email, creator_user_id=body.creator_user_id)
        return {**SUCCESS, "organization": {"code": org.code}}

    return JSONResponse(await in_transaction(work))


async def get_organization(request: Request) -> JSONResponse:
    await require_m2m(request, "read:organizations")
    query = read_query(request, GetOrganizationQuery)
    if query.expand not in (None, "", "billing"):
        raise ApiError(400, "INVALID_INPUT", "expand: the only value is billing")

    def work(session) -> dict:
        org = domain.get_organization(session, query.code)
        return {**organization_item(org), "logo": org.logo_url or None, "created_on": iso(org.created_on),
                "is_suspended": False}

    return JSONResponse(await in_transaction(work))


async def list_organizations(request: Request) -> JSONResponse:
    await require_m2m(request, "read:organizations")
    query = read_query(request, ListOrganizationsQuery)

    def work(session) -> dict:
        page = domain.list_organizations(session, page_size=query.page_size, next_token=query.next_token,
                                         sort=query.sort)
        return paged({**SUCCESS, "organizations": [organization_item(o) for o in page.items]}, page.next_token)

    return JSONResponse(await in_transaction(work))


routes = [
    Route("/api/v1/organization", create_organization, methods=["POST"]),
    Route("/api/v1/organization", get_organization, methods=["GET"]),
    Route("/api/v1/organizations", list_organizations, methods=["GET"]),
]
