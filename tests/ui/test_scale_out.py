"""Scale-out mode: PostgreSQL, Reflex's Redis state manager and three Granian workers on one port.

- A portal session keeps working when every worker is killed: Granian respawns them, the tab's
  websocket reconnects to a new worker, the state comes from Redis and the session from the
  database, with no re-entry.
- Fifty concurrent redemptions of one link across the workers yield exactly one session.
- Concurrent settings changes handled by different workers never lose one another.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier
from typing import Iterator

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import create_engine, text

from portal_ui.demo.personas import DEMO_ORG_CODE
from portal_ui.settings import Settings
from portal_ui.tokens.issue import mint_m2m_token
from tests.conftest import PG_ADMIN_URL, REDIS_HOST, REDIS_PORT, register_m2m_client, require_service
from tests.ui.conftest import CHROMIUM, Portal, run_portal
from tests.ui.helpers import enter, review_shot

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.redis]
WORKERS = 3


@pytest.fixture(scope="module")
def scaled_portal(tmp_path_factory) -> Iterator[Portal]:
    require_service("PostgreSQL", "127.0.0.1", 5432)
    require_service("Redis", REDIS_HOST, REDIS_PORT)
    if not os.path.exists(CHROMIUM):
        pytest.skip("Chromium is missing: install Debian's chromium package (`make chromium`)")
    name = f"portal_scale_{uuid.uuid4().hex[:10]}"
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        with run_portal(tmp_path_factory.mktemp("scaled"), REFLEX_DB_URL=url,
                        REFLEX_REDIS_URL=f"redis://{REDIS_HOST}:{REDIS_PORT}/0", GRANIAN_WORKERS=str(WORKERS)) as p:
            yield p
    finally:
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _workers(portal: Portal) -> list[int]:
    out = subprocess.run(["pgrep", "-P", str(portal.pid)], capture_output=True, text=True).stdout
    return [int(pid) for pid in out.split()]


def _wait_for_workers(portal: Portal, old: set[int]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        current = set(_workers(portal))
        if len(current) >= WORKERS and not current & old:
            try:
                with urllib.request.urlopen(f"{portal.url}/ping", timeout=2):
                    return
            except OSError:
                pass
        time.sleep(0.5)
    raise AssertionError("Granian did not respawn the killed workers")


def test_three_workers_serve_the_portal(scaled_portal):
    assert len(_workers(scaled_portal)) == WORKERS


def test_session_survives_killing_every_worker(page: Page, scaled_portal, request):
    enter(page, scaled_portal.link("kp_demo_olivia", DEMO_ORG_CODE, "profile"))
    expect(page.locator("#user-name")).to_have_text("Olivia Owens")
    old = set(_workers(scaled_portal))
    for pid in old:
        os.kill(pid, signal.SIGKILL)
    _wait_for_workers(scaled_portal, old)
    page.get_by_role("link", name="Workspace details").first.click()  # the next event, on a new worker
    expect(page.locator("#section-title")).to_have_text("Workspace details")
    expect(page.locator("#section input[name='name']")).to_have_value("Acme")
    expect(page.locator("#ended-heading")).to_have_count(0)
    review_shot(page, request)


def _status(url: str) -> int:
    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None
    try:
        return urllib.request.build_opener(NoRedirect).open(url, timeout=30).status
    except urllib.error.HTTPError as err:
        return err.code


def test_redemption_race_across_workers_yields_one_session(scaled_portal):
    link = scaled_portal.link("kp_demo_bea")
    barrier = Barrier(50)

    def redeem(_):
        barrier.wait()
        return _status(link)

    with ThreadPoolExecutor(50) as pool:
        statuses = sorted(pool.map(redeem, range(50)))
    assert statuses == [303] + [410] * 49


def test_concurrent_settings_changes_across_workers_lose_nothing(scaled_portal):
    settings = Settings.from_env(scaled_portal.env)
    register_m2m_client(settings.db_url, "scale-test", ["read:portal_settings", "update:portal_settings"])
    token = mint_m2m_token(settings, "scale-test", ["read:portal_settings", "update:portal_settings"])
    fields = [{"org_functions": {"details": False}}, {"org_functions": {"members": False}},
              {"user_functions": {"api_keys": False}}, {"branding": {"accent_color": "#0f766e"}},
              {"org_alias": "Team"}, {"link_ttl_seconds": 600}]
    barrier = Barrier(len(fields))

    def patch(body):
        req = urllib.request.Request(f"{scaled_portal.url}/api/v1/portal/settings", method="PATCH",
                                     data=json.dumps(body).encode(),
                                     headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
        barrier.wait()
        with urllib.request.urlopen(req, timeout=30) as resp:
            return resp.status

    with ThreadPoolExecutor(len(fields)) as pool:
        assert list(pool.map(patch, fields)) == [200] * len(fields)
    req = urllib.request.Request(f"{scaled_portal.url}/api/v1/portal/settings",
                                 headers={"Authorization": f"Bearer {token}"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        data = json.load(resp)["settings"]
    assert data["org_functions"]["details"] is False and data["org_functions"]["members"] is False
    assert data["user_functions"]["api_keys"] is False and data["branding"]["accent_color"] == "#0f766e"
    assert data["org_alias"] == "Team" and data["link_ttl_seconds"] == 600
