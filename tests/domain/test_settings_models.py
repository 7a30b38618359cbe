"""The settings bodies as pydantic models (portal_ui/domain/settings_models.py): strict, closed, every
field optional, and errors that name the field."""

import pytest

from portal_ui.domain.errors import InvalidInput
from portal_ui.domain.settings_models import (EnvironmentSettingsPatch, OrganizationSettingsPatch, PreviewOverrides,
                                              parse_patch)


def _error(model, data) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        parse_patch(model, data)
    return caught.value


def test_only_the_named_fields_come_back_cleaned():
    notices: list[str] = []
    clean = parse_patch(EnvironmentSettingsPatch, {
        "org_alias": "  Team ", "org_functions": {"billing": False},
        "allowed_return_origins": ["https://A.example:443/", "https://a.example"],
        "branding": {"logo_url": "", "accent_color": "#0F766E"}}, notices)
    assert clean == {"org_alias": "Team", "org_functions": {"billing": False},
                     "allowed_return_origins": ["https://a.example"],
                     "branding": {"logo_url": None, "accent_color": "#0f766e"}}
    assert notices == []
    assert parse_patch(OrganizationSettingsPatch, {}) == {}


def test_a_low_contrast_accent_is_darkened_with_a_notice():
    notices: list[str] = []
    clean = parse_patch(PreviewOverrides, {"branding": {"accent_color": "#ffee00"}}, notices)
    assert clean["branding"]["accent_color"] != "#ffee00"
    assert len(notices) == 1 and notices[0].startswith("branding.accent_color: #ffee00 has a contrast of")


@pytest.mark.parametrize("model, data, message", [
    (EnvironmentSettingsPatch, {"colour": "red"}, "colour: unknown field; use return_url, allowed_return_origins"),
    (EnvironmentSettingsPatch, {"org_alias": "Team", "nope": 1}, "nope: unknown field"),
    (EnvironmentSettingsPatch, {"branding": {"accent_color": "red"}},
     "branding.accent_color: give a colour as #rrggbb"),
    (EnvironmentSettingsPatch, {"branding": {"font": "x"}}, "branding.font: unknown field; use product_name"),
    (EnvironmentSettingsPatch, {"branding": {"appearance": "sepia"}},
     "branding.appearance: must be one of light, dark, system"),
    (EnvironmentSettingsPatch, {"branding": None}, "branding: must be an object with fields product_name"),
    (EnvironmentSettingsPatch, {"org_functions": {"billing": 1}}, "org_functions.billing: must be true or false"),
    (EnvironmentSettingsPatch, {"org_functions": {"payroll": True}},
     "org_functions.payroll: unknown field; use details, billing, members, api_keys"),
    (EnvironmentSettingsPatch, {"link_ttl_seconds": "300"},
     "link_ttl_seconds: must be a whole number of seconds from 30 to 86400"),
    (EnvironmentSettingsPatch, {"session_max_seconds": True}, "session_max_seconds: must be a whole number"),
    (EnvironmentSettingsPatch, {"org_alias": "Team\x07"}, "org_alias: must be 1 to 40 characters"),
    (EnvironmentSettingsPatch, {"org_alias": None}, "org_alias: must be 1 to 40 characters"),
    (EnvironmentSettingsPatch, {"allowed_return_origins": ["https://x.example"] * 51},
     "allowed_return_origins: must be a list of at most 50 origins"),
    (EnvironmentSettingsPatch, ["org_alias"], "The body must be a JSON object"),
    (OrganizationSettingsPatch, {"override_environment": "true"}, "override_environment: must be true or false"),
    (OrganizationSettingsPatch, {"org_alias": "Team"}, "org_alias: unknown field; use override_environment"),
    (PreviewOverrides, {"return_url": "https://x.example"}, "return_url: unknown field; use org_alias"),
])
def test_bad_bodies_name_the_field(model, data, message):
    error = _error(model, data)
    assert error.code == "INVALID_INPUT" and error.message.startswith(message), error.message


@pytest.mark.parametrize("data, code, field", [
    ({"return_url": "javascript:alert(1)"}, "INVALID_RETURN_URL", "return_url"),
    ({"branding": {"logo_url": "javascript:alert(1)"}}, "INVALID_RETURN_URL", "branding.logo_url"),
    ({"allowed_return_origins": ["https://app.example/path"]}, "INVALID_ORIGIN", "allowed_return_origins"),
])
def test_url_checks_keep_their_own_code(data, code, field):
    error = _error(EnvironmentSettingsPatch, data)
    assert error.code == code and error.message.startswith(f"{field}: ")


def test_the_schema_says_what_the_model_accepts():
    schema = EnvironmentSettingsPatch.model_json_schema()
    assert schema["additionalProperties"] is False and "required" not in schema
    props = schema["properties"]
    assert props["link_ttl_seconds"] == {"type": "integer", "minimum": 30, "maximum": 86_400,
                                        "title": "Link Ttl Seconds"}
    assert "default" not in props["org_alias"]
    branding = schema["$defs"]["Branding"]
    assert branding["additionalProperties"] is False
    assert branding["properties"]["accent_color"]["pattern"] == "^#[0-9a-fA-F]{6}$"
    assert branding["properties"]["appearance"]["enum"] == ["light", "dark", "system"]
