"""`GET /api/openapi.json`: the OpenAPI 3.1 document of every JSON route of `build_api()`.

Where Kinde defines a path, the operation's metadata, parameter descriptions and response schemas
come from Kinde's published documents, copied (and converted to 3.1) into `openapi/kinde.json` by
`openapi/extract_kinde.py`; the adaptations to what portal_ui really answers are made below, in
`_adapt_kinde_schemas`. Request bodies and query strings are generated from the pydantic models the
routes validate with (so `additionalProperties: false`, required fields and length limits are the
routes' own), with Kinde's field descriptions merged in.

The document is built on the first request and cached; it does not depend on the settings. It
lists no `servers`, so clients resolve paths against the host that served it. HTML routes
(`/portal_redirect`, `/portal_exit`, `/demo`...) are not part of it.
"""

from __future__ import annotations

import copy
import json
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Optional

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

DOCUMENT_PATH = "/api/openapi.json"
KINDE_DATA = Path(__file__).with_name("openapi") / "kinde.json"

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"
MAX_PATH_PARAM = 128  # portal_ui.api.management._common.MAX_PATH_PARAM: longer -> 404

# Demo ids used as parameter examples (the seeded demo: `portal-ui seed-demo`).
EXAMPLES = {"org_code": "org_demo_acme", "user_id": "kp_demo_vic", "organization_code": "org_demo_acme"}

ERROR_DESCRIPTIONS = {
    400: "Invalid request: a malformed body or query, an unknown field or parameter, or a bad value.",
    401: "Client authentication failed (RFC 6749 section 5.2).",
    403: "Invalid credentials: the bearer token is missing, malformed, expired or of the wrong kind, "
         "or it lacks the scope this operation needs.",
    404: "The specified resource was not found.",
    409: "The change conflicts with the current state (a duplicate, or a concurrent change).",
    413: "The request body is larger than 64 KiB.",
    415: "The request body is not application/json.",
    429: "Too many requests; the request was throttled. Retry after the number of seconds in Retry-After.",
}
_ERROR_REFS = {400: "BadRequest", 403: "Forbidden", 404: "NotFound", 409: "Conflict", 413: "PayloadTooLarge",
               415: "UnsupportedMediaType", 429: "TooManyRequests"}


# ---- JSON Schema helpers --------------------------------------------------------------------

def _nullable(schema: dict) -> dict:
    out = dict(schema)
    kind = out.get("type")
    if isinstance(kind, str):
        out["type"] = [kind, "null"]
    elif isinstance(kind, list) and "null" not in kind:
        out["type"] = [*kind, "null"]
    return out


def _obj(properties: dict, required: Iterable[str] = (), *, closed: bool = False, **extra: Any) -> dict:
    out: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        out["required"] = list(required)
    if closed:
        out["additionalProperties"] = False
    out.update(extra)
    return out


def _str(**kw: Any) -> dict:
    return {"type": "string", **kw}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _clean(node: Any, defs: dict) -> Any:
    """Pydantic's JSON schema without titles, with `$defs` references inlined."""
    if isinstance(node, list):
        return [_clean(v, defs) for v in node]
    if not isinstance(node, dict):
        return node
    if "$ref" in node:
        return _clean(defs[node["$ref"].rsplit("/", 1)[1]], defs)
    out = {}
    for key, value in node.items():
        if key in ("title", "$defs"):
            continue
        if key == "properties":
            out[key] = {name: _clean(sub, defs) for name, sub in value.items()}
        else:
            out[key] = _clean(value, defs)
    return out


def model_schema(model: type[BaseModel]) -> dict:
    """The JSON Schema (2020-12, as OpenAPI 3.1 uses) of what `model` accepts."""
    raw = model.model_json_schema(mode="validation")
    return _clean(raw, raw.get("$defs", {}))


def _non_null(schema: dict) -> dict:
    """`X` from pydantic's `anyOf: [X, {type: null}]` (a query parameter is absent, never null)."""
    branches = schema.get("anyOf")
    if branches:
        kept = [b for b in branches if b.get("type") != "null"]
        if len(kept) == 1:
            rest = {k: v for k, v in schema.items() if k not in ("anyOf", "default")}
            return {**kept[0], **rest}
    return {k: v for k, v in schema.items() if k != "default"}


def _merge_descriptions(ours: Any, kinde: Any) -> None:
    """Copy Kinde's `description`s onto our schema where the same field exists (in place)."""
    if not isinstance(ours, dict) or not isinstance(kinde, dict):
        return
    for branch in ours.get("anyOf", []):
        if branch.get("type") != "null":
            _merge_descriptions(branch, kinde)
    if "description" in kinde and "description" not in ours:
        ours["description"] = kinde["description"]
    for name, sub in ours.get("properties", {}).items():
        _merge_descriptions(sub, kinde.get("properties", {}).get(name))
    if isinstance(ours.get("items"), dict):
        _merge_descriptions(ours["items"], kinde.get("items"))


