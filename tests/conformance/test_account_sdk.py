"""Kinde's Python SDK (`kinde_sdk.frontend` SelfServePortalApi) against a real portal_ui server.

A host app written against Kinde gets a portal link from portal_ui unchanged, and the link
redeems exactly once over real HTTP.
"""

from __future__ import annotations

import httpx
import pytest
from kinde_sdk.frontend.api.self_serve_portal_api import SelfServePortalApi
from kinde_sdk.frontend.api_client import ApiClient
from kinde_sdk.frontend.configuration import Configuration
from kinde_sdk.frontend.exceptions import ApiException
from kinde_sdk.frontend.models.portal_link import PortalLink

from portal_ui import db
from portal_ui.demo.seed import seed_demo


@pytest.fixture
def seeded_server(portal_server):
    with db.session_scope() as session:
        seed_demo(session, portal_server.settings)
    return portal_server


def _portal_api(server, token: str) -> SelfServePortalApi:
    return SelfServePortalApi(ApiClient(Configuration(host=server.url, access_token=token)))


def test_get_portal_link_through_the_kinde_sdk(seeded_server, user_token):
    api = _portal_api(seeded_server, user_token("kp_demo_olivia", "org_demo_acme"))
    link = api.get_portal_link(subnav="organization_plan_selection", return_url="https://app.example/billing")
    assert isinstance(link, PortalLink)
    assert link.url.startswith("http://portal.test/portal_redirect?key=")  # PORTAL_PUBLIC_URL, not the Host

    path = link.url.removeprefix("http://portal.test")
    with httpx.Client(base_url=seeded_server.url) as browser:
        first = browser.get(path)
        assert first.status_code == 303 and first.headers["location"] == "/org/billing/plans"
        assert "portal_session=" in first.headers["set-cookie"]
        second = browser.get(path)
        assert second.status_code == 410
        assert "https://app.example/billing" in second.text


def test_sdk_sees_kindes_errors(seeded_server, user_token):
    api = _portal_api(seeded_server, user_token("kp_demo_bea"))
    with pytest.raises(ApiException) as err:
        api.get_portal_link(subnav="not_a_section")
    assert err.value.status == 400
    bad = _portal_api(seeded_server, "not-a-jwt")
    with pytest.raises(ApiException) as err:
        bad.get_portal_link()
    assert err.value.status == 403
