"""Idle expiry, in the browser: a session left alone past the idle limit shows nothing more.

The main test portal keeps the default idle limit; instead of waiting it out, a test moves the
session's last activity back in the portal's database, past any idle limit, which is what time
passing does to it (portal_ui/domain/sessions.py reads it on every event and page load).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import update

from portal_ui.demo.personas import DEMO_ORG_CODE
from portal_ui.domain.clock import utcnow
from portal_ui.domain.secrets import sha256_hex
from portal_ui.domain.sessions import SESSION_COOKIE
from portal_ui.models import PortalSession
from tests.ui.helpers import enter, expect_ended
from tests.ui.portal_db import domain_session

pytestmark = pytest.mark.browser

# Longer than any idle limit the settings accept, shorter than the absolute limit, which then
# still lies ahead: the session ends for being idle and for nothing else.
IDLE_FOR = timedelta(hours=2)


def _leave_idle(page: Page, portal) -> None:
    """The page's session was last active IDLE_FOR ago."""
    token = next(c["value"] for c in page.context.cookies() if c["name"] == SESSION_COOKIE)
    with domain_session(portal) as (session, _settings):
        row = session.execute(update(PortalSession).where(PortalSession.token_hash == sha256_hex(token))
                           .values(last_seen_on=utcnow() - IDLE_FOR))
        assert row.rowcount == 1


def test_idle_session_ends_at_the_next_click(page: Page, portal, shot):
    enter(page, portal.link("kp_demo_olivia", DEMO_ORG_CODE, "organization_members"))
    expect(page.locator("#member-table")).to_be_visible()
    _leave_idle(page, portal)
    page.locator("#nav-desktop a[data-section=profile]").click()
    expect_ended(page)
    shot("after-idle-click")
    page.reload()
    expect_ended(page)


def test_idle_session_shows_nothing_on_reload(page: Page, portal):
    enter(page, portal.link("kp_demo_vic", DEMO_ORG_CODE, "organization_details"))
    expect(page.locator("#details-form")).to_be_visible()
    _leave_idle(page, portal)
    page.reload()
    expect_ended(page)
    expect(page.locator("#details-form")).to_have_count(0)
    assert "Acme" not in page.inner_text("body")


def test_a_session_in_use_does_not_end(page: Page, portal):
    """The control: the same steps without the idle time keep the session."""
    enter(page, portal.link("kp_demo_vic", DEMO_ORG_CODE, "organization_details"))
    expect(page.locator("#details-form")).to_be_visible()
    page.reload()
    expect(page.locator("#details-form")).to_be_visible()
    expect(page.locator("#ended-heading")).to_have_count(0)
