"""Keyboard use: the first Tab reaches "Skip to content", which moves the focus to the section."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from portal_ui.demo.personas import DEMO_ORG_CODE
from tests.ui.helpers import enter, review_shot

pytestmark = pytest.mark.browser


def test_skip_link_is_first_and_moves_focus_to_the_section(page: Page, portal, request):
    enter(page, portal.link("kp_demo_olivia", DEMO_ORG_CODE, "organization_details"))
    page.keyboard.press("Tab")
    expect(page.locator("#skip-link")).to_be_focused()
    review_shot(page, request, "skip-link", full_page=False)
    page.keyboard.press("Enter")
    expect(page.locator("#section")).to_be_focused()
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.closest('#section') !== null")
    assert focused, "the next Tab stop should be inside the section"


def test_exit_is_reachable_by_keyboard(page: Page, portal):
    enter(page, portal.link("kp_demo_bea", None, "profile"))
    for _ in range(40):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "exit-button":
            break
    expect(page.locator("#exit-button")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#host-app")).to_be_visible()
