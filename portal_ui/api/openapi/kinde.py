"""Kinde's published metadata and response schemas, and portal_ui's adaptations of them.

`kinde.json` is copied (and converted to OpenAPI 3.1) from Kinde's published documents by
`extract_kinde.py`; `adapt_kinde_schemas` makes the response schemas say what portal_ui really
answers.
"""

from __future__ import annotations

import json
from pathlib import Path

from portal_ui.api.openapi.schema import nullable, require, string

KINDE_DATA = Path(__file__).with_name("kinde.json")


def load_kinde() -> dict:
    """The contents of `kinde.json`: `operations`, `schemas` and `security_descriptions`."""
    return json.loads(KINDE_DATA.read_text(encoding="utf-8"))


def require(schema: dict, *names: str) -> None:
    schema["required"] = sorted(set(schema.get("required", [])) | set(names))


def adapt_kinde_schemas(schemas: dict) -> None:
    """Make Kinde's response schemas say what portal_ui answers (in place)."""
    # The envelope: always at least one {code, message}.
    schemas["error"]["required"] = ["code", "message"]
    schemas["error_response"]["properties"]["errors"]["minItems"] = 1
    require(schemas["error_response"], "errors")

    for name in ("success_response", "create_organization_response", "create_roles_response",
                 "add_organization_users_response", "get_organizations_response", "get_roles_response",
                 "get_system_permissions_response", "role_system_permissions_response",
                 "update_role_system_permissions_response", "get_organization_users_response",
                 "get_organizations_user_roles_response", "users_response", "get_organization_invites_response",
                 "create_organization_invite_response", "verify_api_key_response"):
        require(schemas[name], "code", "message")

    # Users: one optional email per user; names are "" when unknown.
    user = schemas["user"]["properties"]
    user["preferred_email"] = nullable(user["preferred_email"])
    require(schemas["user"], "id", "preferred_email", "first_name", "last_name", "is_suspended", "created_on")
    listed = schemas["users_response"]["properties"]["users"]["items"]
    listed["properties"]["email"] = nullable(listed["properties"]["email"])
    require(listed, "id", "email", "first_name", "last_name", "is_suspended", "created_on")
    require(schemas["users_response"], "users")
    require(schemas["create_user_response"], "id", "created", "identities")

    require(schemas["organization_item_schema"], "code", "name")
    require(schemas["get_organizations_response"], "organizations")
    require(schemas["get_organization_response"], "code", "name", "created_on")
    require(schemas["create_organization_response"], "organization")
    require(schemas["create_organization_response"]["properties"]["organization"], "code")

    require(schemas["organization_user"], "id", "email", "full_name", "joined_on", "roles")
    require(schemas["get_organization_users_response"], "organization_users")
    require(schemas["add_organization_users_response"], "users_added")
    require(schemas["organization_user_role"], "id", "key", "name")
    require(schemas["get_organizations_user_roles_response"], "roles")

    # Roles carry portal_ui's description and assign_to_creator.
    roles = schemas["roles"]
    roles["properties"]["description"] = string(description="What the role is for.")
    roles["properties"]["assign_to_creator"] = {
        "type": "boolean", "description": "(portal_ui) Given to the creator of a new organization."}
    require(roles, "id", "key", "name", "description", "is_default_role", "assign_to_creator")
    require(schemas["get_roles_response"], "roles")
    require(schemas["create_roles_response"], "role")
    require(schemas["create_roles_response"]["properties"]["role"], "id")
    perms = schemas["system_permissions"]
    perms["properties"]["description"] = string(description="What the permission allows.")
    require(perms, "id", "key", "name")
    require(schemas["get_system_permissions_response"], "system_permissions")
    require(schemas["role_system_permissions_response"], "system_permissions")
    require(schemas["update_role_system_permissions_response"], "system_permissions_added",
            "system_permissions_removed")

    require(schemas["organization_invite"], "id", "code", "email", "created_on", "is_sent", "roles", "is_revoked")
    require(schemas["get_organization_invites_response"], "invites")
    invite = schemas["create_organization_invite_response"]["properties"]["invite"]
    require(invite, "id", "code", "email", "created_on", "is_sent", "roles", "is_revoked")
    require(schemas["create_organization_invite_response"], "invite")

    # An unknown key has no details (null); portal_ui adds the key's type.
    verify = schemas["verify_api_key_response"]["properties"]
    for name in ("key_id", "status", "verification_count"):
        verify[name] = nullable(verify[name])
    verify["status"]["enum"] = ["active", "revoked", "expired", None]
    verify["type"] = {"type": ["string", "null"], "enum": ["organization", "user", None],
                      "description": "(portal_ui) Whose key it is."}
    require(schemas["verify_api_key_response"], "is_valid", "key_id", "status", "scopes")

    link = schemas["portal_link"]
    link["properties"]["url"]["format"] = "uri"
    require(link, "url")


def security_schemes(kinde: dict) -> dict:
    """`components/securitySchemes`: M2M and user bearer tokens (Kinde's descriptions) and HTTP Basic."""
    return {
        "m2m": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                "description": kinde["security_descriptions"]["management"] + " Each operation names the scope "
                               "it needs (`scope` claim, space-separated, or `scp` list); portal_ui's embedded "
                               "issuer hands these tokens out at POST /oauth2/token."},
        "user": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT",
                 "description": kinde["security_descriptions"]["account"] + " `sub` is the user id and the "
                                "optional `org_code` claim the organization."},
        "clientBasic": {"type": "http", "scheme": "basic",
                        "description": "An M2M application's client id and secret (RFC 6749 section 2.3.1)."},
    }
