"""Reflex's state store holds no secret: neither the session cookie nor a new API key's secret.

Reflex writes every tab's state, with the websocket's request headers, to disk (here: the
portal's REFLEX_STATES_WORKDIR) or Redis, and keeps it for an hour. After a key is created in
the browser, with another app's cookie beside the portal's, no state file may contain the
session token, that other cookie or the secret; and the files are the server user's alone.
"""

from __future__ import annotations

import stat
import time
import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from portal_ui.demo.personas import DEMO_ORG_CODE
from portal_ui.domain.sessions import SESSION_COOKIE
from portal_ui.ui.state import PortalState
from reflex_base.utils.format import format_event_handler
from tests.ui.helpers import enter
from tests.ui.socket_tab import SocketTab
from tests.ui.test_api_keys import close_reveal, read_reveal, verify

pytestmark = pytest.mark.browser

OTHER_APP = ("other_app_session", "other-app-secret-" + uuid.uuid4().hex)
WRITE_DELAY = 2.0  # Reflex's disk state manager writes changed states after this debounce (seconds)


def state_files(portal) -> dict[Path, bytes]:
    folder = Path(portal.env["REFLEX_STATES_WORKDIR"])
    return {path: path.read_bytes() for path in folder.rglob("*") if path.is_file()}


def test_no_cookie_and_no_key_secret_in_the_state_files(page: Page, portal):
    page.context.add_cookies([{"name": OTHER_APP[0], "value": OTHER_APP[1], "url": portal.url}])
    enter(page, portal.link("kp_demo_olivia", DEMO_ORG_CODE, "organization_api_keys"))
    token = next(c["value"] for c in page.context.cookies() if c["name"] == SESSION_COOKIE)

    page.locator("#create-key").click()
    page.locator("#key-name").fill(f"State store {uuid.uuid4().hex[:6]}")
    page.locator("#create-submit").click()
    secret = read_reveal(page)
    assert verify(portal, secret)["is_valid"] is True
    time.sleep(WRITE_DELAY + 1.5)  # the reveal is open: the states written now are the ones to check

    files = state_files(portal)
    assert files, "the portal wrote no state files"
    for needle, what in ((token, "session token"), (secret, "API key secret"), (OTHER_APP[1], "other app's cookie")):
        holding = [path.name for path, data in files.items() if needle.encode() in data]
        assert not holding, f"{', '.join(holding)} hold(s) the {what}"
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, f"{path.name} is {oct(path.stat().st_mode)}"
    folder = Path(portal.env["REFLEX_STATES_WORKDIR"])
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700

    close_reveal(page, secret)  # the page still shows it once and forgets it (browser-side only)


def test_the_websocket_finds_the_session_behind_another_apps_malformed_cookie(page: Page, portal):
    enter(page, portal.link("kp_demo_olivia", DEMO_ORG_CODE, "profile"))
    token = next(c["value"] for c in page.context.cookies() if c["name"] == SESSION_COOKIE)
    open_section = format_event_handler(PortalState.event_handlers["open_section"])
    with SocketTab(portal.url, f'x=a b; y="unterminated; {SESSION_COOKIE}={token}') as tab:
        updates = str(tab.send(open_section, {"key": "profile"}, "/profile"))
    assert "Olivia Owens" in updates
    assert "Your session has ended" not in updates