# ---- portal_ui's adaptations of Kinde's response schemas -----------------------------------

def _require(schema: dict, *names: str) -> None:
    schema["required"] = sorted(set(schema.get("required", [])) | set(names))


def _adapt_kinde_schemas(schemas: dict) -> None:
    """Make Kinde's response schemas say what portal_ui answers (in place)."""
    # The envelope: always at least one {code, message}.
    schemas["error"]["required"] = ["code", "message"]
    schemas["error_response"]["properties"]["errors"]["minItems"] = 1
    _require(schemas["error_response"], "errors")

    for name in ("success_response", "create_organization_response", "create_roles_response",
                 "add_organization_users_response", "get_organizations_response", "get_roles_response",
                 "get_system_permissions_response", "role_system_permissions_response",
                 "update_role_system_permissions_response", "get_organization_users_response",
                 "get_organizations_user_roles_response", "users_response", "get_organization_invites_response",
                 "create_organization_invite_response", "verify_api_key_response"):
        _require(schemas[name], "code", "message")

    # Users: one optional email per user; names are "" when unknown.
    user = schemas["user"]["properties"]
    user["preferred_email"] = _nullable(user["preferred_email"])
    _require(schemas["user"], "id", "preferred_email", "first_name", "last_name", "is_suspended", "created_on")
    listed = schemas["users_response"]["properties"]["users"]["items"]
    listed["properties"]["email"] = _nullable(listed["properties"]["email"])
    _require(listed, "id", "email", "first_name", "last_name", "is_suspended", "created_on")
    _require(schemas["users_response"], "users")
    _require(schemas["create_user_response"], "id", "created", "identities")

    _require(schemas["organization_item_schema"], "code", "name")
    _require(schemas["get_organizations_response"], "organizations")
    _require(schemas["get_organization_response"], "code", "name", "created_on")
    _require(schemas["create_organization_response"], "organization")
    _require(schemas["create_organization_response"]["properties"]["organization"], "code")

    _require(schemas["organization_user"], "id", "email", "full_name", "joined_on", "roles")
    _require(schemas["get_organization_users_response"], "organization_users")
    _require(schemas["add_organization_users_response"], "users_added")
    _require(schemas["organization_user_role"], "id", "key", "name")
    _require(schemas["get_organizations_user_roles_response"], "roles")

    # Roles carry portal_ui's description and assign_to_creator.
    roles = schemas["roles"]
    roles["properties"]["description"] = _str(description="What the role is for.")
    roles["properties"]["assign_to_creator"] = {
        "type": "boolean", "description": "(portal_ui) Given to the creator of a new organization."}
    _require(roles, "id", "key", "name", "description", "is_default_role", "assign_to_creator")
    _require(schemas["get_roles_response"], "roles")
    _require(schemas["create_roles_response"], "role")
    _require(schemas["create_roles_response"]["properties"]["role"], "id")
    perms = schemas["system_permissions"]
    perms["properties"]["description"] = _str(description="What the permission allows.")
    _require(perms, "id", "key", "name")
    _require(schemas["get_system_permissions_response"], "system_permissions")
    _require(schemas["role_system_permissions_response"], "system_permissions")
    _require(schemas["update_role_system_permissions_response"], "system_permissions_added",
             "system_permissions_removed")

    _require(schemas["organization_invite"], "id", "code", "email", "created_on", "is_sent", "roles", "is_revoked")
    _require(schemas["get_organization_invites_response"], "invites")
    invite = schemas["create_organization_invite_response"]["properties"]["invite"]
    _require(invite, "id", "code", "email", "created_on", "is_sent", "roles", "is_revoked")
    _require(schemas["create_organization_invite_response"], "invite")

    # An unknown key has no details (null); portal_ui adds the key's type.
    verify = schemas["verify_api_key_response"]["properties"]
    for name in ("key_id", "status", "verification_count"):
        verify[name] = _nullable(verify[name])
    verify["status"]["enum"] = ["active", "revoked", "expired", None]
    verify["type"] = {"type": ["string", "null"], "enum": ["organization", "user", None],
                      "description": "(portal_ui) Whose key it is."}
    _require(schemas["verify_api_key_response"], "is_valid", "key_id", "status", "scopes")

    link = schemas["portal_link"]
    link["properties"]["url"]["format"] = "uri"
    _require(link, "url")


