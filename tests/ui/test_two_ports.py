"""Two portals from one checkout, on two ports, at the same time (portal_ui/reflex_internals/same_origin.py).

Both build into the checkout's one .web/ folder. When the build carried the server's port, the
second build pointed the first portal's pages at the second server ("Cannot connect to server
... ws://localhost:<other port>/_event"). Now pages reach the backend on their own origin, and a
start whose build inputs are unchanged reuses the build (portal_ui/serve.py). The test makes the
second portal build anyway, while the first one serves (and keeps serving its pages: they are
answered from memory, portal_ui/api/build_files.py); a third one reuses that build.
"""

from __future__ import annotations

import json
import re
import threading
import urllib.error
import urllib.request
from collections import Counter
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

from portal_ui.demo.personas import PERSONA_BY_ID
from portal_ui.reflex_internals.same_origin import APPLIED_MARK
from tests.ui.conftest import ROOT, Portal, run_portal
from tests.ui.helpers import enter, review_shot
from tests.ui.portal_db import set_user_names

pytestmark = pytest.mark.browser

USER = "kp_demo_bea"
WEB = ROOT / ".web"


def _port(url: str) -> int:
    return urlsplit(url).port


class Tab:
    """A page in a browser context of its own (each portal's session cookie is for host
    127.0.0.1, whatever the port), with the websockets it opened."""

    def __init__(self, browser: Browser, name: str, request):
        self.context = browser.new_context()
        self.context.set_default_timeout(15_000)
        self.page: Page = self.context.new_page()
        self.websockets: list[str] = []
        self.page.on("websocket", lambda ws: self.websockets.append(ws.url))
        self.name, self.request = name, request

    def open_profile(self, portal: Portal) -> None:
        enter(self.page, portal.link(USER, None, "profile"))
        expect(self.page.locator("#profile-form")).to_be_visible()

    def expect_served_by(self, portal: Portal, given_name: str) -> None:
        """The tab shows the profile data its own portal holds, over websockets to that portal only."""
        expect(self.page.locator("#profile-given_name")).to_have_value(given_name)
        expect(self.page.get_by_text("Cannot connect to server")).to_have_count(0)
        assert self.websockets, "the page opened no websocket"
        assert {_port(url) for url in self.websockets} == {_port(portal.url)}, self.websockets
        assert all(url.startswith("ws://127.0.0.1:") and urlsplit(url).path.rstrip("/") == "/_event"
                   for url in self.websockets), self.websockets

    def shot(self) -> None:
        review_shot(self.page, self.request, self.name)

    def close(self) -> None:
        self.context.close()


class _Watch:
    """Asks a portal for `paths` over and over in a thread, from entering the block until `stop()`;
    `answers` counts the statuses (0: no answer)."""

    def __init__(self, url: str, paths: list[str]):
        self.url, self.paths = url, paths
        self.answers: Counter[int] = Counter()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for path in self.paths:
                try:
                    with urllib.request.urlopen(self.url + path, timeout=5) as answer:
                        answer.read()
                        self.answers[answer.status] += 1
                except urllib.error.HTTPError as err:
                    self.answers[err.code] += 1
                except OSError:
                    self.answers[0] += 1
            self._stop.wait(0.2)

    def __enter__(self) -> "_Watch":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def __exit__(self, *exc) -> None:
        self.stop()


def test_two_portals_from_one_checkout_on_two_ports_both_work(browser: Browser, portal: Portal,
                                                                tmp_path_factory, request):
    given = PERSONA_BY_ID[USER].given_name
    tabs: list[Tab] = []

    def tab(name: str) -> Tab:
        tabs.append(Tab(browser, name, request))
        return tabs[-1]

    try:
        before = tab("first-before")  # open on the first portal while the second one builds
        before.open_profile(portal)
        before.expect_served_by(portal, given)

        # The second portal builds anew while the first one serves: meanwhile the first one's pages,
        # stylesheet and card script keep loading (Reflex deletes .web/build/ before it builds).
        watch = _Watch(portal.url, ["/profile/", "/org/members/", "/portal.css", "/stripe_card.js"])
        with watch, run_portal(tmp_path_factory.mktemp("second_port"), rebuild=True) as second:
            watch.stop()
            assert watch.answers and set(watch.answers) == {200}, watch.answers
            assert _port(second.url) != _port(portal.url)
            log = second.log.read_text(errors="replace")
            assert "Frontend build is current" not in log and "Creating Production Build" in log, second.log
            # The second portal's data differs, so a page talking to the wrong server would show it.
            set_user_names(second, USER, "Second", "Port")

            on_second = tab("second")
            on_second.open_profile(second)
            on_second.expect_served_by(second, "Second")

            # A fresh page of the first portal, from the build it started with.
            on_first = tab("first-after")
            on_first.open_profile(portal)
            on_first.expect_served_by(portal, given)

            # The tab opened before the rebuild: reloaded, it still talks to its own portal.
            before.page.reload()
            expect(before.page.locator("#profile-form")).to_be_visible()
            before.expect_served_by(portal, given)

            # A third start from the same inputs reuses the build: open tabs keep their pages, and
            # the first portal's tab moves to another section (its script files still there).
            with run_portal(tmp_path_factory.mktemp("third_port")) as third:
                assert "Frontend build is current" in third.log.read_text(errors="replace"), third.log
                on_first.page.locator("#nav-desktop [data-group=account] a", has_text="API keys").click()
                expect(on_first.page.locator("#section-title")).to_have_text("API keys")
                expect(on_first.page.locator("#content-loading")).to_have_count(0)
                expect(on_first.page.locator("#api-key-list, #api-keys-none")).to_have_count(1)
                assert {_port(url) for url in on_first.websockets} == {_port(portal.url)}, on_first.websockets

                on_third = tab("third")
                on_third.open_profile(third)
                on_third.expect_served_by(third, given)
                on_second.page.reload()
                on_second.expect_served_by(second, "Second")

                for each in tabs:
                    each.shot()
    finally:
        for each in tabs:
            each.close()


def test_the_build_names_no_host_or_port(portal: Portal):
    """What the portal fixture built: endpoints as paths, and no `localhost:<port>` anywhere served."""
    env = json.loads((WEB / "env.json").read_text())
    assert env["EVENT"] == "/_event" and env["UPLOAD"] == "/_upload" and env["PING"] == "/ping", env
    assert APPLIED_MARK in (WEB / "utils" / "state.js").read_text()

    client = WEB / "build" / "client"
    served = [path for path in client.rglob("*") if path.is_file() and path.suffix in (".js", ".html", ".json", ".xml")]
    assert any(path.suffix == ".js" for path in served), f"no build under {client}"
    port = str(_port(portal.url))
    pattern = re.compile(rf"(localhost|127\.0\.0\.1|0\.0\.0\.0):(\d+)")
    found = {str(path.relative_to(client)): match.group(0)
             for path in served for match in [pattern.search(path.read_text(errors="replace"))] if match}
    assert not found, found
    assert not any(f":{port}/" in path.read_text(errors="replace") for path in served), port
    assert not (client / "sitemap.xml").exists()
