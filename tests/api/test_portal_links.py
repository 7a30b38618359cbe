"""Link generation (Account API and Management API), redemption and exit over HTTP."""

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlmodel import select

from portal_ui.demo.personas import DEMO_ORG_CODE
from portal_ui.models import AuditEvent, PortalLink, PortalSession

LINK = "/account_api/v1/portal_link"
GENERATE = "/api/v1/portal/generate_url"
OLIVIA, VIC, BEA = "kp_demo_olivia", "kp_demo_vic", "kp_demo_bea"


def _key(url: str) -> str:
    return parse_qs(urlsplit(url).query)["key"][0]


def _links(session):
    return session.exec(select(PortalLink)).all()


@pytest.mark.parametrize("param", ["subnav", "sub_nav"])
def test_account_api_accepts_both_spellings(demo, client, user_headers, session, param):
    resp = client.get(LINK, params={param: "organization_members"}, headers=user_headers(OLIVIA, DEMO_ORG_CODE))
    assert resp.status_code == 200, resp.text
    assert resp.json()["url"].startswith("http://portal.test/portal_redirect?key=")
    assert resp.headers["cache-control"] == "no-store"
    link = _links(session)[0]
    assert (link.user_id, link.org_code, link.sub_nav) == (OLIVIA, DEMO_ORG_CODE, "organization_members")


def test_account_api_takes_the_organization_from_the_token_only(demo, client, user_headers, session):
    resp = client.get(LINK, params={"org_code": DEMO_ORG_CODE}, headers=user_headers(BEA))
    assert resp.status_code == 400  # an org in the query is not a thing: unknown parameter
    resp = client.get(LINK, headers=user_headers(BEA))
    assert resp.status_code == 200
    assert _links(session)[0].org_code is None


@pytest.mark.parametrize("params, code", [
    ({"subnav": "billing"}, "INVALID_SUBNAV"),
    ({"subnav": "profile", "sub_nav": "plan_details"}, "INVALID_SUBNAV"),
    ({"return_url": "javascript:alert(1)"}, "INVALID_RETURN_URL"),
    ({"return_url": "//evil.example"}, "INVALID_RETURN_URL"),
    ({"return_url": "https://app.example@evil.example/"}, "INVALID_RETURN_URL"),
    ({"return_url": "https://app.example\\evil"}, "INVALID_RETURN_URL"),
    ({"return_url": "https://evil.example/"}, "INVALID_RETURN_URL"),
])
def test_account_api_bad_values_are_400_in_kindes_envelope(demo, client, user_headers, session, params, code):
    resp = client.get(LINK, params=params, headers=user_headers(OLIVIA, DEMO_ORG_CODE))
    assert resp.status_code == 400
    assert resp.json()["errors"][0]["code"] == code
    assert _links(session) == []


def test_account_api_accepts_an_allowed_return_url(demo, client, user_headers, session):
    resp = client.get(LINK, params={"return_url": "https://app.example/settings?tab=1"}, headers=user_headers(BEA))
    assert resp.status_code == 200
    assert _links(session)[0].return_url == "https://app.example/settings?tab=1"


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}])
def test_account_api_refuses_bad_tokens(demo, client, headers):
    resp = client.get(LINK, headers=headers)
    assert resp.status_code == 403 and "errors" in resp.json()


def test_account_api_refuses_m2m_tokens(demo, client, m2m_headers):
    assert client.get(LINK, headers=m2m_headers("create:portal_links")).status_code == 403


def test_generate_url_needs_the_scope(demo, client, m2m_headers):
    resp = client.post(GENERATE, json={"user_id": BEA}, headers=m2m_headers("read:users"))
    assert resp.status_code == 403
    assert client.post(GENERATE, json={"user_id": BEA}).status_code == 403


@pytest.mark.parametrize("field", ["sub_nav", "subnav"])
def test_generate_url_makes_a_link(demo, client, m2m_headers, session, field):
    body = {"user_id": VIC, "organization_code": DEMO_ORG_CODE, field: "organization_plan_details",
            "return_url": "https://app.example/back"}
    resp = client.post(GENERATE, json=body, headers=m2m_headers("create:portal_links"))
    assert resp.status_code == 200, resp.text
    link = _links(session)[0]
    assert (link.sub_nav, link.return_url, link.created_by) == (
        "organization_plan_details", "https://app.example/back", "m2m:test-client")
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "portal_link.created")).one()
    assert event.actor_type == "m2m" and _key(resp.json()["url"]) not in str(event.after)


