"""Portal settings API (README "Portal settings")."""

import pytest

from portal_ui.demo.personas import DEMO_ORG_CODE

ENV = "/api/v1/portal/settings"
ORG = f"/api/v1/organizations/{DEMO_ORG_CODE}/portal_settings"


def test_read_needs_the_read_scope(demo, client, m2m_headers):
    assert client.get(ENV, headers=m2m_headers("update:portal_settings")).status_code == 403
    resp = client.get(ENV, headers=m2m_headers("read:portal_settings"))
    assert resp.status_code == 200
    settings = resp.json()["settings"]
    assert settings["org_alias"] == "Workspace" and settings["branding"]["product_name"] == "Nimbus"


def test_patch_changes_named_fields_only(demo, client, m2m_headers):
    headers = m2m_headers("read:portal_settings", "update:portal_settings")
    resp = client.patch(ENV, json={"org_alias": "Team", "user_functions": {"billing": False}}, headers=headers)
    assert resp.status_code == 200, resp.text
    after = client.get(ENV, headers=headers).json()["settings"]
    assert after["org_alias"] == "Team"
    assert after["user_functions"] == {"profile": True, "billing": False, "api_keys": True}
    assert after["branding"]["product_name"] == "Nimbus"


@pytest.mark.parametrize("body", [
    {"org_alias": 5}, {"nope": 1}, {"branding": {"accent_color": "#12"}},
    {"allowed_return_origins": ["javascript:alert(1)"]}, {"session_idle_seconds": -1},
    {"seller": {"name": "x" * 121}}, {"seller": {"address": ["line"] * 7}}, {"seller": {"vat": "GB1"}},
    {"seller": {"tax_id": None}}, {"seller": {"email": "a\u0000b"}}, {"seller": "Nimbus"},
])
def test_patch_bad_values_are_400(demo, client, m2m_headers, body):
    headers = m2m_headers("read:portal_settings", "update:portal_settings")
    before = client.get(ENV, headers=headers).json()
    resp = client.patch(ENV, json=body, headers=headers)
    assert resp.status_code == 400 and resp.json()["errors"][0]["message"]
    assert client.get(ENV, headers=headers).json() == before


def test_patch_needs_the_update_scope(demo, client, m2m_headers):
    assert client.patch(ENV, json={"org_alias": "Team"}, headers=m2m_headers("read:portal_settings")).status_code == 403


def test_organization_settings_round_trip(demo, client, m2m_headers):
    headers = m2m_headers("read:portal_settings", "update:portal_settings")
    assert client.get(ORG, headers=headers).json()["settings"]["override_environment"] is False
    resp = client.patch(ORG, json={"override_environment": True, "org_functions": {"api_keys": False}},
                        headers=headers)
    assert resp.status_code == 200, resp.text
    settings = client.get(ORG, headers=headers).json()["settings"]
    assert settings["override_environment"] is True and settings["org_functions"]["api_keys"] is False
    assert client.patch(ORG, json={"org_alias": "Team"}, headers=headers).status_code == 400
    assert client.get("/api/v1/organizations/org_nope/portal_settings", headers=headers).status_code == 404


def test_a_low_contrast_accent_is_adjusted_and_the_answer_says_so(demo, client, m2m_headers):
    headers = m2m_headers("read:portal_settings", "update:portal_settings")
    resp = client.patch(ENV, json={"branding": {"accent_color": "#ffee00"}}, headers=headers)
    assert resp.status_code == 200
    body = resp.json()
    assert body["settings"]["branding"]["accent_color"] != "#ffee00"
    assert "contrast" in body["notices"][0]
    resp = client.patch(ENV, json={"branding": {"accent_color": "#0f766e"}}, headers=headers)
    assert "notices" not in resp.json()


def test_the_seller_is_patched_field_by_field(demo, client, m2m_headers):
    headers = m2m_headers("read:portal_settings", "update:portal_settings")
    assert client.get(ENV, headers=headers).json()["settings"]["seller"] == {"name": "", "address": [], "email": "",
                                                                            "tax_id": ""}
    resp = client.patch(ENV, json={"seller": {"name": " Nimbus Cloud Ltd ", "address": ["1 Harbour Road", "Bristol"]}},
                        headers=headers)
    assert resp.status_code == 200, resp.text
    client.patch(ENV, json={"seller": {"tax_id": "GB 980 7806 84"}}, headers=headers)
    assert client.get(ENV, headers=headers).json()["settings"]["seller"] == {
        "name": "Nimbus Cloud Ltd", "address": ["1 Harbour Road", "Bristol"], "email": "", "tax_id": "GB 980 7806 84"}
