"""Management API: an organization's verified domains (README "Domains"); portal_ui's own routes.

`GET|POST /api/v1/organizations/{org_code}/domains`, `PATCH|DELETE …/domains/{domain_id}`,
`POST …/domains/{domain_id}/verify`. Scopes `read:organization_domains`,
`create:organization_domains`, `update:organization_domains` (enrolment and verify),
`delete:organization_domains`. Verify asks DNS (PORTAL_DNS_RESOLVER) for the TXT record: a missing
or wrong record, or DNS that does not answer, is a 409 DOMAIN_NOT_VERIFIED / DNS_LOOKUP_FAILED
with a message saying what to do; nothing changes.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from portal_ui.api.auth import require_m2m
from portal_ui.api.body import read_body
from portal_ui.api.management._common import SUCCESS, Body, in_transaction, iso, path_param
from portal_ui.domain import domains
from portal_ui.models import OrganizationDomain
from portal_ui.settings import get_settings

PATH = "/api/v1/organizations/{org_code}/domains"
ITEM = PATH + "/{domain_id}"
VERIFY = ITEM + "/verify"
SCOPES = {"read": "read:organization_domains", "create": "create:organization_domains",
          "update": "update:organization_domains", "delete": "delete:organization_domains"}


class CreateDomainBody(Body):
    domain: str = Field(max_length=domains.INPUT_MAX, description=(
        "The domain, like `example.com` (Unicode names are stored in their IDNA form)."))


class UpdateDomainBody(Body):
    enrolment: Literal["manual", "suggest", "automatic"] = Field(description=(
        "How people whose email address is at the (verified) domain join: `manual` (invitations only), "
        "`suggest` (they can ask to join), `automatic` (they are invited)."))


def domain_json(domain: OrganizationDomain) -> dict:
    status = domains.status_of(domain)
    return {
        "id": domain.id, "domain": domain.name, "display_name": domains.display_name(domain.name),
        "status": status, "enrolment": domain.enrolment,
        "verification": {"type": "TXT", "name": domains.record_name(domain), "value": domains.record_value(domain)},
        "created_on": iso(domain.created_on),
        "expires_on": None if status == "verified" else iso(domains.expires_on(domain)),
        "verified_on": iso(domain.verified_on),
    }


async def list_domains(request: Request) -> JSONResponse:
    await require_m2m(request, SCOPES["read"])
    org_code = path_param(request, "org_code")

    def work(session) -> dict:
        return {**SUCCESS, "domains": [domain_json(d) for d in domains.list_domains(session, org_code)]}

    return JSONResponse(await in_transaction(work))


async def add_domain(request: Request) -> JSONResponse:
    caller = await require_m2m(request, SCOPES["create"])
    org_code = path_param(request, "org_code")
    body = await read_body(request, CreateDomainBody)

    def work(session) -> dict:
        domain = domains.add_domain(session, actor=caller.actor, org_code=org_code, name=body.domain)
        return {"code": "DOMAIN_CREATED", "message": "Domain added; publish its TXT record, then verify it.",
                "domain": domain_json(domain)}

    return JSONResponse(await in_transaction(work), status_code=201)


async def update_domain(request: Request) -> JSONResponse:
    caller = await require_m2m(request, SCOPES["update"])
    org_code, domain_id = path_param(request, "org_code"), path_param(request, "domain_id")
    body = await read_body(request, UpdateDomainBody)

    def work(session) -> dict:
        domain = domains.set_enrolment(session, actor=caller.actor, org_code=org_code, domain_id=domain_id,
                                       mode=body.enrolment)
        return {"code": "DOMAIN_UPDATED", "message": "Domain updated", "domain": domain_json(domain)}

    return JSONResponse(await in_transaction(work))


async def remove_domain(request: Request) -> JSONResponse:
    caller = await require_m2m(request, SCOPES["delete"])
    org_code, domain_id = path_param(request, "org_code"), path_param(request, "domain_id")

    def work(session) -> dict:
        domains.remove_domain(session, actor=caller.actor, org_code=org_code, domain_id=domain_id)
        return {"code": "DOMAIN_DELETED", "message": "Domain removed"}

    return JSONResponse(await in_transaction(work))


async def verify_domain(request: Request) -> JSONResponse:
    caller = await require_m2m(request, SCOPES["update"])
    org_code, domain_id = path_param(request, "org_code"), path_param(request, "domain_id")
    resolver = get_settings().dns_resolver

    def work(session) -> dict:
        domain = domains.verify_domain(session, actor=caller.actor, org_code=org_code, domain_id=domain_id,
                                       resolver=resolver)
        return {"code": "DOMAIN_VERIFIED", "message": "Domain verified", "domain": domain_json(domain)}

    return JSONResponse(await in_transaction(work))


routes = [
    Route(PATH, list_domains, methods=["GET"]),
    Route(PATH, add_domain, methods=["POST"]),
    Route(ITEM, update_domain, methods=["PATCH"]),
    Route(ITEM, remove_domain, methods=["DELETE"]),
    Route(VERIFY, verify_domain, methods=["POST"]),
]
