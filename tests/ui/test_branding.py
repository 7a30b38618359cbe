"""An organization's own branding (override_environment) reaches its sessions: name, logo,
colour and a dark appearance; other sessions keep the environment's."""

from __future__ import annotations

import base64
import re

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import Session

from portal_ui.db import engine_for
from portal_ui.demo.personas import DEMO_ORG_CODE
from portal_ui.domain.audit import Actor
from portal_ui.domain.portal_settings import update_organization_settings
from portal_ui.settings import Settings
from tests.ui.helpers import enter

pytestmark = pytest.mark.browser

LOGO_URL = "https://app.example/acme-logo.png"
ONE_PIXEL_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


def set_org_settings(portal, patch: dict) -> None:
    settings = Settings.from_env(portal.env)
    with Session(engine_for(settings.db_url)) as session:
        update_organization_settings(session, settings, DEMO_ORG_CODE, patch, Actor.system("browser-test"))
        session.commit()


@pytest.fixture
def acme_branding(portal):
    set_org_settings(portal, {"override_environment": True, "branding": {
        "product_name": "Acme Cloud", "accent_color": "#0f766e", "appearance": "dark", "logo_url": LOGO_URL}})
    yield
    set_org_settings(portal, {"override_environment": False})


def luminance(css_rgb: str) -> float:
    r, g, b = (int(v) for v in re.findall(r"\d+", css_rgb)[:3])
    return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255


def test_organization_branding_override(page: Page, portal, acme_branding):
    page.route(LOGO_URL, lambda route: route.fulfill(status=200, content_type="image/png", body=ONE_PIXEL_PNG))
    enter(page, portal.link("kp_demo_vic", DEMO_ORG_CODE, "organization_members"))
    expect(page.locator("#product-name")).to_have_text("Acme Cloud")
    expect(page).to_have_title("Members · Workspace · Acme Cloud")
    expect(page.locator("#brand-logo")).to_have_attribute("src", LOGO_URL)
    expect(page.locator("#brand-mark")).to_have_count(0)
    expect(page.locator("#exit-button")).to_have_css("background-color", "rgb(15, 118, 110)")
    theme = page.locator(".radix-themes.dark:has(#portal-root)").last
    expect(theme).to_have_count(1)
    assert luminance(theme.evaluate("el => getComputedStyle(el).backgroundColor")) < 0.2
    assert luminance(page.locator("#section-title").evaluate("el => getComputedStyle(el).color")) > 0.8


def test_user_portal_keeps_the_environment_branding(page: Page, portal, acme_branding):
    enter(page, portal.link("kp_demo_bea", None, "profile"))
    expect(page.locator("#product-name")).to_have_text("Nimbus")
    expect(page.locator("#exit-button")).to_have_css("background-color", "rgb(79, 70, 229)")
    expect(page.locator(".radix-themes.dark:has(#portal-root)")).to_have_count(0)