# ---- portal_ui's own schemas -----------------------------------------------------------------

def _portal_ui_schemas() -> dict:
    from portal_ui.domain import portal_settings as ps
    from portal_ui.domain.return_urls import URL_MAX

    def switches(keys: Iterable[str], what: str) -> dict:
        return _obj({k: {"type": "boolean"} for k in keys}, closed=True,
                    description=f"Which {what} functions the portal offers; unknown keys are refused.")

    seconds = {name: {"type": "integer", "minimum": low, "maximum": high}
               for name, (low, high) in ps.LIMITS.items()}
    url = _str(minLength=1, maxLength=URL_MAX, format="uri", description="An absolute http(s) URL.")
    branding_fields = {
        "product_name": _str(minLength=1, maxLength=60),
        "logo_url": {"type": ["string", "null"], "maxLength": URL_MAX,
                     "description": "An absolute http(s) URL; null or \"\" for none."},
        "accent_color": _str(pattern="^#[0-9a-fA-F]{6}$", examples=["#4f46e5"]),
        "appearance": _str(enum=list(ps.APPEARANCES)),
    }
    env_fields = {
        "return_url": url,
        "allowed_return_origins": {"type": "array", "maxItems": ps.MAX_ORIGINS,
                                   "items": _str(minLength=1, maxLength=255, examples=["https://app.example.com"]),
                                   "description": "Origins (scheme://host[:port]) a return_url may point to."},
        "org_alias": _str(minLength=1, maxLength=40, description="What the portal calls an organization."),
        "org_functions": switches(ps.ORG_FUNCTIONS, "organization"),
        "user_functions": switches(ps.USER_FUNCTIONS, "user"),
        **seconds,
        "branding": _obj(branding_fields, closed=True),
    }
    org_fields = {
        "override_environment": {"type": "boolean",
                                 "description": "Use this organization's functions and branding instead of "
                                                "the environment's."},
        "org_functions": env_fields["org_functions"],
        "branding": env_fields["branding"],
    }
    env_read = copy.deepcopy(env_fields)
    env_read["branding"]["required"] = list(branding_fields)
    env_read["branding"]["properties"]["logo_url"] = {"type": ["string", "null"]}
    org_read = {**org_fields, "branding": env_read["branding"]}

    def settings_response(name: str) -> dict:
        notices = {"type": "array", "items": _str(),
                   "description": "What was adjusted, e.g. an accent colour darkened to reach 4.5:1 contrast."}
        return _obj({"code": _str(), "message": _str(), "settings": _ref(name), "notices": notices},
                    ["code", "message", "settings"])

    plan = _obj({
        "key": _str(), "name": _str(), "description": _str(), "amount_minor": {"type": "integer"},
        "currency": _str(), "interval": _str(enum=["month", "year", "none"]),
        "price": _str(description="The amount for people, e.g. \"$19.00\"."),
        "features": {"type": "array", "items": _str()}, "active": {"type": "boolean"},
        "sort_order": {"type": "integer"}, "created_on": _str(format="date-time"),
    }, ["key", "name", "description", "amount_minor", "currency", "interval", "price", "features", "active",
        "sort_order", "created_on"])
    api_scope = _obj({"id": _str(), "key": _str(), "description": _str(), "created_on": _str(format="date-time")},
                     ["id", "key", "description", "created_on"])
    jwk = _obj({"kty": _str(), "kid": _str(), "use": _str(), "alg": _str(), "n": _str(), "e": _str()},
               ["kty", "kid"])
    return {
        "portal_settings": _obj(env_read, list(env_fields), description="The environment's portal settings."),
        "portal_settings_patch": _obj(env_fields, closed=True,
                                      description="The fields to change; the others keep their values."),
        "organization_portal_settings": _obj(org_read, list(org_fields),
                                             description="An organization's portal settings; without an override "
                                                         "they mirror the environment's."),
        "organization_portal_settings_patch": _obj(org_fields, closed=True,
                                                   description="The fields to change; the others keep their values."),
        "portal_settings_response": settings_response("portal_settings"),
        "organization_portal_settings_response": settings_response("organization_portal_settings"),
        "plan": plan,
        "get_plans_response": _obj({"code": _str(), "message": _str(),
                                    "plans": {"type": "array", "items": _ref("plan")}, "next_token": _str()},
                                   ["code", "message", "plans"]),
        "create_plan_response": _obj({"code": _str(), "message": _str(), "plan": _ref("plan")},
                                     ["code", "message", "plan"]),
        "api_scope": api_scope,
        "get_api_scopes_response": _obj({"code": _str(), "message": _str(),
                                         "api_scopes": {"type": "array", "items": _ref("api_scope")}},
                                        ["code", "message", "api_scopes"]),
        "create_api_scope_response": _obj({"code": _str(), "message": _str(), "api_scope": _ref("api_scope")},
                                          ["code", "message", "api_scope"]),
        "token_response": _obj({"access_token": _str(), "token_type": _str(enum=["Bearer"]),
                                "expires_in": {"type": "integer"}, "scope": _str()},
                               ["access_token", "token_type", "expires_in", "scope"]),
        "oauth_error": _obj({"error": _str(enum=["invalid_request", "invalid_client", "invalid_grant",
                                                 "unauthorized_client", "unsupported_grant_type", "invalid_scope"]),
                             "error_description": _str()}, ["error"],
                            description="An OAuth 2.0 error (RFC 6749 section 5.2)."),
        "jwks": _obj({"keys": {"type": "array", "items": jwk}}, ["keys"]),
    }


