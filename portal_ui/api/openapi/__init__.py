"""`GET /api/openapi.json`: the OpenAPI 3.1 document of every JSON route of `build_api()`.

Where Kinde defines a path, the operation's metadata, parameter descriptions and response schemas
come from Kinde's published documents, copied (and converted to 3.1) into `kinde.json` by
`extract_kinde.py`; the adaptations to what portal_ui really answers are made in `kinde.py`. Request
bodies and query strings are generated from the pydantic models the routes (or, for portal
settings, the domain) validate with (so `additionalProperties: false`, required fields and length
limits are the routes' own), with Kinde's field descriptions merged in.

The modules, by concern: `schema` (JSON Schema helpers), `errors` (the error envelope's responses),
`kinde` (Kinde's data and its adaptations), `builder` (one operation at a time), and the operations
and schemas of `portal_links`, `settings`, `management` (provisioning), `issuer` (the embedded
token issuer), `webhooks` and `domains` (verified domains, join requests).

The document is built on the first request and cached; it does not depend on the settings. It
lists no `servers`, so clients resolve paths against the host that served it. HTML routes
(`/portal_redirect`, `/portal_exit`, `/demo`...) are not part of it.
"""

from __future__ import annotations

import copy
from functools import lru_cache

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from portal_ui.api.openapi import domains, issuer, management, portal_links, settings, webhooks
from portal_ui.api.openapi.builder import Builder
from portal_ui.api.openapi.errors import error_responses
from portal_ui.api.openapi.kinde import adapt_kinde_schemas, load_kinde, security_schemes
from portal_ui.api.openapi.schema import JSON, obj, string

DOCUMENT_PATH = "/api/openapi.json"


def _document_operation(b: Builder) -> None:
    b.paths[DOCUMENT_PATH] = {"get": {
        "operationId": "getOpenApiDocument", "summary": "This OpenAPI document", "tags": ["Meta"], "security": [],
        "responses": {"200": {"description": "The OpenAPI 3.1 document of portal_ui's JSON API.",
                              "content": {JSON: {"schema": obj({"openapi": string(), "paths": {"type": "object"}},
                                                               ["openapi", "paths"])}}}},
    }}


def _components(kinde: dict) -> dict:
    schemas = copy.deepcopy(kinde["schemas"])
    adapt_kinde_schemas(schemas)
    for concern in (settings, management, issuer, webhooks, domains):
        schemas.update(concern.schemas())
    return {
        "securitySchemes": security_schemes(kinde),
        "schemas": dict(sorted(schemas.items())),
        "responses": error_responses(),
    }


@lru_cache(maxsize=1)
def build_document() -> dict:
    """The OpenAPI document (built once per process)."""
    kinde = load_kinde()
    builder = Builder(kinde)
    for concern in (portal_links, settings, management, issuer, webhooks, domains):
        concern.operations(builder)
    webhooks.stripe_operations(builder)
    _document_operation(builder)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "portal_ui API",
            "version": "1",
            "description": "The JSON API of portal_ui, a self-hostable customer portal. Where Kinde's Management "
                           "API and Account API define a path or a field, portal_ui uses the same one; portal_ui's "
                           "own additions are marked (portal_ui). Errors use Kinde's envelope "
                           "`{\"errors\": [{\"code\", \"message\"}]}`.",
        },
        "paths": dict(sorted(builder.paths.items())),
        "components": _components(kinde),
    }


async def openapi_document(_request: Request) -> JSONResponse:
    return JSONResponse(build_document(), headers={"Cache-Control": "public, max-age=300"})


routes = [Route(DOCUMENT_PATH, openapi_document, methods=["GET"])]
