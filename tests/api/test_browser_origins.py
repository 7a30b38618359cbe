"""Which browser pages may talk to the portal: its own origin (PORTAL_PUBLIC_URL), plus the
origins allowed to frame it (PORTAL_FRAME_ANCESTORS). Here: the settings, Reflex's configuration
built from them, and the Origin check on Reflex's upload route. The websocket and HTTP CORS
against a running portal are in tests/ui/test_origins.py.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from portal_ui.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
UPLOAD = "/_upload"
BODY = b"--b\r\nContent-Disposition: form-data; name=\"files\"; filename=\"a.png\"\r\n\r\nx\r\n--b--\r\n"
MULTIPART = {"content-type": "multipart/form-data; boundary=b"}


def test_browser_origins_are_the_public_url_and_the_frame_ancestors():
    settings = Settings.from_env({"PORTAL_PUBLIC_URL": "https://Portal.Example.com:443/base",
                                  "PORTAL_FRAME_ANCESTORS": "https://app.example, https://portal.example.com"})
    assert settings.browser_origins == ("https://portal.example.com", "https://app.example")
    assert Settings.from_env({}).browser_origins == ("http://localhost:3000",)


def test_reflex_is_configured_with_the_browser_origins():
    """rxconfig.py gives Reflex's socket.io server and CORS middleware these origins, not "*"."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PORTAL_", "REFLEX_"))}
    env.update(PORTAL_PUBLIC_URL="https://portal.example.com", PORTAL_FRAME_ANCESTORS="https://app.example")
    out = subprocess.run([sys.executable, "-c", "import json, rxconfig; "
                          "print(json.dumps(list(rxconfig.config.cors_allowed_origins)))"],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout.strip().splitlines()[-1]) == ["https://portal.example.com", "https://app.example"]


# ---- uploads: only from the portal's own pages ------------------------------------------------

@pytest.mark.parametrize("headers", [
    {"origin": "http://evil.example"},
    {"origin": "http://evil.example", "sec-fetch-site": "cross-site"},
    {"origin": "http://portal.test.evil.example", "sec-fetch-site": "same-site"},
    {"origin": "null"},  # a sandboxed frame or a data: page elsewhere
    {"origin": "null", "sec-fetch-site": "cross-site"},
    {"sec-fetch-site": "cross-site"},
])
def test_an_upload_from_another_sites_page_is_refused(client, headers):
    response = client.post(UPLOAD, content=BODY, headers={**MULTIPART, **headers})
    assert response.status_code == 403
    assert "origin" in response.json()["detail"].lower()


@pytest.mark.parametrize("headers", [
    {"origin": "http://portal.test", "sec-fetch-site": "same-origin"},
    {"origin": "http://portal.test"},
    # the portal's pages send Referrer-Policy: no-referrer, under which a browser's own-origin POST says null
    {"origin": "null", "sec-fetch-site": "same-origin"},
    {},  # no browser: a client of its own, which needs a tab's token like anyone else
])
def test_an_upload_from_the_portals_own_page_is_let_through(client, headers):
    response = client.post(UPLOAD, content=BODY, headers={**MULTIPART, **headers})
    assert response.status_code != 403  # the API app alone has no upload route: Reflex's would answer


def test_a_frame_ancestor_may_upload(env, client_for):
    client = client_for(env(PORTAL_FRAME_ANCESTORS="https://app.example"))
    assert client.post(UPLOAD, content=BODY, headers={**MULTIPART, "origin": "https://app.example"}).status_code != 403
    assert client.post(UPLOAD, content=BODY, headers={**MULTIPART, "origin": "https://b.example"}).status_code == 403


def test_other_routes_are_not_checked(client):
    response = client.post("/api/v1/portal/generate_url", json={}, headers={"origin": "http://evil.example"})
    assert response.status_code == 403 and response.json()["errors"]  # refused for its token, not its origin


@pytest.fixture
def client_for():
    from starlette.testclient import TestClient

    from portal_ui.api.app import build_api

    clients = []

    def make(_settings):
        clients.append(TestClient(build_api(), base_url="http://portal.test", raise_server_exceptions=False))
        return clients[-1]

    yield make
    for c in clients:
        c.close()