# ---- operations ------------------------------------------------------------------------------

class _Builder:
    def __init__(self, kinde: dict):
        self.kinde = kinde
        self.paths: dict[str, dict] = {}

    def add(self, method: str, path: str, *, auth: str, scope: Optional[str] = None, ok: tuple[int, str, str],
            errors: Iterable[int] = (), query: Optional[type[BaseModel]] = None, query_overrides: Optional[dict] = None,
            body: Optional[type[BaseModel] | dict] = None, body_required: bool = True, operation_id: str = "",
            summary: str = "", description: str = "", tags: Iterable[str] = (), notes: str = "") -> None:
        """Document one operation. `auth` is "m2m" (with `scope`) or "user"; `ok` is (status, response
        schema name, description); `errors` the statuses beyond those implied (403 for a token, 404 for a
        path parameter, 400/413/415 for a body). Kinde's metadata for the path wins over `operation_id`,
        `summary`, `description` and `tags`; `notes` add portal_ui's differences."""
        kinde = self.kinde["operations"].get(f"{method} {path}", {})
        op: dict[str, Any] = {
            "operationId": kinde.get("operationId") or operation_id,
            "summary": kinde.get("summary") or summary,
            "tags": list(kinde.get("tags") or tags),
        }
        text = [kinde.get("description", "").strip() or description]
        if notes:
            text.append(notes)
        if auth == "m2m":
            text.append(f"Requires an M2M token with the scope `{scope}`.")
            op["security"] = [{"m2m": [scope]}]
            op["x-scope"] = scope
        elif auth == "user":
            text.append("Requires a user access token; the organization is the token's `org_code` claim.")
            op["security"] = [{"user": []}]
        else:
            op["security"] = []
        op["description"] = "\n\n".join(t for t in text if t)

        params = [self._path_param(name, kinde) for name in _path_names(path)]
        if query is not None:
            params += self._query_params(query, kinde, query_overrides or {})
        if params:
            op["parameters"] = params

        statuses = set(errors)
        if body is not None:
            schema = model_schema(body) if isinstance(body, type) else body
            kinde_body = kinde.get("requestBody", {})
            _merge_descriptions(schema, kinde_body.get("schema"))
            op["requestBody"] = {"required": body_required, "content": {JSON: {"schema": schema}}}
            if kinde_body.get("description"):
                op["requestBody"]["description"] = kinde_body["description"]
            statuses |= {400, 413, 415}
        if auth in ("m2m", "user"):
            statuses.add(403)
        if _path_names(path):
            statuses.add(404)

        status, schema_ref, ok_description = ok
        kinde_response = kinde.get("response", {})
        responses: dict[str, Any] = {str(status): {
            "description": ok_description or kinde_response.get("description", "Success."),
            "content": {JSON: {"schema": _ref(schema_ref)}},
        }}
        for code in sorted(statuses):
            responses[str(code)] = {"$ref": f"#/components/responses/{_ERROR_REFS[code]}"}
        op["responses"] = responses
        self.paths.setdefault(path, {})[method.lower()] = op

    def _path_param(self, name: str, kinde: dict) -> dict:
        described = kinde.get("parameters", {}).get(name, {})
        param = {"name": name, "in": "path", "required": True,
                 "schema": _str(minLength=1, maxLength=MAX_PATH_PARAM),
                 "description": described.get("description", f"The {name.replace('_', ' ')}.")}
        if name in EXAMPLES:
            param["examples"] = {"demo": {"value": EXAMPLES[name]}}
        return param

    def _query_params(self, model: type[BaseModel], kinde: dict, overrides: dict) -> list[dict]:
        schema = model_schema(model)
        required = set(schema.get("required", []))
        out = []
        for name, sub in schema.get("properties", {}).items():
            described = kinde.get("parameters", {}).get(name, {})
            param_schema = {**_non_null(sub), **overrides.get(name, {})}
            param: dict[str, Any] = {"name": name, "in": "query", "required": name in required,
                                     "schema": param_schema}
            if described.get("description"):
                param["description"] = described["description"]
            out.append(param)
        return out


