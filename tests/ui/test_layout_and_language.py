"""Every section at phone (375), tablet (768) and desktop (1280) width; the German catalogue chosen
by the browser's Accept-Language; dialogs that keep the focus and close on Escape; toasts that
screen readers announce."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from portal_ui.demo.personas import DEMO_ORG_CODE
from portal_ui.i18n import translate
from tests.ui.helpers import RETURN_URL, enter, path_of, review_shot

pytestmark = pytest.mark.browser

WIDTHS = {"375": 375, "768": 768, "1280": 1280}


def _no_sideways_scroll(page: Page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"{path_of(page)} scrolls sideways by {overflow}px at {page.viewport_size['width']}px"


def test_every_section_fits_phone_tablet_and_desktop(page: Page, portal, request):
    enter(page, portal.link("kp_demo_olivia", DEMO_ORG_CODE, "profile"))
    paths = page.locator("#nav-desktop a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert len(paths) >= 9, paths  # Olivia sees her own and the organization's sections
    for label, width in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": 900})
        for path in paths:
            page.goto(f"{portal.url}{path}")
            expect(page.locator("#section-title")).to_be_visible()
            expect(page.locator("#content-loading")).to_have_count(0)
            # The sidebar from 768 px up; below, the folded menu.
            expect(page.locator("#nav-desktop")).to_be_visible(visible=width >= 768)
            expect(page.locator("#nav-mobile")).to_be_visible(visible=width < 768)
            expect(page.locator("#exit-button")).to_be_visible()
            _no_sideways_scroll(page)
            name = path.strip("/").replace("/", "-")
            review_shot(page, request, f"{name}-{label}")


@pytest.fixture
def german_page(browser: Browser):
    context = browser.new_context(locale="de-DE", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    context.route("https://app.example/**", lambda route: route.fulfill(
        status=200, content_type="text/html", body="<!doctype html><h1 id='host-app'>Host</h1>"))
    page = context.new_page()
    yield page
    context.close()


def test_a_german_browser_gets_the_portal_in_german(german_page: Page, portal, request):
    page = german_page
    enter(page, portal.link("kp_demo_olivia", DEMO_ORG_CODE, "organization_members"))
    expect(page.locator("html")).to_have_attribute("lang", "de")
    expect(page.locator("#section-title")).to_have_text(translate("de", "shell.section.organization_members"))
    expect(page).to_have_title("Mitglieder · Workspace · Nimbus")
    expect(page.locator("#exit-button")).to_have_text("Beenden")
    expect(page.locator("[data-group=account] .nav-group-title").first).to_have_text("Ihr Konto")
    # The organization alias still names the group, in the German text around it too.
    expect(page.locator("[data-group=organization] .nav-group-title").first).to_have_text("Workspace")
    expect(page.locator("#section-description")).to_have_text("Wer zur Workspace gehört, und mit welchen Rollen.")
    review_shot(page, request, "members-de")

    page.goto(f"{portal.url}/profile")
    expect(page.locator("#section-title")).to_have_text("Profil")
    expect(page.locator("#profile-save")).to_have_text(translate("de", "shell.save_changes"))
    page.locator("#profile-given_name").fill("   ")  # a refusal from the domain rules, in German too
    page.locator("#profile-save").click()
    expect(page.locator("#profile-given_name-error")).to_have_text(translate("de", "users.given_name_required"))
    review_shot(page, request, "profile-de")

    page.locator("#exit-button").click()
    expect(page.locator("#host-app")).to_be_visible()
    page.goto(f"{portal.url}/profile")
    expect(page.locator("#ended-heading")).to_have_text("Ihre Sitzung ist beendet")
    expect(page.locator("#return-link")).to_have_text("Zurück zur App")


def test_a_used_link_says_so_in_german(german_page: Page, portal):
    link = portal.link("kp_demo_bea")
    enter(german_page, link)
    german_page.goto(link)
    expect(german_page.locator("h1")).to_have_text("Dieser Link ist abgelaufen oder wurde bereits verwendet")
    expect(german_page.locator("html")).to_have_attribute("lang", "de")
    expect(german_page.locator("#return-link")).to_have_attribute("href", RETURN_URL)


def test_an_english_browser_keeps_english(page: Page, portal):
    enter(page, portal.link("kp_demo_bea", None, "profile"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#exit-button")).to_have_text("Exit")


def test_dialog_keeps_the_focus_and_closes_on_escape(page: Page, portal, request):
    enter(page, portal.link("kp_demo_olivia", DEMO_ORG_CODE, "organization_members"))
    opener = page.locator("#invite-button")
    opener.focus()
    page.keyboard.press("Enter")
    dialog = page.locator("#invite-dialog")
    expect(dialog).to_be_visible()
    seen = set()
    for _ in range(30):  # more Tabs than the dialog has controls: the focus must wrap inside it
        page.keyboard.press("Tab")
        inside, ident = page.evaluate(
            "[document.activeElement.closest('#invite-dialog') !== null,"
            " document.activeElement.id || document.activeElement.tagName]")
        assert inside, f"Tab left the dialog for {ident}"
        seen.add(ident)
    assert "invite-email" in seen and "invite-send" in seen
    for _ in range(3):
        page.keyboard.press("Shift+Tab")
        assert page.evaluate("document.activeElement.closest('#invite-dialog') !== null")
    review_shot(page, request, "open", full_page=False)
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)
    expect(opener).to_be_focused()  # back where the person was


def test_toasts_are_announced_to_screen_readers(page: Page, portal):
    enter(page, portal.link("kp_demo_vic", DEMO_ORG_CODE, "profile"))
    page.locator("#profile-save").click()  # saved as it is: the toast confirms
    toast = page.locator("[data-sonner-toast]").first
    expect(toast).to_be_visible()
    live = toast.evaluate("t => t.closest('[aria-live]') && t.closest('[aria-live]').getAttribute('aria-live')")
    assert live in ("polite", "assertive"), "toasts must sit in an aria-live region"
