"""Idle expiry on a portal whose sessions end after 3 seconds without activity.

Its own server (PORTAL_SESSION_IDLE_SECONDS=3; the demo's settings row leaves the idle limit to
the environment), which conftest runs before the main one.
"""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page, expect

from portal_ui.demo.personas import DEMO_ORG_CODE
from tests.ui.helpers import enter, expect_ended

pytestmark = pytest.mark.browser


def test_idle_session_ends(page: Page, idle_portal, shot):
    enter(page, idle_portal.link("kp_demo_olivia", DEMO_ORG_CODE, "organization_members"))
    expect(page.locator("#member-table")).to_be_visible()
    time.sleep(4)  # the idle limit of this portal is 3 seconds
    page.locator("#nav-desktop a[data-section=profile]").click()
    expect_ended(page)
    shot("after-idle-click")
    page.reload()
    expect_ended(page)


def test_idle_session_shows_nothing_on_reload(page: Page, idle_portal):
    enter(page, idle_portal.link("kp_demo_vic", DEMO_ORG_CODE, "organization_details"))
    time.sleep(4)
    page.reload()
    expect_ended(page)
    expect(page.locator("#details-form")).to_have_count(0)
    assert "Acme" not in page.inner_text("body")
