"""Management API: verify an API key (Kinde's path and answer) and the API scope catalogue.

`POST /api/v1/api_keys/verify` (scope `verify:api_keys`), body `{"api_key": "..."}`:
- a malformed key (wrong prefix, length, alphabet or checksum) -> 400 INVALID_API_KEY;
- otherwise 200 with Kinde's `verify_api_key_response` fields (`code`, `message`, `is_valid`,
  `key_id`, `status`, `scopes`, `org_code`, `user_id`, `last_verified_on`,
  `verification_count`) plus *(portal_ui)* `type`. A valid key answers `API_KEY_VERIFIED`
  and counts the verification. An unknown key (never issued, or replaced by a rotation)
  answers `is_valid: false` with null details; a revoked or expired key answers
  `is_valid: false` with its details, `status` `revoked`/`expired`, and `scopes: []` so a
  caller that only looks at scopes grants nothing.

*(portal_ui)* `GET /api/v1/api_scopes` (scope `read:api_scopes`, the whole catalogue, no
paging) and `POST /api/v1/api_scopes` (scope `create:api_scopes`, body `{"key", "description"?}`).
"""

from __future__ import annotations

from typing import Optional

from pydantic import Field
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from portal_ui.api.auth import require_m2m
from portal_ui.api.body import read_body, read_query
from portal_ui.api.management._common import SUCCESS, Body, Query, in_transaction, iso
from portal_ui.domain import api_keys as domain
from portal_ui.models import ApiScope

MAX_API_KEY_CHARS = domain.MAX_INPUT_CHARS


class VerifyBody(Body):
    api_key: str = Field(min_length=1, max_length=MAX_API_KEY_CHARS)


class CreateScopeBody(Body):
    key: str = Field(min_length=1, max_length=domain.SCOPE_KEY_MAX)
    description: Optional[str] = Field(default=None, max_length=domain.SCOPE_DESCRIPTION_MAX)


_INVALID_MESSAGES = {"unknown": "API key is not valid", "revoked": "API key has been revoked",
                     "expired": "API key has expired"}


def verification_json(result: domain.Verification) -> dict:
    """Kinde's verify_api_key_response (plus `type`) for a verification result."""
    key = result.key
    if result.is_valid:
        head = {"code": "API_KEY_VERIFIED", "message": "API key verified", "is_valid": True}
    else:
        head = {"code": "API_KEY_INVALID", "message": _INVALID_MESSAGES.get(result.reason or "", "API key is not valid"),
                "is_valid": False}
    if key is None:
        return {**head, "key_id": None, "type": None, "status": None, "scopes": [], "org_code": None,
                "user_id": None, "last_verified_on": None, "verification_count": None}
    return {**head, "key_id": key.id, "type": key.type, "status": result.reason or domain.ACTIVE,
            "scopes": list(key.scopes) if result.is_valid else [], "org_code": key.org_code, "user_id": key.user_id,
            "last_verified_on": iso(key.last_verified_on), "verification_count": key.verification_count}


def scope_json(scope: ApiScope) -> dict:
    return {"id": scope.id, "key": scope.key, "description": scope.description, "created_on": iso(scope.created_on)}


async def verify_api_key(request: Request) -> JSONResponse:
    await require_m2m(request, "verify:api_keys")
    body = await read_body(request, VerifyBody)
    domain.parse_key(body.api_key)  # malformed -> 400 before any database work

    def work(session) -> dict:
        return verification_json(domain.verify_key(session, body.api_key))

    return JSONResponse(await in_transaction(work))


async def list_api_scopes(request: Request) -> JSONResponse:
    await require_m2m(request, "read:api_scopes")
    read_query(request, Query)

    def work(session) -> dict:
        return {**SUCCESS, "api_scopes": [scope_json(s) for s in domain.list_api_scopes(session)]}

    return JSONResponse(await in_transaction(work))


async def create_api_scope(request: Request) -> JSONResponse:
    caller = await require_m2m(request, "create:api_scopes")
    body = await read_body(request, CreateScopeBody)

    def work(session) -> dict:
        scope = domain.create_api_scope(session, actor=caller.actor, key=body.key, description=body.description or "")
        return {"code": "API_SCOPE_CREATED", "message": "API scope created", "api_scope": scope_json(scope)}

    return JSONResponse(await in_transaction(work), status_code=201)


routes = [
    Route("/api/v1/api_keys/verify", verify_api_key, methods=["POST"]),
    Route("/api/v1/api_scopes", list_api_scopes, methods=["GET"]),
    Route("/api/v1/api_scopes", create_api_scope, methods=["POST"]),
]
