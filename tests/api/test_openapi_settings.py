"""The portal settings schemas of the OpenAPI document come from the domain's models
(portal_ui/domain/settings_models.py), and say what those models accept."""

from __future__ import annotations

import json

import jsonschema_rs
import pytest

from portal_ui.api.openapi import build_document
from portal_ui.domain.errors import InvalidInput
from portal_ui.domain.settings_models import (EnvironmentSettingsPatch, OrganizationSettingsPatch, PreviewOverrides,
                                              parse_patch)

DOCUMENT = build_document()
SCHEMAS = DOCUMENT["components"]["schemas"]


def _validator(component: str):
    """A validator of one component schema, its `#/components/...` references resolved in the document."""
    root = {"$ref": f"#/components/schemas/{component}", "components": DOCUMENT["components"]}
    return jsonschema_rs.Draft202012Validator(json.loads(json.dumps(root)))


def _refs(node):
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"]
        for value in node.values():
            yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_every_reference_names_a_component():
    for target in set(_refs(DOCUMENT)):
        kind, name = target.removeprefix("#/components/").split("/")
        assert name in DOCUMENT["components"][kind], target


def test_the_bodies_are_the_models_schemas():
    patch = SCHEMAS["portal_settings_patch"]
    assert list(patch["properties"]) == list(EnvironmentSettingsPatch.model_fields)
    assert patch["additionalProperties"] is False and "required" not in patch
    assert patch["properties"]["branding"] == {"$ref": "#/components/schemas/portal_branding_patch"}
    assert list(SCHEMAS["organization_portal_settings_patch"]["properties"]) == \
        list(OrganizationSettingsPatch.model_fields)
    body = DOCUMENT["paths"]["/api/v1/portal/settings"]["patch"]["requestBody"]["content"]["application/json"]
    assert body["schema"] == {"$ref": "#/components/schemas/portal_settings_patch"}
    preview = DOCUMENT["paths"]["/api/v1/portal/preview_url"]["post"]["requestBody"]["content"]["application/json"]
    trial = preview["schema"]["properties"]["settings"]["anyOf"]
    assert {"$ref": "#/components/schemas/portal_preview_settings"} in trial
    assert not any("title" in schema for schema in (patch, *patch["properties"].values()))


GOOD = [
    {},
    {"org_alias": "Team", "org_functions": {"billing": False}, "user_functions": {"api_keys": True}},
    {"link_ttl_seconds": 30, "session_idle_seconds": 86_400, "session_max_seconds": 300},
    {"branding": {"product_name": "Nimbus", "logo_url": None, "accent_color": "#0F766E", "appearance": "dark"}},
    {"branding": {"logo_url": ""}},
    {"return_url": "https://app.example/account", "allowed_return_origins": ["https://app.example"]},
]
BAD = [
    {"colour": "red"}, {"org_alias": ""}, {"org_alias": "x" * 41}, {"org_alias": "Team\x07"}, {"org_alias": None},
    {"org_functions": {"billing": "yes"}}, {"org_functions": {"payroll": True}}, {"user_functions": ["profile"]},
    {"link_ttl_seconds": 5}, {"link_ttl_seconds": True}, {"link_ttl_seconds": "300"}, {"link_ttl_seconds": 30.5},
    {"session_max_seconds": 30 * 86_400 + 1}, {"allowed_return_origins": "https://app.example"},
    {"allowed_return_origins": ["https://app.example"] * 51}, {"branding": {"accent_color": "red"}},
    {"branding": {"appearance": "sepia"}}, {"branding": {"font": "Comic Sans"}}, {"branding": None},
    {"override_environment": True},
]


def _agree(component: str, model, body, valid: bool) -> None:
    """The document's schema `component` and `model` both accept `body`, or both refuse it."""
    assert _validator(component).is_valid(body) is valid
    if valid:
        parse_patch(model, body)
    else:
        with pytest.raises(InvalidInput):
            parse_patch(model, body)


@pytest.mark.parametrize("body", GOOD)
def test_what_the_document_accepts_the_model_accepts(body):
    _agree("portal_settings_patch", EnvironmentSettingsPatch, body, True)


@pytest.mark.parametrize("body", BAD)
def test_what_the_document_refuses_the_model_refuses(body):
    _agree("portal_settings_patch", EnvironmentSettingsPatch, body, False)


@pytest.mark.parametrize("body, valid", [
    ({"override_environment": True, "branding": {"appearance": "light"}}, True),
    ({"override_environment": 1}, False), ({"org_alias": "Team"}, False),
])
def test_organization_patch_schema_and_model_agree(body, valid):
    _agree("organization_portal_settings_patch", OrganizationSettingsPatch, body, valid)


@pytest.mark.parametrize("body, valid", [
    ({"org_alias": "Team", "branding": {"accent_color": "#112233"}}, True),
    ({"return_url": "https://app.example"}, False), ({"user_functions": {"profile": None}}, False),
])
def test_preview_settings_schema_and_model_agree(body, valid):
    _agree("portal_preview_settings", PreviewOverrides, body, valid)
