"""Small helpers shared by the browser tests."""

from __future__ import annotations

import os
import re
from pathlib import Path

import httpx
from playwright.sync_api import Page, expect

from portal_ui.domain.sessions import SESSION_COOKIE

RETURN_URL = "https://app.example/account"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "ui"
# Screenshots cost a full-page render each, so a run takes them only where they are looked at: a
# failed test's page, always (tests/ui/conftest.py); the views tests name for review, only when
# PORTAL_TEST_SCREENSHOTS=1 (`PORTAL_TEST_SCREENSHOTS=1 make test`, then look in tests/artifacts/ui/).
ALL_SCREENSHOTS = os.environ.get("PORTAL_TEST_SCREENSHOTS") == "1"


def artifact_path(request, name: str = "") -> Path:
    """tests/artifacts/ui/<test name>[-<name>].png (the folder is git-ignored)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    stem = request.node.name.replace("[", "-").replace("]", "").replace("/", "_")
    return ARTIFACTS / f"{stem}{'-' + name if name else ''}.png"


def review_shot(page: Page, request, name: str = "", *, full_page: bool = True) -> Path:
    """Saves a screenshot of `page` for review under tests/artifacts/ui/ when PORTAL_TEST_SCREENSHOTS=1;
    otherwise does nothing. Returns the path either way."""
    path = artifact_path(request, name)
    if ALL_SCREENSHOTS:
        page.screenshot(path=str(path), full_page=full_page)
    return path


def path_of(page: Page) -> str:
    """The page's path without the query and the trailing slash Reflex adds."""
    match = re.match(r"^https?://[^/]+(/[^?#]*)", page.url)
    return match.group(1).rstrip("/") or "/"


def enter(page: Page, link: str) -> None:
    """Open a one-time link and wait until the section it lands on has loaded."""
    page.goto(link)
    expect(page.locator("#section-title")).to_be_visible()
    expect(page.locator("#content-loading")).to_have_count(0)


def expect_ended(page: Page) -> None:
    """The page shows the "session ended" view and nothing of the portal."""
    expect(page.locator("#ended-heading")).to_have_text("Your session has ended")
    expect(page.locator("#return-link")).to_have_attribute("href", RETURN_URL)
    expect(page.locator("#section-title")).to_have_count(0)
    expect(page.locator("#user-name")).to_have_count(0)


def cookie_over_http(link: str) -> str:
    """Redeem a one-time link over plain HTTP, as a browser's first request does, and return the
    session cookie from the portal's 303 answer (HttpOnly, as the browser would keep it).

    For tests that then act as a tab over the websocket (tests/ui/socket_tab.py): they need the
    session, not a rendered page."""
    response = httpx.get(link, follow_redirects=False, timeout=20)
    assert response.status_code == 303, f"redeeming the link answered {response.status_code}: {response.text[:300]}"
    set_cookie = [value for value in response.headers.get_list("set-cookie") if value.startswith(f"{SESSION_COOKIE}=")]
    assert len(set_cookie) == 1, response.headers.get_list("set-cookie")
    assert "httponly" in set_cookie[0].lower(), set_cookie[0]
    return response.cookies[SESSION_COOKIE]
