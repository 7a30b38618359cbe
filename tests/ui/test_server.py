"""The embedded server as clients meet it: Uvicorn with portal_ui.serve.EmbeddedWorker.

Its own portal with a tight redemption limit (module-scoped, started before the main portal:
see conftest's ordering), so hammering it leaves the other tests' limits alone.
"""

from __future__ import annotations

from typing import Iterator

import httpx
import pytest

from tests.ui.conftest import Portal, run_portal


@pytest.fixture(scope="module")
def tight_portal(tmp_path_factory) -> Iterator[Portal]:
    with run_portal(tmp_path_factory.mktemp("tight_portal"), PORTAL_RATE_LIMITS="redeem:ip=3/minute") as running:
        yield running


def test_forwarding_headers_do_not_buy_a_client_a_fresh_redemption_limit(tight_portal):
    """The limit keys on the connection's address: a client naming another one in proxy headers
    (the server does not trust them from anyone, as Granian did not) still runs out."""
    statuses = []
    for i in range(4):
        spoofed = f"203.0.113.{i + 1}"
        resp = httpx.get(f"{tight_portal.url}/portal_redirect", params={"key": "guess"}, follow_redirects=False,
                         headers={"X-Forwarded-For": spoofed, "X-Real-IP": spoofed, "Forwarded": f"for={spoofed}"})
        statuses.append(resp.status_code)
    assert statuses == [410, 410, 410, 429]


def test_answers_do_not_name_the_server_software(tight_portal):
    for path in ("/ping", "/profile", "/api/openapi.json"):
        resp = httpx.get(tight_portal.url + path, follow_redirects=True)
        assert resp.status_code == 200, path
        for answer in (*resp.history, resp):
            assert "server" not in answer.headers, (answer.url, answer.headers.get("server"))
