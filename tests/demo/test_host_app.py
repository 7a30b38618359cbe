"""The /demo host app: a persona's "Manage account" goes through the Account API to a live link."""

from sqlmodel import select

from portal_ui.models import PortalLink, PortalSession


def test_demo_page_lists_every_persona(demo, client):
    resp = client.get("/demo")
    assert resp.status_code == 200
    for name in ("Bea Chen", "Olivia Owens", "Bill Payne", "Vic Reed"):
        assert name in resp.text
    assert resp.text.count(">Manage account</button>") == 4


def test_demo_is_absent_until_seeded(settings, client):
    resp = client.get("/demo")
    assert resp.status_code == 404 and "seed-demo" in resp.text


def test_manage_account_redirects_to_a_one_time_link_that_works(demo, client, session):
    resp = client.post("/demo/manage", data={"persona": "kp_demo_bill", "sub_nav": "organization_plan_details"},
                       follow_redirects=False)
    assert resp.status_code == 303
    link_url = resp.headers["location"]
    assert link_url.startswith("http://portal.test/portal_redirect?key=")
    link = session.exec(select(PortalLink)).one()
    assert (link.user_id, link.org_code, link.sub_nav) == ("kp_demo_bill", "org_demo_acme", "organization_plan_details")
    entered = client.get(link_url, follow_redirects=False)
    assert entered.status_code == 303 and entered.headers["location"] == "/org/billing/plan"
    assert session.exec(select(PortalSession)).one().user_id == "kp_demo_bill"


def test_manage_account_returns_to_demo_when_it_is_the_default(env, client, session):
    settings = env(PORTAL_DEFAULT_RETURN_URL="http://portal.test/demo")
    from portal_ui.db import session_scope
    from portal_ui.demo.seed import seed_demo
    with session_scope() as s:
        seed_demo(s, settings)
    client.post("/demo/manage", data={"persona": "kp_demo_bea", "sub_nav": "profile"}, follow_redirects=False)
    assert session.exec(select(PortalLink)).one().return_url == "http://portal.test/demo?left=1"


def test_unknown_persona_and_bad_section_are_explained(demo, client):
    resp = client.post("/demo/manage", data={"persona": "kp_root"}, follow_redirects=False)
    assert resp.status_code == 400 and "Unknown demo user" in resp.text
    resp = client.post("/demo/manage", data={"persona": "kp_demo_bea", "sub_nav": "<script>"}, follow_redirects=False)
    assert resp.status_code == 400 and "<script>" not in resp.text
