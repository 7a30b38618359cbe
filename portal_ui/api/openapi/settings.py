"""Portal settings in the OpenAPI document (README "Portal settings"), portal_ui's own API.

The PATCH bodies and the preview's trial settings are the domain's pydantic models
(portal_ui/domain/settings_models.py): their schemas come from `model_json_schema()`, each model a
component, with pydantic's `$defs` references pointing into `components/schemas`. The settings a
GET answers are the same fields, all present (and `branding` and `seller` with all of their fields).
"""

from __future__ import annotations

import copy
from typing import Any

from pydantic import BaseModel

from portal_ui.api.openapi.builder import Builder
from portal_ui.api.openapi.schema import model_schema, obj, ref, string
from portal_ui.domain.settings_models import (Branding, EnvironmentSettingsPatch, OrganizationSettingsPatch,
                                              OrgFunctions, PreviewOverrides, RetentionCoupon, Seller,
                                              UserFunctions)

# The component name of each model's schema.
COMPONENTS: dict[type[BaseModel], str] = {
    EnvironmentSettingsPatch: "portal_settings_patch",
    OrganizationSettingsPatch: "organization_portal_settings_patch",
    PreviewOverrides: "portal_preview_settings",
    Branding: "portal_branding_patch",
    OrgFunctions: "portal_org_functions_patch",
    UserFunctions: "portal_user_functions_patch",
    Seller: "portal_seller_patch",
    RetentionCoupon: "portal_retention_coupon",
}


def _into_components(node: Any, names: dict[str, str]) -> Any:
    """Pydantic's schema without titles or `$defs`, its `#/$defs/X` references renamed to components."""
    if isinstance(node, list):
        return [_into_components(v, names) for v in node]
    if not isinstance(node, dict):
        return node
    out = {}
    for key, value in node.items():
        if key == "$ref":
            out[key] = f"#/components/schemas/{names[value.rsplit('/', 1)[1]]}"
        elif key == "properties":
            out[key] = {name: _into_components(sub, names) for name, sub in value.items()}
        elif key not in ("title", "$defs"):
            out[key] = _into_components(value, names)
    return out


def model_components() -> dict:
    """The schema of each model in COMPONENTS (what it accepts), by component name."""
    names = {model.__name__: name for model, name in COMPONENTS.items()}
    return {name: _into_components(model.model_json_schema(mode="validation"), names)
            for model, name in COMPONENTS.items()}


def _read(patch: type[BaseModel], description: str) -> dict:
    """The settings a GET answers: every field of `patch`, every field of `branding`, which
    may hold any stored logo URL (or null), and every field of `seller`."""
    schema = copy.deepcopy(model_schema(patch))
    schema.pop("additionalProperties", None)
    schema["required"] = list(schema["properties"])
    branding = schema["properties"]["branding"]
    branding["required"] = list(branding["properties"])
    branding["properties"]["logo_url"] = {"type": ["string", "null"]}
    if "seller" in schema["properties"]:
        seller = schema["properties"]["seller"]
        seller["required"] = list(seller["properties"])
    schema["description"] = description
    return schema


def _settings_response(name: str) -> dict:
    notices = {"type": "array", "items": string(),
               "description": "What was adjusted, e.g. an accent colour darkened to reach 4.5:1 contrast."}
    return obj({"code": string(), "message": string(), "settings": ref(name), "notices": notices},
               ["code", "message", "settings"])


def schemas() -> dict:
    """The settings (read), the PATCH bodies and their parts, the preview's trial settings, and the answers."""
    return {
        **model_components(),
        "portal_settings": _read(EnvironmentSettingsPatch, "The environment's portal settings."),
        "organization_portal_settings": _read(OrganizationSettingsPatch,
                                              "An organization's portal settings; without an override they "
                                              "mirror the environment's."),
        "portal_settings_response": _settings_response("portal_settings"),
        "organization_portal_settings_response": _settings_response("organization_portal_settings"),
    }


def operations(b: Builder) -> None:
    body_write = (409,)
    b.add("GET", "/api/v1/portal/settings", auth="m2m", scope="read:portal_settings",
          ok=(200, "portal_settings_response", "The environment's portal settings."),
          operation_id="getPortalSettings", summary="Get the environment's portal settings", tags=["Portal settings"],
          description="(portal_ui) Environment variables seed the settings; a field set through this API wins.")
    b.add("PATCH", "/api/v1/portal/settings", auth="m2m", scope="update:portal_settings",
          ok=(200, "portal_settings_response", "The settings after the change."), errors=body_write,
          body=ref("portal_settings_patch"), body_required=False,
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
          body=ref("organization_portal_settings_patch"), body_required=False,
          operation_id="updateOrganizationPortalSettings", summary="Update an organization's portal settings",
          tags=["Portal settings"],
          description="(portal_ui) Changes only the fields named; unknown fields and bad values are a 400.")

