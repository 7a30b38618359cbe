"""Focused flows on both link endpoints: the link lands on the flow's page, bad values are 4xx."""

import pytest
from sqlmodel import select

from portal_ui.demo.personas import DEMO_ORG_CODE
from portal_ui.models import AuditEvent, PortalLink, PortalSession

LINK = "/account_api/v1/portal_link"
GENERATE = "/api/v1/portal/generate_url"
OLIVIA, VIC, BILL = "kp_demo_olivia", "kp_demo_vic", "kp_demo_bill"
HOSTILE = ["https://evil.example/done", "javascript:alert(1)", "//evil.example/x", "https://app.example@evil.example/",
           "https://app.example\\@evil.example", "data:text/html,hi", "https://app.example.evil.example/"]


def _links(session):
    return session.exec(select(PortalLink)).all()


def test_account_api_flow_link_lands_on_the_flow_page(demo, client, user_headers, session):
    resp = client.get(LINK, params={"flow": "payment_method_update", "after_completion_url": "https://app.example/ok",
                                    "return_url": "https://app.example/back"}, headers=user_headers(BILL, DEMO_ORG_CODE))
    assert resp.status_code == 200, resp.text
    link = _links(session)[0]
    assert (link.flow, link.sub_nav, link.after_completion_url) == (
        "payment_method_update", "organization_payment_details", "https://app.example/ok")
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "portal_link.created")).one()
    assert event.after["flow"] == "payment_method_update"
    opened = client.get(resp.json()["url"], follow_redirects=False)
    assert opened.status_code == 303 and opened.headers["location"] == "/flow"
    row = session.exec(select(PortalSession)).one()
    assert (row.flow, row.after_completion_url) == ("payment_method_update", "https://app.example/ok")


def test_generate_url_flow_with_a_target_plan(demo, client, m2m_headers, session):
    body = {"user_id": OLIVIA, "organization_code": DEMO_ORG_CODE, "flow": "subscription_update",
            "flow_plan": "business", "after_completion_url": "https://app.example/upgraded"}
    resp = client.post(GENERATE, json=body, headers=m2m_headers("create:portal_links"))
    assert resp.status_code == 200, resp.text
    link = _links(session)[0]
    assert (link.flow, link.flow_plan, link.sub_nav) == ("subscription_update", "business",
                                                           "organization_plan_selection")


@pytest.mark.parametrize("params, code", [
    ({"flow": "refund_everything"}, "INVALID_FLOW"),
    ({"flow": "subscription_update"}, "INVALID_FLOW"),
    ({"flow": "subscription_update", "flow_plan": "platinum"}, "PLAN_NOT_FOUND"),
    ({"flow_plan": "business"}, "INVALID_FLOW"),
    ({"flow": "x" * 100}, "INVALID_FLOW"),
])
def test_account_api_bad_flows_are_400(demo, client, user_headers, session, params, code):
    resp = client.get(LINK, params=params, headers=user_headers(OLIVIA, DEMO_ORG_CODE))
    assert resp.status_code == 400, resp.text
    assert resp.json()["errors"][0]["code"] == code
    assert _links(session) == []


def test_account_api_flow_given_twice_is_400(demo, client, user_headers, session):
    resp = client.get(LINK + "?flow=subscription_cancel&flow=payment_method_update",
                      headers=user_headers(OLIVIA, DEMO_ORG_CODE))
    assert resp.status_code == 400 and _links(session) == []


@pytest.mark.parametrize("url", HOSTILE)
def test_hostile_after_completion_urls_are_refused_on_both_endpoints(demo, client, user_headers, m2m_headers,
                                                                    session, url):
    resp = client.get(LINK, params={"flow": "payment_method_update", "after_completion_url": url},
                      headers=user_headers(OLIVIA, DEMO_ORG_CODE))
    assert resp.status_code == 400 and resp.json()["errors"][0]["code"] == "INVALID_RETURN_URL"
    resp = client.post(GENERATE, json={"user_id": OLIVIA, "organization_code": DEMO_ORG_CODE,
                                       "flow": "payment_method_update", "after_completion_url": url},
                       headers=m2m_headers("create:portal_links"))
    assert resp.status_code == 400 and resp.json()["errors"][0]["code"] == "INVALID_RETURN_URL"
    assert "after_completion_url" in resp.json()["errors"][0]["message"]
    assert _links(session) == []


@pytest.mark.parametrize("body, code", [
    ({"flow": "subscription_cancel", "user_id": VIC}, "FLOW_NOT_PERMITTED"),  # reads billing, may not change it
    ({"flow": 3}, "INVALID_INPUT"),
    ({"flow": "subscription_update", "flow_plan": "pro_monthly"}, "ALREADY_ON_PLAN"),
    ({"flow": "subscription_cancel", "flow_plan": "free"}, "INVALID_FLOW"),
])
def test_generate_url_bad_flows_are_400(demo, client, m2m_headers, session, body, code):
    body = {"user_id": OLIVIA, "organization_code": DEMO_ORG_CODE, **body}
    resp = client.post(GENERATE, json=body, headers=m2m_headers("create:portal_links"))
    assert resp.status_code == 400, resp.text
    assert resp.json()["errors"][0]["code"] == code
    assert _links(session) == []
