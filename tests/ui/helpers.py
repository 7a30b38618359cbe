"""Small helpers shared by the browser tests."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

RETURN_URL = "https://app.example/account"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts" / "ui"


def artifact_path(request, name: str = "") -> Path:
    """tests/artifacts/ui/<test name>[-<name>].png (the folder is git-ignored)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    stem = request.node.name.replace("[", "-").replace("]", "").replace("/", "_")
    return ARTIFACTS / f"{stem}{'-' + name if name else ''}.png"


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
