"""POST /api/v1/portal/preview_url (portal_ui): preview links for product teams."""

from sqlmodel import select

from portal_ui.demo.personas import DEMO_ORG_CODE
from portal_ui.domain.previews import switch_preview_role
from portal_ui.domain.sessions import SESSION_COOKIE
from portal_ui.models import PortalLink

PREVIEW = "/api/v1/portal/preview_url"


def test_preview_link_for_a_role(demo, client, m2m_headers, session):
    body = {"organization_code": DEMO_ORG_CODE, "role_key": "viewer", "sub_nav": "organization_members",
            "settings": {"org_alias": "Team"}}
    resp = client.post(PREVIEW, json=body, headers=m2m_headers("create:portal_links"))
    assert resp.status_code == 200, resp.text
    link = session.exec(select(PortalLink)).one()
    assert link.preview["role_key"] == "viewer" and link.preview["settings"] == {"org_alias": "Team"}
    assert "org:write:members" not in link.preview["permissions"]
    entered = client.get(resp.json()["url"], follow_redirects=False)
    assert entered.status_code == 303 and entered.headers["location"] == "/org/members"


def test_preview_of_the_user_portal(demo, client, m2m_headers):
    resp = client.post(PREVIEW, json={}, headers=m2m_headers("create:portal_links"))
    assert resp.status_code == 200


def test_preview_needs_the_scope_and_valid_values(demo, client, m2m_headers):
    assert client.post(PREVIEW, json={}, headers=m2m_headers("read:users")).status_code == 403
    headers = m2m_headers("create:portal_links")
    for body in ({"organization_code": DEMO_ORG_CODE}, {"organization_code": DEMO_ORG_CODE, "role_key": "nope"},
                 {"organization_code": DEMO_ORG_CODE, "role_key": "owner", "settings": {"colour": 1}},
                 {"role_key": "owner"}, {"organization_code": DEMO_ORG_CODE, "permissions": "all"}):
        resp = client.post(PREVIEW, json=body, headers=headers)
        assert resp.status_code == 400 and resp.json()["errors"], body


def test_the_role_switcher_of_a_preview_is_limited_to_the_roles_its_link_names(demo, client, m2m_headers, session):
    headers = m2m_headers("create:portal_links")
    narrow = client.post(PREVIEW, json={"organization_code": DEMO_ORG_CODE, "role_key": "viewer"}, headers=headers)
    named = client.post(PREVIEW, json={"organization_code": DEMO_ORG_CODE, "role_key": "viewer",
                                       "role_keys": ["billing_manager"]}, headers=headers)
    assert narrow.status_code == 200 and named.status_code == 200, named.text
    tokens = []
    for resp in (narrow, named):
        client.cookies.clear()
        assert client.get(resp.json()["url"], follow_redirects=False).status_code == 303
        tokens.append(client.cookies[SESSION_COOKIE])
    narrow_token, named_token = tokens
    assert not switch_preview_role(session, narrow_token, "owner")
    assert not switch_preview_role(session, narrow_token, "billing_manager")
    assert switch_preview_role(session, named_token, "billing_manager")
    assert not switch_preview_role(session, named_token, "owner")


def test_bad_role_keys_are_400(demo, client, m2m_headers):
    headers = m2m_headers("create:portal_links")
    for role_keys, code in ((["nope"], "ROLE_NOT_FOUND"), ("owner", None), (["x" * 65], None)):
        resp = client.post(PREVIEW, json={"organization_code": DEMO_ORG_CODE, "role_key": "viewer",
                                          "role_keys": role_keys}, headers=headers)
        assert resp.status_code == 400, role_keys
        assert code is None or resp.json()["errors"][0]["code"] == code
