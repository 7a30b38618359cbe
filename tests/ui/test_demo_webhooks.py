"""The demo closes the loop in a browser: a change made in the portal shows up on /demo as a
webhook Nimbus received, with its signature checked, without reloading the page."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.ui.helpers import artifact_path, enter
from tests.ui.portal_db import set_user_names, user_names

pytestmark = pytest.mark.browser


def test_a_profile_change_arrives_on_the_demo_page_verified(page: Page, context, portal, request):
    saved = user_names(portal, "kp_demo_bea")
    demo = context.new_page()
    demo.set_viewport_size({"width": 1280, "height": 900})
    demo.goto(portal.url + "/demo")
    expect(demo.locator("#hooks-title")).to_have_text("Webhooks Nimbus received")
    rows = demo.locator("#hooks-body tr")
    expect(rows.first).to_be_visible()
    before = rows.count()
    try:
        page.set_viewport_size({"width": 1280, "height": 900})
        enter(page, portal.link("kp_demo_bea", None, "profile"))
        page.locator("#profile-given_name").fill("Webhook")
        page.locator("#profile-save").click()
        expect(page.get_by_text("Profile saved.")).to_be_visible()

        newest = demo.locator("#hooks-body tr").first  # the demo page polls; no reload
        expect(newest).to_contain_text("user.updated", timeout=15_000)
        expect(newest).to_contain_text("user kp_demo_bea")
        expect(newest.locator("td.ok")).to_contain_text("verified")
        assert demo.locator("#hooks-body tr").count() >= before

        # A forged delivery with a long unbroken id is shown refused, and wraps instead of widening the page.
        forged = httpx.post(portal.url + "/demo/webhooks", content=b'{"type": "user.updated"}',
                            headers={"webhook-id": "msg_" + "x" * 120, "webhook-timestamp": "1",
                                     "webhook-signature": "v1,AAAA", "content-type": "application/json"})
        assert forged.status_code == 400
        expect(demo.locator("#hooks-body tr").first.locator("td.bad")).to_contain_text("signature refused")
        demo.screenshot(path=str(artifact_path(request, "demo")), full_page=True)
        assert demo.evaluate("document.documentElement.scrollWidth") <= 1280
    finally:
        set_user_names(portal, "kp_demo_bea", *saved)
