"""Preview: a product team sees the portal as a role would, and nothing can be changed."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from portal_ui.demo.personas import DEMO_ORG_CODE
from portal_ui.domain.sessions import SESSION_COOKIE
from tests.ui.helpers import enter, review_shot
from tests.ui.test_guards import LOAD, _db, _save, org_details, send_events

pytestmark = pytest.mark.browser


def _preview_link(portal, role: str, sub_nav: str) -> str:
    return portal.cli("preview", "--org", DEMO_ORG_CODE, "--role", role, "--sub-nav", sub_nav)


def _row_counts(portal) -> dict:
    with _db(portal) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")
                  if r[0] not in ("portal_sessions", "portal_links", "alembic_version")]
        return {t: conn.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}


def test_preview_shows_the_banner_and_disables_changes(page: Page, portal, request):
    enter(page, _preview_link(portal, "owner", "organization_details"))
    expect(page.locator("#preview-banner")).to_contain_text("Preview — changes are disabled")
    expect(page.locator("#preview-label")).to_have_text("Owner")
    expect(page.locator("#read-only-note")).to_contain_text("Preview — changes are disabled")
    expect(page.locator("#section input[name='name']")).to_be_disabled()
    review_shot(page, request)


def test_role_switcher_re_renders_navigation_for_another_role(page: Page, portal, request):
    enter(page, _preview_link(portal, "viewer", "organization_details"))
    nav = page.locator("nav").first
    expect(nav).to_contain_text("Members")
    page.select_option("#preview-role", "billing_manager")
    expect(page.locator("#preview-label")).to_have_text("Billing manager")
    expect(page.locator("nav").first).not_to_contain_text("Members")
    review_shot(page, request)


def test_writes_in_preview_change_nothing(page: Page, portal, request):
    enter(page, _preview_link(portal, "owner", "organization_details"))
    cookie = next(c["value"] for c in page.context.cookies() if c["name"] == SESSION_COOKIE)
    before_details, before_counts = org_details(portal), _row_counts(portal)
    _load, saved = send_events(portal, cookie, [(LOAD, {}), _save(before_details, name="Changed in preview")])
    assert "changes are disabled." in saved, "the save handler did not refuse (or did not answer)"
    assert org_details(portal) == before_details
    assert _row_counts(portal) == before_counts  # audit_events included
    assert "Details saved." not in saved
    review_shot(page, request)


def _api_preview_link(portal, role: str, sub_nav: str) -> str:
    """A preview link as a product team's backend gets it: POST /api/v1/portal/preview_url, no role_keys."""
    import json
    import urllib.request

    from portal_ui.settings import Settings
    from portal_ui.tokens.issue import mint_m2m_token
    from tests.conftest import register_m2m_client

    settings = Settings.from_env(portal.env)
    register_m2m_client(settings.db_url, "preview_backend", ["create:portal_links"])
    token = mint_m2m_token(settings, "preview_backend", ["create:portal_links"], ttl=300)
    body = {"organization_code": DEMO_ORG_CODE, "role_key": role, "sub_nav": sub_nav}
    request = urllib.request.Request(f"{portal.url}/api/v1/portal/preview_url", method="POST",
                                     data=json.dumps(body).encode(),
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["url"]


def test_switcher_of_a_narrow_preview_offers_no_wider_role(page: Page, portal, request):
    """A billing manager's preview cannot be switched to the owner's (member emails, invoices)."""
    enter(page, _api_preview_link(portal, "billing_manager", "organization_plan_details"))
    expect(page.locator("#preview-label")).to_have_text("Billing manager")
    options = page.locator("#preview-role option")
    expect(options).not_to_have_count(0)
    keys = options.evaluate_all("(els) => els.map((e) => e.value)")
    assert "billing_manager" in keys
    assert "owner" not in keys and "viewer" not in keys  # both read what a billing manager may not
    expect(page.locator("nav").first).not_to_contain_text("Members")
    review_shot(page, request)