@pytest.mark.parametrize("body, status", [
    ({"user_id": "kp_nobody"}, 400),
    ({"user_id": BEA, "organization_code": DEMO_ORG_CODE}, 400),  # not a member
    ({"user_id": BEA, "sub_nav": "nope"}, 400),
    ({"user_id": 12}, 400),
    ({"user_id": BEA, "extra": 1}, 400),
    ({"user_id": "k" * 5000}, 400),
    ({}, 400),
])
def test_generate_url_bad_bodies(demo, client, m2m_headers, session, body, status):
    resp = client.post(GENERATE, json=body, headers=m2m_headers("create:portal_links"))
    assert resp.status_code == status and resp.json()["errors"]
    assert _links(session) == []


def test_generate_url_malformed_json(demo, client, m2m_headers):
    resp = client.post(GENERATE, content=b"{nope", headers={**m2m_headers("create:portal_links"),
                                                           "content-type": "application/json"})
    assert resp.status_code == 400 and resp.json()["errors"][0]["code"] == "INVALID_JSON"


def _new_link(client, user_headers, user=OLIVIA, org=DEMO_ORG_CODE, **params) -> str:
    return client.get(LINK, params=params, headers=user_headers(user, org)).json()["url"]


def test_redirect_sets_a_safe_cookie_and_goes_to_the_section(demo, client, user_headers, session):
    url = _new_link(client, user_headers, subnav="organization_members")
    resp = client.get(url, follow_redirects=False)
    assert resp.status_code == 303
    assert resp.headers["location"] == "/org/members"
    assert resp.headers["referrer-policy"] == "no-referrer"
    cookie = resp.headers["set-cookie"]
    assert cookie.startswith("portal_session=")
    for attribute in ("HttpOnly", "SameSite=lax", "Path=/"):
        assert attribute.lower() in cookie.lower()
    assert "secure" not in cookie.lower()  # http public URL in tests
    assert session.exec(select(PortalSession)).one().user_id == OLIVIA


def test_cookie_is_secure_over_https(env, client):
    settings = env(PORTAL_PUBLIC_URL="https://portal.test")
    from portal_ui.db import session_scope
    from portal_ui.demo.seed import seed_demo
    from portal_ui.tokens.issue import mint_user_token
    with session_scope() as s:
        seed_demo(s, settings)
    url = client.get(LINK, headers={"Authorization": f"Bearer {mint_user_token(settings, BEA, None)}"}).json()["url"]
    resp = client.get("/portal_redirect?" + urlsplit(url).query, follow_redirects=False)
    assert "secure" in resp.headers["set-cookie"].lower()


def test_a_used_link_gets_the_friendly_page_with_the_return_url(demo, client, user_headers):
    url = _new_link(client, user_headers, return_url="https://app.example/home")
    assert client.get(url, follow_redirects=False).status_code == 303
    again = client.get(url, follow_redirects=False)
    assert again.status_code == 410
    assert "This link has expired or was already used" in again.text
    assert 'href="https://app.example/home"' in again.text
    assert "set-cookie" not in again.headers


@pytest.mark.parametrize("query", ["key=nope", "", "key=", "key=a&key=b", "key=" + "x" * 4000, "key=%00%ff"])
def test_unknown_keys_get_the_same_page(demo, client, query):
    resp = client.get("/portal_redirect?" + query, follow_redirects=False)
    assert resp.status_code == 410
    assert "This link has expired or was already used" in resp.text
    assert "return-link" not in resp.text


def test_exit_ends_the_session_and_goes_back(demo, client, user_headers, session):
    url = _new_link(client, user_headers, return_url="https://app.example/done")
    client.get(url, follow_redirects=False)
    resp = client.post("/portal_exit", follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"] == "https://app.example/done"
    assert 'portal_session=""' in resp.headers["set-cookie"] or "max-age=0" in resp.headers["set-cookie"].lower()
    assert session.exec(select(PortalSession)).one().ended_on is not None


def test_exit_without_a_session_goes_to_the_ended_page(demo, client):
    resp = client.post("/portal_exit", follow_redirects=False, headers={"cookie": "portal_session=bogus"})
    assert resp.status_code == 303 and resp.headers["location"] == "/session-ended"
