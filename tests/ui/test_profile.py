"""The profile section in a real browser: each persona's view, editing the name, field errors."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from portal_ui.demo.personas import DEMO_ORG_CODE, PERSONA_BY_ID
from tests.ui.helpers import enter
from tests.ui.portal_db import audit_actions, set_user_names, user_names

pytestmark = pytest.mark.browser

WIDTHS = {"phone": 390, "desktop": 1280}


def open_profile(page: Page, portal, user: str, width: int = 1280) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    org = PERSONA_BY_ID[user].org_code
    enter(page, portal.link(user, org, "profile"))
    expect(page.locator("#profile-form")).to_be_visible()


@pytest.fixture
def restore_names(portal):
    """Put every persona's names back after a test that changes them."""
    saved = {user: user_names(portal, user) for user in PERSONA_BY_ID}
    yield
    for user, (given, family) in saved.items():
        set_user_names(portal, user, given, family)


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
@pytest.mark.parametrize("user", sorted(PERSONA_BY_ID))
def test_each_persona_sees_their_own_profile(page: Page, portal, shot, user, width):
    persona = PERSONA_BY_ID[user]
    open_profile(page, portal, user, width)
    expect(page.locator("#profile-given_name")).to_have_value(persona.given_name)
    expect(page.locator("#profile-family_name")).to_have_value(persona.family_name)
    expect(page.locator("label[for=profile-given_name]")).to_contain_text("Given name")
    expect(page.locator("#profile-given_name")).to_be_editable()  # every user edits their own profile
    expect(page.locator("#profile-email")).to_have_text(persona.email)
    expect(page.locator("#profile-email-note")).to_contain_text("To change it")
    expect(page.locator("input[name=email], #profile-email input")).to_have_count(0)  # shown, never editable
    if persona.org_code is None:
        expect(page.locator("#profile-orgs-none")).to_have_text("You are not a member of any.")
    else:
        expect(page.locator("#profile-orgs .org-item")).to_contain_text(["Acme"])
    assert page.evaluate("document.documentElement.scrollWidth") <= width



def test_bea_edits_her_name_and_it_is_saved_trimmed(page: Page, portal, shot, restore_names):
    open_profile(page, portal, "kp_demo_bea")
    page.locator("#profile-given_name").fill("  Beatrice ")
    page.locator("#profile-family_name").fill("Chen-Lee")
    page.locator("#profile-save").click()
    expect(page.get_by_text("Profile saved.")).to_be_visible()
    expect(page.locator("#profile-given_name")).to_have_value("Beatrice")  # the stored, trimmed value
    expect(page.locator("#user-name")).to_have_text("Beatrice Chen-Lee")  # the header follows
    shot("saved")
    assert user_names(portal, "kp_demo_bea") == ("Beatrice", "Chen-Lee")
    assert audit_actions(portal, "user.updated")[-1] == ("user.updated", "kp_demo_bea")
    page.reload()
    expect(page.locator("#profile-given_name")).to_have_value("Beatrice")
    expect(page.locator("#profile-family_name")).to_have_value("Chen-Lee")


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_field_errors_are_shown_beside_each_field_and_nothing_is_saved(page: Page, portal, shot, width):
    open_profile(page, portal, "kp_demo_vic", width)
    given, family = page.locator("#profile-given_name"), page.locator("#profile-family_name")
    given.fill("   ")
    family.fill("Re\ted")  # a tab: a control character
    page.locator("#profile-save").click()
    expect(page.locator("#profile-given_name-error")).to_have_text("Enter your given name.")
    expect(page.locator("#profile-family_name-error")).to_contain_text("Remove control characters")
    expect(given).to_have_attribute("aria-invalid", "true")
    expect(given).to_have_attribute("aria-describedby", "profile-given_name-error")
    expect(family).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#profile-invalid")).to_have_text("Check the highlighted fields.")
    expect(given).to_be_focused()  # the first field to fix
    shot("errors")
    assert user_names(portal, "kp_demo_vic") == ("Vic", "Reed")
    # Discard: the loaded values come back and the errors go.
    page.locator("#profile-discard").click()
    expect(given).to_have_value("Vic")
    expect(family).to_have_value("Reed")
    expect(page.locator("#profile-given_name-error")).to_have_count(0)
    expect(given).to_have_attribute("aria-invalid", "false")


def test_names_are_limited_in_length(page: Page, portal):
    open_profile(page, portal, "kp_demo_vic")
    expect(page.locator("#profile-given_name")).to_have_attribute("maxlength", "255")
    expect(page.locator("#profile-family_name")).to_have_attribute("maxlength", "255")
    expect(page.locator("#profile-given_name")).to_have_attribute("required", "")
