"""Sections switched off in the portal settings are hidden like sections without permission."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from portal_ui.db import engine_for
from portal_ui.demo.personas import DEMO_ORG_CODE
from portal_ui.domain.audit import Actor
from portal_ui.domain.portal_settings import update_environment_settings
from portal_ui.settings import Settings
from tests.ui.helpers import enter, path_of

pytestmark = pytest.mark.browser

ALL_ON = {"user_functions": {"profile": True, "billing": True, "api_keys": True},
          "org_functions": {"details": True, "billing": True, "members": True, "api_keys": True, "audit_log": True}}


def set_environment(portal, patch: dict) -> None:
    settings = Settings.from_env(portal.env)
    with Session(engine_for(settings.db_url)) as session:
        update_environment_settings(session, settings, patch, Actor.system("browser-test"))
        session.commit()


@pytest.fixture
def restore_functions(portal):
    yield
    set_environment(portal, ALL_ON)


def test_disabled_section_lands_on_first_visible_with_notice(page: Page, portal, restore_functions):
    set_environment(portal, {"user_functions": {"billing": False}, "org_functions": {"members": False}})
    enter(page, portal.link("kp_demo_olivia", DEMO_ORG_CODE, "plan_details"))
    assert path_of(page) == "/profile"
    expect(page.locator("#unavailable-notice")).to_contain_text("Plan is not available")
    titles = page.locator("#nav-desktop a").all_inner_texts()
    assert titles == ["Profile", "API keys", "Workspace details", "Domains", "Plan", "Change plan", "Payment methods",
                      "API keys", "Audit log"]
    page.goto(f"{portal.url}/org/members")
    expect(page.locator("#unavailable-notice")).to_contain_text("Members (Workspace) is not available")
    expect(page.locator("#member-table")).to_have_count(0)


def test_nothing_visible(page: Page, portal, restore_functions):
    set_environment(portal, {"user_functions": {"profile": False, "billing": False, "api_keys": False}})
    page.goto(portal.link("kp_demo_bea", None, "profile"))
    expect(page.locator("#nothing-visible")).to_be_visible()
    expect(page.locator("#exit-button")).to_be_visible()
    expect(page.locator("#nav-desktop a")).to_have_count(0)
