"""Sessions in a real browser: no session, a reused link, Exit, the back button, idle expiry."""

from __future__ import annotations

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from portal_ui.demo.personas import DEMO_ORG_CODE
from portal_ui.domain.sessions import SESSION_COOKIE
from tests.ui.helpers import RETURN_URL, enter, expect_ended

pytestmark = pytest.mark.browser


def test_no_session_shows_the_ended_page(page: Page, portal):
    page.goto(f"{portal.url}/org/members")
    expect_ended(page)
    expect(page).to_have_title("Session ended · Nimbus")
    expect(page.locator("#ended-product")).to_have_text("Nimbus")


def test_root_sends_a_live_session_to_its_section(page: Page, portal):
    enter(page, portal.link("kp_demo_olivia", DEMO_ORG_CODE, "organization_members"))
    page.goto(f"{portal.url}/")
    expect(page.locator("#section-title")).to_have_text("Members")
    page.goto(f"{portal.url}/session-ended")
    expect(page.locator("#section-title")).to_have_text("Members")


def test_reused_link_shows_the_friendly_page(page: Page, portal):
    link = portal.link("kp_demo_vic", DEMO_ORG_CODE, "profile")
    enter(page, link)
    page.goto(link)
    expect(page.get_by_text("This link has expired or was already used")).to_be_visible()
    assert "key=" not in page.inner_text("body")


def test_exit_returns_to_the_app_and_back_shows_the_ended_page(page: Page, context: BrowserContext, portal, shot):
    enter(page, portal.link("kp_demo_olivia", DEMO_ORG_CODE, "organization_details"))
    expect(page.locator("#details-name")).to_have_value("Acme")
    page.locator("#exit-button").click()
    page.wait_for_url(RETURN_URL)
    expect(page.locator("#host-app")).to_be_visible()
    assert not [c for c in context.cookies() if c["name"] == SESSION_COOKIE]
    shot("host-app")
    page.go_back()
    expect_ended(page)
    expect(page.locator("#details-form")).to_have_count(0)
    shot("after-back")
    page.locator("#return-link").click()
    page.wait_for_url(RETURN_URL)


def test_exit_in_one_tab_ends_the_other(page: Page, context: BrowserContext, portal):
    first = page
    enter(first, portal.link("kp_demo_vic", DEMO_ORG_CODE, "profile"))
    second = context.new_page()
    second.goto(f"{portal.url}/org/members")
    expect(second.locator("#section-title")).to_have_text("Members")
    first.bring_to_front()  # Chromium does not let a background tab's navigation be intercepted
    first.locator("#exit-button").click()
    first.wait_for_url(RETURN_URL)
    second.bring_to_front()
    second.locator("#nav-desktop a[data-section=organization_details]").click()
    expect_ended(second)


def test_new_link_in_the_same_tab_never_shows_the_previous_person(page: Page, portal):
    """The tab keeps its Reflex token across page loads; the previous session's data must not
    reach the browser, not even in the first snapshot after the new page connects."""
    enter(page, portal.link("kp_demo_olivia", DEMO_ORG_CODE, "organization_members"))
    expect(page.locator("#member-table")).to_contain_text("vic@acme.example")
    token = page.evaluate("sessionStorage.getItem('token')")
    frames: list[str] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(str(payload))))
    enter(page, portal.link("kp_demo_bea", None, "profile"))
    expect(page.locator("#user-name")).to_have_text("Bea Chen")
    assert page.evaluate("sessionStorage.getItem('token')") == token, "the test needs the same tab token"
    received = "".join(frames)
    assert "Bea Chen" in received
    for previous in ("Olivia", "olivia@acme.example", "vic@acme.example", "Acme"):
        assert previous not in received, previous