def _path_names(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{") and part.endswith("}")]


def _comma_list(*values: str) -> dict:
    one = "|".join(values)
    return {"pattern": f"^({one})(,({one}))*$"}


def _operations(b: _Builder) -> None:
    from portal_ui.api import portal
    from portal_ui.api.management import api_keys, invitations, members, organizations, plans, roles, users
    from portal_ui.domain import invitations as invitations_domain
    from portal_ui.domain import member_list
    from portal_ui.domain import organizations as organizations_domain
    from portal_ui.domain import roles as roles_domain
    from portal_ui.domain.sections import SECTIONS
    from portal_ui.models import URL_MAX

    sections = [s.key for s in SECTIONS]
    body_write = (409,)

    # Account API (user token) and portal links.
    class _PortalLinkQuery(BaseModel):
        subnav: Optional[str] = None
        sub_nav: Optional[str] = None
        return_url: Optional[str] = None

    b.add("GET", "/account_api/v1/portal_link", auth="user", ok=(200, "portal_link", ""), errors=(400, 429),
          query=_PortalLinkQuery, query_overrides={
              "subnav": {"enum": sections, "description": "The portal section to open (default profile)."},
              "sub_nav": {"enum": sections, "description": "(portal_ui) The same as subnav, as some SDKs name it; "
                                                           "if both are given they must agree."},
              "return_url": {"maxLength": URL_MAX, "format": "uri",
                             "description": "Where Exit sends the browser; its origin must be on the allowed "
                                            "return origins. Defaults to the environment's return URL."}},
          notes="Each parameter at most once; unknown parameters are refused (400). Throttled per client IP and "
                "per user (429).")
    generate_url = model_schema(portal.GenerateUrlBody)
    for name in ("sub_nav", "subnav"):
        generate_url["properties"][name]["anyOf"][0]["enum"] = sections
    b.add("POST", "/api/v1/portal/generate_url", auth="m2m", scope="create:portal_links",
          ok=(200, "portal_link", "A one-time portal link."), errors=(400, 429), body=generate_url,
          operation_id="generatePortalUrl", summary="Generate a one-time portal link for a user",
          tags=["Self-serve portal"],
          description="(portal_ui) A one-time link that opens the portal for `user_id`, in `organization_code` "
                      "when given (the user must be a member). 400 for an unknown user or organization, a user "
                      "who is not a member, or a bad sub_nav or return_url. Throttled per client IP and per "
                      "M2M client (429).")

    preview = model_schema(portal.PreviewUrlBody)
    b.add("POST", "/api/v1/portal/preview_url", auth="m2m", scope="create:portal_links",
          ok=(200, "portal_link", "A one-time link to a read-only preview."), errors=(400, 429), body=preview,
          operation_id="createPreviewUrl", summary="Generate a one-time link to a read-only preview",
          tags=["Self-serve portal"],
          description="(portal_ui) Opens the portal as a role (`role_key`) or a set of `permissions` would see "
                      "it in `organization_code` (or the user portal with sample data when none), under a "
                      "'Preview — changes are disabled' banner. `settings` tries portal settings (org_alias, "
                      "org_functions, user_functions, branding) before saving them. Every write is refused. The "
                      "banner's role switcher offers only the preview's own role, the roles named in `role_keys`, "
                      "and roles that grant nothing beyond the preview's permissions.")

    # Portal settings (portal_ui's own API).
    b.add("GET", "/api/v1/portal/settings", auth="m2m", scope="read:portal_settings",
          ok=(200, "portal_settings_response", "The environment's portal settings."),
          operation_id="getPortalSettings", summary="Get the environment's portal settings", tags=["Portal settings"],
          description="(portal_ui) Environment variables seed the settings; a field set through this API wins.")
    b.add("PATCH", "/api/v1/portal/settings", auth="m2m", scope="update:portal_settings",
          ok=(200, "portal_settings_response", "The settings after the change."), errors=body_write,
          body=_ref("portal_settings_patch"), body_required=False,
          operation_id="updatePortalSettings", summary="Update the environment's portal settings",
          tags=["Portal settings"],
          description="(portal_ui) Changes only the fields named; unknown fields and bad values are a 400. "
                      "session_max_seconds must be at least session_idle_seconds.")
    b.add("GET", "/api/v1/organizations/{org_code}/portal_settings", auth="m2m", scope="read:portal_settings",
          ok=(200, "organization_portal_settings_response", "The organization's portal settings."),
          operation_id="getOrganizationPortalSettings", summary="Get an organization's portal settings",
          tags=["Portal settings"], description="(portal_ui)")
    b.add("PATCH", "/api/v1/organizations/{org_code}/portal_settings", auth="m2m", scope="update:portal_settings",
          ok=(200, "organization_portal_settings_response", "The settings after the change."), errors=body_write,
          body=_ref("organization_portal_settings_patch"), body_required=False,
          operation_id="updateOrganizationPortalSettings", summary="Update an organization's portal settings",
          tags=["Portal settings"],
          description="(portal_ui) Changes only the fields named; unknown fields and bad values are a 400.")

    # Users.
    b.add("POST", "/api/v1/user", auth="m2m", scope="create:users", ok=(200, "create_user_response", ""),
          errors=body_write, body=users.CreateUserBody, body_required=False,
          notes="portal_ui stores one email per user: email identities only (400 UNSUPPORTED_IDENTITY for phone "
                "or username); `profile.picture` and `provided_id` are accepted and not stored. 409 for an email "
                "that is already taken.")
    b.add("GET", "/api/v1/user", auth="m2m", scope="read:users", ok=(200, "user", ""), errors=(400, 404),
          query=users.UserQuery, query_overrides={"expand": _comma_list(*users.EXPANDABLE)})
    b.add("GET", "/api/v1/users", auth="m2m", scope="read:users", ok=(200, "users_response", ""), errors=(400,),
          query=users.UsersQuery, query_overrides={"expand": _comma_list(*users.EXPANDABLE)},
          notes="portal_ui records no sign-ins: `active_since` is refused (400 UNSUPPORTED_FILTER); users have no "
                "usernames or phone numbers, so those filters match nobody.")

    # Organizations.
    b.add("POST", "/api/v1/organization", auth="m2m", scope="create:organizations",
          ok=(200, "create_organization_response", ""), errors=body_write, body=organizations.CreateOrganizationBody,
          notes="portal_ui stores `name`, `external_id` and `billing_email`; Kinde's branding, handle, sender, "
                "feature-flag and auto-membership fields are accepted and not stored. `is_create_billing_customer: "
                "true` and `billing_plan_code` are refused (400). (portal_ui) `creator_user_id` makes that user "
                "the first member, with the roles marked is_default_role or assign_to_creator.")
    b.add("GET", "/api/v1/organization", auth="m2m", scope="read:organizations",
          ok=(200, "get_organization_response", ""), errors=(400, 404), query=organizations.GetOrganizationQuery,
          query_overrides={"expand": {"enum": ["billing"]}, "code": {"examples": [EXAMPLES["org_code"]]}})
    b.add("GET", "/api/v1/organizations", auth="m2m", scope="read:organizations",
          ok=(200, "get_organizations_response", ""), errors=(400,), query=organizations.ListOrganizationsQuery,
          query_overrides={"sort": {"enum": list(organizations_domain.ORG_SORTS)}})

    # Members and their roles.
    users_path = "/api/v1/organizations/{org_code}/users"
    b.add("POST", users_path, auth="m2m", scope="create:organization_users",
          ok=(200, "add_organization_users_response", ""), errors=body_write, body=members.AddMembersBody,
          body_required=False,
          notes="portal_ui grants permissions through roles only: a non-empty `permissions` list is refused "
                "(400 UNSUPPORTED_PERMISSIONS).")
    b.add("GET", users_path, auth="m2m", scope="read:organization_users",
          ok=(200, "get_organization_users_response", ""), errors=(400,), query=members.MembersQuery,
          query_overrides={"sort": {"enum": list(member_list.MEMBER_SORTS)}})
    b.add("DELETE", users_path + "/{user_id}", auth="m2m", scope="delete:organization_users",
          ok=(200, "success_response", "User successfully removed from the organization."), errors=(400, 409),
          operation_id="RemoveOrganizationUser", summary="Remove Organization User", tags=["Organizations"])
    b.add("POST", users_path + "/{user_id}/roles", auth="m2m", scope="create:organization_user_roles",
          ok=(200, "success_response", "Role successfully added."), errors=body_write, body=members.AddRoleBody,
          operation_id="CreateOrganizationUserRole", summary="Add Organization User Role", tags=["Organizations"])
    b.add("GET", users_path + "/{user_id}/roles", auth="m2m", scope="read:organization_user_roles",
          ok=(200, "get_organizations_user_roles_response", ""))
    b.add("DELETE", users_path + "/{user_id}/roles/{role_id}", auth="m2m", scope="delete:organization_user_roles",
          ok=(200, "success_response", "Role successfully removed."), errors=(400, 409),
          operation_id="DeleteOrganizationUserRole", summary="Delete Organization User Role", tags=["Organizations"])

    # Roles and system permissions.
    b.add("POST", "/api/v1/roles", auth="m2m", scope="create:roles", ok=(201, "create_roles_response", ""),
          errors=body_write, body=roles.CreateRoleBody,
          notes="`key` and `name` are required here. (portal_ui) `assign_to_creator` marks a role for an "
                "organization's creator. `assignment_permission_id` is refused when set (400).")
    b.add("GET", "/api/v1/roles", auth="m2m", scope="read:roles", ok=(200, "get_roles_response", ""), errors=(400,),
          query=roles.SortedPageQuery, query_overrides={"sort": {"enum": list(roles_domain.ROLE_SORTS)}})
    b.add("GET", "/api/v1/system_permissions", auth="m2m", scope="read:system_permissions",
          ok=(200, "get_system_permissions_response", ""), errors=(400,), query=roles.SortedPageQuery,
          query_overrides={"sort": {"enum": list(roles_domain.PERMISSION_SORTS)}})
    role_permissions = "/api/v1/roles/{role_id}/system_permissions"
    b.add("GET", role_permissions, auth="m2m", scope="read:role_system_permissions",
          ok=(200, "role_system_permissions_response", ""), errors=(400,), query=roles.SortedPageQuery,
          query_overrides={"sort": {"enum": list(roles_domain.PERMISSION_SORTS)}})
    b.add("PATCH", role_permissions, auth="m2m", scope="update:role_system_permissions",
          ok=(200, "update_role_system_permissions_response", ""), errors=body_write, body=roles.UpdatePermissionsBody,
          notes="`operation` is absent to add the permission, or `delete` to remove it.")

    # Invitations.
    invites = "/api/v1/organization/{org_code}/invites"
    b.add("POST", invites, auth="m2m", scope="create:organization_invites",
          ok=(201, "create_organization_invite_response", ""), errors=body_write, body=invitations.CreateInviteBody,
          notes="portal_ui does not send invitation emails from this route: `send_email` is accepted and the "
                "invitation reports `is_sent: false`; no `invite_link` is returned.")
    b.add("GET", invites, auth="m2m", scope="read:organization_invites",
          ok=(200, "get_organization_invites_response", ""), errors=(400,), query=invitations.InvitesQuery,
          query_overrides={"sort": {"enum": list(invitations_domain.INVITE_SORTS)}})
    b.add("DELETE", invites + "/{invite_code}", auth="m2m", scope="delete:organization_invites",
          ok=(200, "success_response", ""), errors=(400, 409))

    # Plans (portal_ui's own).
    b.add("POST", "/api/v1/plans", auth="m2m", scope="create:plans", ok=(201, "create_plan_response", "The new plan."),
          errors=body_write, body=plans.CreatePlanBody, operation_id="createPlan", summary="Create a plan",
          tags=["Plans"],
          description="(portal_ui) Adds a plan to the catalogue. `key`, `name`, `amount_minor`, `currency` and "
                      "`interval` are required; amounts are integer minor units (1900 with USD is $19.00).")
    b.add("GET", "/api/v1/plans", auth="m2m", scope="read:plans", ok=(200, "get_plans_response", "The plans."),
          errors=(400,), query=plans.PlansQuery, operation_id="getPlans", summary="List plans", tags=["Plans"],
          description="(portal_ui) The plan catalogue in catalogue order, optionally only active or inactive plans.")

    # API keys and scopes.
    b.add("POST", "/api/v1/api_keys/verify", auth="m2m", scope="verify:api_keys",
          ok=(200, "verify_api_key_response", ""), body=api_keys.VerifyBody,
          notes="A malformed key (wrong prefix, length, alphabet or checksum) is a 400 INVALID_API_KEY. An "
                "unknown key answers `is_valid: false` with null details; a revoked or expired key answers "
                "`is_valid: false` with its details and `scopes: []`.")
    b.add("GET", "/api/v1/api_scopes", auth="m2m", scope="read:api_scopes",
          ok=(200, "get_api_scopes_response", "The API scope catalogue."), errors=(400,),
          operation_id="getApiScopes", summary="List API scopes", tags=["API Keys"],
          description="(portal_ui) The whole catalogue of scopes an API key may carry, without paging. Takes no "
                      "query parameters.")
    b.add("POST", "/api/v1/api_scopes", auth="m2m", scope="create:api_scopes",
          ok=(201, "create_api_scope_response", "The new scope."), errors=body_write, body=api_keys.CreateScopeBody,
          operation_id="createApiScope", summary="Create an API scope", tags=["API Keys"],
          description="(portal_ui) Adds a scope to the catalogue (409 when it exists or the catalogue is full).")

    # The embedded issuer.
    token_params = {
        "grant_type": _str(enum=["client_credentials"]),
        "client_id": _str(maxLength=1024, description="Or use HTTP Basic authentication."),
        "client_secret": _str(maxLength=1024, description="Or use HTTP Basic authentication."),
        "audience": _str(maxLength=1024, description="If given, the portal's API audience."),
        "scope": _str(maxLength=1024, description="Space-separated; a subset of the application's scopes. "
                                                  "Defaults to all of them."),
    }
    token_body = _obj(token_params, ["grant_type"])
    b.paths["/oauth2/token"] = {"post": {
        "operationId": "getM2MToken", "summary": "Get an M2M access token (client credentials)",
        "tags": ["Embedded issuer"], "security": [{}, {"clientBasic": []}],
        "description": "(portal_ui) The client-credentials grant (RFC 6749 section 4.4) for M2M applications made "
                       "with `portal-ui m2m create`: client id and secret in the body or with HTTP Basic. Errors "
                       "follow RFC 6749 section 5.2. In external token mode this route answers 404: the host's "
                       "identity provider issues tokens. Throttled per client IP and per client (429).",
        "requestBody": {"required": True, "content": {FORM: {"schema": token_body}, JSON: {"schema": token_body}}},
        "responses": {
            "200": {"description": "An access token.", "content": {JSON: {"schema": _ref("token_response")}}},
            "400": {"description": "Invalid request.", "content": {JSON: {"schema": _ref("oauth_error")}}},
            "401": {"description": ERROR_DESCRIPTIONS[401], "content": {JSON: {"schema": _ref("oauth_error")}}},
            "404": {"$ref": "#/components/responses/NotFound"},
            "429": {"$ref": "#/components/responses/TooManyRequests"},
        },
    }}
    b.paths["/.well-known/jwks.json"] = {"get": {
        "operationId": "getJwks", "summary": "The embedded issuer's public signing keys", "tags": ["Embedded issuer"],
        "security": [],
        "description": "(portal_ui) The keys that verify the tokens portal_ui issues. 404 in external token mode.",
        "responses": {
            "200": {"description": "A JSON Web Key Set (RFC 7517).", "content": {JSON: {"schema": _ref("jwks")}}},
            "404": {"$ref": "#/components/responses/NotFound"},
        },
    }}
    b.paths[DOCUMENT_PATH] = {"get": {
        "operationId": "getOpenApiDocument", "summary": "This OpenAPI document", "tags": ["Meta"], "security": [],
        "responses": {"200": {"description": "The OpenAPI 3.1 document of portal_ui's JSON API.",
                              "content": {JSON: {"schema": _obj({"openapi": _str(), "paths": {"type": "object"}},
                                                                ["openapi", "paths"])}}}},
    }}


def _components(kinde: dict) -> dict:
    schemas = copy.deepcopy(kinde["schemas"])
    _adapt_kinde_schemas(schemas)
    schemas.update(_portal_ui_schemas())
    envelope = {JSON: {"schema": _ref("error_response")}}
    responses = {name: {"description": ERROR_DESCRIPTIONS[code], "content": envelope}
                 for code, name in _ERROR_REFS.items()}
    responses["TooManyRequests"]["headers"] = {
        "Retry-After": {"description": "Seconds to wait before retrying.", "schema": {"type": "integer"}}}
    return {
        "securitySchemes": {
            "m2m": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                    "description": kinde["security_descriptions"]["management"] + " Each operation names the scope "
                                   "it needs (`scope` claim, space-separated, or `scp` list); portal_ui's embedded "
                                   "issuer hands these tokens out at POST /oauth2/token."},
            "user": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                     "description": kinde["security_descriptions"]["account"] + " `sub` is the user id and the "
                                    "optional `org_code` claim the organization."},
            "clientBasic": {"type": "http", "scheme": "basic",
                            "description": "An M2M application's client id and secret (RFC 6749 section 2.3.1)."},
        },
        "schemas": dict(sorted(schemas.items())),
        "responses": responses,
    }


@lru_cache(maxsize=1)
def build_document() -> dict:
    """The OpenAPI document (built once per process)."""
    kinde = json.loads(KINDE_DATA.read_text(encoding="utf-8"))
    builder = _Builder(kinde)
    _operations(builder)
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
