"""The portal shell in a real browser: entering by link, navigation per persona, gating, branding."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from portal_ui.demo.personas import DEMO_ORG_CODE
from portal_ui.domain.sections import ALIASES, BY_KEY, SUB_NAV_VALUES
from tests.ui.helpers import enter as enter_link
from tests.ui.helpers import path_of

pytestmark = pytest.mark.browser

ACCOUNT = ["Profile", "Plan", "Change plan", "Payment methods", "API keys"]
WORKSPACE_ALL = ["Workspace details", "Domains", "Members", "Plan", "Change plan", "Payment methods", "API keys"]
# What each demo persona's navigation shows (demo settings: every function on; alias "Workspace").
EXPECTED_NAV = {
    "kp_demo_bea": (ACCOUNT, None),
    "kp_demo_olivia": (ACCOUNT, WORKSPACE_ALL + ["Audit log"]),  # the owner alone holds org:read:audit_log
    "kp_demo_bill": (ACCOUNT, ["Workspace details", "Domains", "Plan", "Change plan", "Payment methods"]),
    "kp_demo_vic": (ACCOUNT, WORKSPACE_ALL),
}
ORG_OF = {"kp_demo_bea": None}
ACCENT_RGB = "rgb(79, 70, 229)"  # the demo's #4f46e5


def enter(page: Page, portal, user: str, sub_nav: str | None = None) -> None:
    """Enter the portal as `user` (in the demo organization, when they have one) by a fresh link."""
    enter_link(page, portal.link(user, ORG_OF.get(user, DEMO_ORG_CODE), sub_nav))


def nav_titles(page: Page, group: str) -> list[str]:
    return [t.strip() for t in page.locator(f"#nav-desktop [data-group={group}] a").all_inner_texts()]


@pytest.mark.parametrize("user", sorted(EXPECTED_NAV))
def test_each_persona_sees_exactly_their_sections(page: Page, portal, user):
    enter(page, portal, user)
    account, workspace = EXPECTED_NAV[user]
    assert path_of(page) == "/profile"
    assert nav_titles(page, "account") == account
    if workspace is None:
        expect(page.locator("#nav-desktop [data-group=organization]")).to_have_count(0)
        expect(page.locator("#org-name")).to_have_count(0)
    else:
        expect(page.locator("#nav-desktop [data-group=organization] .nav-group-title")).to_have_text("Workspace")
        assert nav_titles(page, "organization") == workspace
        expect(page.locator("#org-name")).to_have_text("Acme")


@pytest.mark.parametrize("sub_nav", sorted(SUB_NAV_VALUES))
def test_every_sub_nav_lands_on_its_section(page: Page, portal, sub_nav):
    section = BY_KEY[ALIASES.get(sub_nav, sub_nav)]
    enter(page, portal, "kp_demo_olivia", sub_nav)
    assert path_of(page) == section.path
    expect(page.locator("#nav-desktop a[aria-current=page]")).to_have_attribute("data-section", section.key)
    expect(page.locator("#unavailable-notice")).to_have_count(0)


def test_hidden_section_from_a_link_lands_on_first_visible_with_notice(page: Page, portal):
    enter(page, portal, "kp_demo_bill", "organization_members")
    assert path_of(page) == "/profile"
    expect(page.locator("#section-title")).to_have_text("Profile")
    expect(page.locator("#unavailable-notice")).to_contain_text("Members (Workspace) is not available")


def test_typed_url_of_hidden_section_gets_the_same_treatment(page: Page, portal):
    enter(page, portal, "kp_demo_bill", "organization_plan_details")
    page.goto(f"{portal.url}/org/api-keys")
    expect(page.locator("#unavailable-notice")).to_contain_text("API keys (Workspace) is not available")
    assert path_of(page) == "/profile"
    expect(page.locator("#api-key-list, #api-keys-none")).to_have_count(0)


def test_notice_never_echoes_the_address_bar(page: Page, portal):
    enter(page, portal, "kp_demo_olivia")
    page.goto(f"{portal.url}/profile?unavailable=%3Cb%3Eyou%20were%20hacked%3C/b%3E")
    expect(page.locator("#section-title")).to_have_text("Profile")
    expect(page.locator("#unavailable-notice")).to_have_count(0)
    assert "hacked" not in page.inner_text("body")


def test_user_without_organization_cannot_type_an_organization_url(page: Page, portal):
    enter(page, portal, "kp_demo_bea")
    page.goto(f"{portal.url}/org/details")
    expect(page.locator("#unavailable-notice")).to_be_visible()
    assert path_of(page) == "/profile"
    expect(page.locator("#details-form")).to_have_count(0)


def test_alias_in_navigation_titles_and_text(page: Page, portal):
    enter(page, portal, "kp_demo_olivia", "organization_details")
    expect(page).to_have_title("Workspace details · Workspace · Nimbus")
    expect(page.locator("#section-title")).to_have_text("Workspace details")
    page.locator("#nav-desktop a[data-section=organization_members]").click()
    expect(page).to_have_title("Members · Workspace · Nimbus")
    expect(page.locator("#member-table")).to_contain_text("vic@acme.example")
    for path in ("/profile", "/org/details", "/org/members", "/org/billing/plan", "/org/api-keys"):
        page.goto(portal.url + path)
        expect(page.locator("#content-loading")).to_have_count(0)
        expect(page.locator("#page-loading")).to_have_count(0)
        assert "rganization" not in page.inner_text("body"), path


def test_branding_name_and_colour(page: Page, portal):
    enter(page, portal, "kp_demo_olivia")
    expect(page.locator("#product-name")).to_have_text("Nimbus")
    expect(page.locator("#brand-mark")).to_have_css("background-color", ACCENT_RGB)
    expect(page.locator("#exit-button")).to_have_css("background-color", ACCENT_RGB)
    expect(page).to_have_title("Profile · Your account · Nimbus")


def test_profile_shows_the_user_and_their_organizations(page: Page, portal):
    enter(page, portal, "kp_demo_vic")
    expect(page.locator("#profile-given_name")).to_have_value("Vic")
    expect(page.locator("#profile-family_name")).to_have_value("Reed")
    expect(page.locator("#profile-email")).to_have_text("vic@acme.example")
    # One organization, Acme, with its Leave button (account_lifecycle's card).
    expect(page.locator("#profile-orgs .org-item")).to_have_count(1)
    expect(page.locator("#profile-orgs .org-item").get_by_role("button", name="Leave Acme")).to_be_visible()
    expect(page.locator("#user-name")).to_have_text("Vic Reed")


@pytest.mark.parametrize("user", ["kp_demo_vic", "kp_demo_bill"])
def test_read_only_section_disables_changing_controls(page: Page, portal, user):
    enter(page, portal, user, "organization_details")
    expect(page.locator("#read-only-note")).to_contain_text("View only")
    expect(page.locator("#details-name")).to_have_value("Acme")
    expect(page.locator("#details-name")).to_be_disabled()
    expect(page.locator("#details-save")).to_be_disabled()


def test_owner_can_save_details(page: Page, portal):
    enter(page, portal, "kp_demo_olivia", "organization_details")
    expect(page.locator("#read-only-note")).to_have_count(0)
    page.locator("#details-phone").fill("+44 117 496 0000")
    page.locator("#details-save").click()
    expect(page.get_by_text("Details saved.")).to_be_visible()
    page.reload()
    expect(page.locator("#details-phone")).to_have_value("+44 117 496 0000")
    page.locator("#details-phone").fill("")
    page.locator("#details-save").click()
    expect(page.get_by_text("Details saved.")).to_be_visible()


def test_phone_width_layout(page: Page, portal, shot):
    page.set_viewport_size({"width": 390, "height": 844})
    enter(page, portal, "kp_demo_olivia", "organization_members")
    expect(page.locator("#nav-desktop")).to_be_hidden()
    expect(page.locator("#exit-button")).to_be_visible()
    expect(page.locator("#member-table")).to_contain_text("Billing manager")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    box = page.locator("#member-table").bounding_box()
    assert box["x"] + box["width"] <= 390, "the members table is wider than the phone"
    assert page.evaluate("document.querySelector('#member-table').scrollWidth <= "
                         "document.querySelector('#member-table').clientWidth"), "the members table scrolls sideways"
    shot("closed")
    page.locator("#nav-mobile summary").click()
    expect(page.locator("#nav-mobile a[data-section=organization_details]")).to_be_visible()
    shot("menu")
    page.locator("#nav-mobile a[data-section=organization_details]").click()
    expect(page.locator("#section-title")).to_have_text("Workspace details")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways at phone width ({width}px)"


def test_a_long_organization_name_is_cut_and_exit_stays_on_screen(page: Page, portal, shot):
    page.set_viewport_size({"width": 390, "height": 844})
    enter(page, portal, "kp_demo_olivia", "profile")
    name = page.locator("#org-name")
    expect(name).to_have_text("Acme")
    # The header's CSS on a name as long as a real one can be (set in the page: no demo org has one).
    name.evaluate("el => { el.textContent = 'Acme International Holdings and Subsidiaries Worldwide'; }")
    style = name.evaluate("el => { const s = getComputedStyle(el); return [s.textOverflow, s.whiteSpace, s.overflow]; }")
    assert style == ["ellipsis", "nowrap", "hidden"], style
    assert name.evaluate("el => el.scrollWidth > el.clientWidth"), "the long name is not cut"
    exit_box = page.locator("#exit-button").bounding_box()
    assert exit_box["x"] + exit_box["width"] <= 390, "Exit was pushed off the screen"
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot("long-org-name")


def test_placeholders_stand_still_then_pulse_when_the_load_is_slow(page: Page, portal, shot):
    # The server never answers this tab's websocket: the page stays on its placeholders.
    page.route_web_socket("**/_event/**", lambda ws: None)
    page.goto(portal.link("kp_demo_olivia", DEMO_ORG_CODE))
    bar = page.locator("#page-loading .portal-skeleton-bar").first
    expect(bar).to_be_visible()
    if page.locator("[data-slow]").count() == 0:  # still within the usual load time
        assert bar.evaluate("el => getComputedStyle(el).animationName") == "none"
    expect(page.locator("#page-loading")).to_have_attribute("data-slow", "")
    expect(page.locator("#content-loading")).to_have_attribute("data-slow", "")
    assert bar.evaluate("el => getComputedStyle(el).animationName") == "portal-skeleton-pulse"
    expect(page.locator("#content-loading")).to_have_attribute("aria-busy", "true")
    shot("slow-load")


# What Radix Themes' own <Text>/<Heading> would give each shell element (tokens at 100 % scaling).
SHELL_TYPE = {
    "#product-name": ("18px", "700"),  # Text size 4, bold
    "#user-name": ("14px", "400"),  # Text size 2
    "#section-title": ("28px", "700"),  # Heading size 7
    "#section-description": ("16px", "400"),  # Text size 3
    "[data-group=account] .nav-group-title": ("12px", "700"),  # Text size 1, bold
}


def test_the_shell_is_plain_elements_with_radix_themes_look(page: Page, portal):
    """The shell renders on every update that reaches it, so it is plain HTML with Radix's classes
    (components/plain.py), looking as the Radix components did; nav links still navigate in-page."""
    enter(page, portal, "kp_demo_olivia")
    for selector, (size, weight) in SHELL_TYPE.items():
        element = page.locator(selector).first
        assert element.evaluate("el => getComputedStyle(el).fontSize") == size, selector
        assert element.evaluate("el => getComputedStyle(el).fontWeight") == weight, selector
    gray_a11 = page.locator("#user-name").evaluate(
        "el => getComputedStyle(el).getPropertyValue('--gray-a11').trim()")
    assert gray_a11, "the Radix tokens are missing"
    assert page.locator("#user-name").evaluate("el => getComputedStyle(el).color") != \
        page.locator("#product-name").evaluate("el => getComputedStyle(el).color"), "muted text is muted"
    separator = page.locator("header [role=separator]")
    assert separator.evaluate("el => el.getBoundingClientRect().width") == 1
    assert separator.evaluate("el => el.getBoundingClientRect().height") > 10
    expect(page.locator("#nav-desktop a[aria-current=page]")).to_have_css("font-weight", "500")
    page.evaluate("window.__sameDocument = true")
    page.locator("#nav-desktop a", has_text="API keys").first.click()
    expect(page.locator("#section-title")).to_have_text("API keys")
    assert page.evaluate("window.__sameDocument") is True, "the nav link reloaded the page"
    expect(page.locator("#nav-desktop a[aria-current=page]")).to_have_text("API keys")
