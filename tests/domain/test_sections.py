"""Section visibility and sub_nav rules (README "Where a link lands")."""

import pytest

from portal_ui.domain.errors import InvalidInput
from portal_ui.domain.sections import BY_KEY, landing_section, parse_sub_nav, section_access, visible_sections

ALL_ON_USER = {"profile": True, "billing": True, "api_keys": True}
ALL_ON_ORG = {"details": True, "billing": True, "members": True, "api_keys": True, "audit_log": True}


def ctx(perms=(), has_org=True, user=ALL_ON_USER, org=ALL_ON_ORG):
    return dict(user_functions=user, org_functions=org, permissions=perms, has_org=has_org)


@pytest.mark.parametrize("value,expected", [(None, "profile"), ("", "profile"), ("user_api_keys", "api_keys"),
                                            ("organization_members", "organization_members")])
def test_parse_sub_nav_accepts_every_documented_value(value, expected):
    assert parse_sub_nav(value) == expected


@pytest.mark.parametrize("value", ["nope", "PROFILE", "profile ", "../profile", "x" * 500])
def test_parse_sub_nav_refuses_unknown_values(value):
    with pytest.raises(InvalidInput):
        parse_sub_nav(value)


def test_org_section_needs_permission_and_function():
    details = BY_KEY["organization_details"]
    assert section_access(details, **ctx()) == "hidden"
    assert section_access(details, **ctx({"org:read:details"})) == "read"
    assert section_access(details, **ctx({"org:write:details"})) == "write"
    assert section_access(details, **ctx({"org:write:details"}, org={**ALL_ON_ORG, "details": False})) == "hidden"
    assert section_access(details, **ctx({"org:write:details"}, has_org=False)) == "hidden"


def test_user_sections_need_only_their_function():
    assert section_access(BY_KEY["profile"], **ctx(has_org=False)) == "write"
    assert section_access(BY_KEY["api_keys"], **ctx(user={**ALL_ON_USER, "api_keys": False})) == "hidden"


def test_member_without_org_permissions_sees_only_user_sections():
    keys = [s.key for s, _ in visible_sections(**ctx())]
    assert keys == ["profile", "plan_details", "plan_selection", "payment_details", "api_keys"]


def test_hidden_requested_section_lands_on_first_visible():
    section, redirected = landing_section("organization_members", **ctx({"org:read:billing"}))
    assert (section.key, redirected) == ("profile", True)
    section, redirected = landing_section("organization_plan_details", **ctx({"org:read:billing"}))
    assert (section.key, redirected) == ("organization_plan_details", False)


def test_nothing_visible_gives_none():
    off = {k: False for k in ALL_ON_USER}
    assert landing_section("profile", **ctx(user=off, has_org=False)) == (None, True)
