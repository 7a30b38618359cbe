"""Organization details in a real browser: who may edit, field errors, saving, discarding, and two
admins editing at once (the second save is told the details changed since it opened them)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from portal_ui.demo.personas import DEMO_ORG_CODE
from portal_ui.domain.organizations import DETAIL_NAMES
from tests.ui.helpers import enter, path_of
from tests.ui.portal_db import audit_actions, org_details, set_org_details

pytestmark = pytest.mark.browser

WIDTHS = {"phone": 390, "desktop": 1280}
INPUTS = [f"#details-{name}" for name in DETAIL_NAMES]


def open_details(page: Page, portal, user: str = "kp_demo_olivia", width: int = 1280) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    enter(page, portal.link(user, DEMO_ORG_CODE, "organization_details"))
    expect(page.locator("#details-form")).to_be_visible()


@pytest.fixture
def restore_details(portal):
    saved = org_details(portal)
    yield saved
    saved.pop("version")
    set_org_details(portal, saved)


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
@pytest.mark.parametrize("user", ["kp_demo_bill", "kp_demo_vic"])
def test_billing_manager_and_viewer_see_the_details_read_only(page: Page, portal, user, width):
    open_details(page, portal, user, width)
    expect(page.locator("#read-only-note")).to_contain_text("View only")
    expect(page.locator("#details-name")).to_have_value("Acme")
    expect(page.locator("#details-business_name")).to_have_value("Acme Corporation Ltd")
    expect(page.locator("#details-country")).to_have_value("GB")
    for selector in INPUTS:
        expect(page.locator(selector)).to_be_disabled()
    for button in ("#details-save", "#details-discard", "#logo-choose"):
        expect(page.locator(button)).to_be_disabled()
    expect(page.locator("#logo-card input[type=file]")).to_have_count(0)  # no drop zone at all
    assert page.evaluate("document.documentElement.scrollWidth") <= width


def test_a_user_without_an_organization_has_no_details(page: Page, portal):
    enter(page, portal.link("kp_demo_bea", None, "organization_details"))
    assert path_of(page) == "/profile"
    expect(page.locator("#unavailable-notice")).to_be_visible()
    expect(page.locator("#details-form")).to_have_count(0)


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_owner_sees_labelled_editable_fields(page: Page, portal, width):
    open_details(page, portal, width=width)
    expect(page.locator("#read-only-note")).to_have_count(0)
    for name in DETAIL_NAMES:
        field = page.locator(f"#details-{name}")
        expect(field).to_be_enabled()
        expect(page.locator(f"label[for=details-{name}]")).to_have_count(1)
    expect(page.locator("label[for=details-name]")).to_contain_text("Workspace name")
    expect(page.locator("#details-country option[value=FR]")).to_have_text("France")
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_owner_gets_an_error_beside_each_bad_field_and_nothing_is_saved(page: Page, portal, shot, width,
                                                                        restore_details):
    before = org_details(portal)
    open_details(page, portal, width=width)
    page.locator("#details-name").fill("   ")
    page.locator("#details-phone").fill("call me maybe")
    page.locator("#details-website").fill("javascript:alert(1)")
    page.locator("#details-billing_email").fill("not-an-address")
    page.locator("#details-city").fill("Bath")  # a good change beside the bad ones
    page.locator("#details-save").click()
    expect(page.locator("#details-name-error")).to_have_text("Enter a name.")
    expect(page.locator("#details-phone-error")).to_contain_text("Use digits, spaces")
    expect(page.locator("#details-website-error")).to_contain_text("https://")
    expect(page.locator("#details-billing_email-error")).to_contain_text("Enter an email address")
    expect(page.locator("#details-phone")).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#details-phone")).to_have_attribute("aria-describedby", "details-phone-error")
    expect(page.locator("#details-city")).to_have_attribute("aria-invalid", "false")
    expect(page.locator("#details-city")).to_have_value("Bath")  # what was typed stays
    expect(page.locator("#details-invalid")).to_have_text("Check the highlighted fields.")
    expect(page.locator("#details-name")).to_be_focused()  # the first field to fix
    shot("errors")
    assert org_details(portal) == before  # nothing half-saved
    page.locator("#details-discard").click()
    expect(page.locator("#details-city")).to_have_value(before["city"])
    expect(page.locator("#details-name")).to_have_value("Acme")
    expect(page.locator("#details-name-error")).to_have_count(0)


def test_owner_saves_details_with_a_country_from_the_list(page: Page, portal, shot, restore_details):
    open_details(page, portal)
    page.locator("#details-address_line1").fill("  12 Rue de la Paix ")
    page.locator("#details-city").fill("Paris")
    page.locator("#details-postcode").fill("75002")
    page.locator("#details-country").select_option("FR")
    page.locator("#details-website").fill("acme.example/fr")
    page.locator("#details-tax_id").fill("FR 40 303 265 045")
    page.locator("#details-save").click()
    expect(page.get_by_text("Details saved.")).to_be_visible()
    expect(page.locator("#details-save")).to_be_enabled()
    expect(page.locator("#details-address_line1")).to_have_value("12 Rue de la Paix")  # stored trimmed
    expect(page.locator("#details-website")).to_have_value("https://acme.example/fr")
    shot("saved")
    saved = org_details(portal)
    assert (saved["city"], saved["country"], saved["tax_id"]) == ("Paris", "FR", "FR 40 303 265 045")
    assert saved["version"] == restore_details["version"] + 1
    assert audit_actions(portal, "organization.updated")[-1] == ("organization.updated", "kp_demo_olivia")
    page.reload()
    expect(page.locator("#details-country")).to_have_value("FR")
    expect(page.locator("#details-city")).to_have_value("Paris")


def test_renaming_the_organization_updates_the_header(page: Page, portal, restore_details):
    open_details(page, portal)
    page.locator("#details-name").fill("Acme Labs")
    page.locator("#details-save").click()
    expect(page.get_by_text("Details saved.")).to_be_visible()
    expect(page.locator("#org-name")).to_have_text("Acme Labs")


def test_on_a_phone_a_toast_over_the_save_button_does_not_swallow_the_next_tap(page: Page, portal, shot,
                                                                               restore_details):
    """Phones show toasts across the bottom, where Save sits once scrolled to: the "saved" toast
    covers the button, and a tap there must still save (the toast only informs)."""
    open_details(page, portal, width=390)
    page.locator("#details-city").fill("Bath")
    page.locator("#details-save").click()
    toast = page.locator("[data-sonner-toast]", has_text="Details saved.")
    expect(toast).to_be_visible()
    page.wait_for_function("""() => {  // the toast slides in; wait until it lies over Save's centre
        const save = document.querySelector('#details-save').getBoundingClientRect();
        const toast = document.querySelector('[data-sonner-toast]').getBoundingClientRect();
        const y = save.top + save.height / 2;
        return toast.top < y && y < toast.bottom;
    }""")
    shot("toast-over-save")

    page.locator("#details-postcode").fill("BA1 1AA")
    save = page.locator("#details-save").bounding_box()
    centre = [save["x"] + save["width"] / 2, save["y"] + save["height"] / 2]
    beneath = page.evaluate("""([x, y]) => ({toast: document.querySelectorAll('[data-sonner-toast]').length,
                                             save: !!document.elementFromPoint(x, y).closest('#details-save')})""",
                            centre)
    assert beneath == {"toast": 1, "save": True}, "a tap on Save must reach Save while the toast shows"
    page.mouse.click(*centre)  # a tap, toast or not
    expect(page.locator("[data-sonner-toast]", has_text="Details saved.")).to_have_count(2)
    assert org_details(portal)["postcode"] == "BA1 1AA"


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_two_admins_at_once_the_second_save_is_told_and_can_reload(browser: Browser, portal, request, width,
                                                                   restore_details):
    """Two tabs of the owner (two sessions, two links) open version N; both edit; the first save
    wins; the second gets "changed since you opened them" and keeps its typing until Reload."""
    from tests.ui.helpers import artifact_path

    first_context, second_context = browser.new_context(), browser.new_context()
    try:
        first, second = first_context.new_page(), second_context.new_page()
        open_details(first, portal, width=width)
        open_details(second, portal, width=width)
        first.locator("#details-city").fill("Bath")
        first.locator("#details-save").click()
        expect(first.get_by_text("Details saved.")).to_be_visible()

        second.locator("#details-phone").fill("+44 117 496 0999")
        second.locator("#details-save").click()
        conflict = second.locator("#details-conflict")
        expect(conflict).to_contain_text("changed since you opened them")
        expect(conflict).to_contain_text("Changed meanwhile: City.")
        expect(second.locator("#details-phone")).to_have_value("+44 117 496 0999")  # nothing lost silently
        second.screenshot(path=str(artifact_path(request, "conflict")), full_page=True)
        assert org_details(portal)["phone"] == restore_details["phone"]
        assert org_details(portal)["city"] == "Bath"

        second.locator("#details-reload").click()
        expect(conflict).to_have_count(0)
        expect(second.locator("#details-city")).to_have_value("Bath")
        expect(second.locator("#details-phone")).to_have_value(restore_details["phone"])
        second.locator("#details-phone").fill("+44 117 496 0999")
        second.locator("#details-save").click()
        expect(second.get_by_text("Details saved.")).to_be_visible()
        second.screenshot(path=str(artifact_path(request, "after-reload")), full_page=True)
        saved = org_details(portal)
        assert (saved["city"], saved["phone"]) == ("Bath", "+44 117 496 0999")
        assert saved["version"] == restore_details["version"] + 2
    finally:
        first_context.close()
        second_context.close()
