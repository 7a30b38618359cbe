"""Only the portal's own pages may use its websocket, read its answers across origins, or upload.

Against the running portal, whose PORTAL_PUBLIC_URL is its own http://127.0.0.1:<port>:
socket.io connections (the hand-written client of socket_tab.py, and Chromium on a page of
another site) with a foreign Origin are refused; HTTP CORS never names a foreign origin; and
`/_upload` from another site's page is a 403.
"""

from __future__ import annotations

import http.server
import threading
import urllib.error
import urllib.request

import pytest
from playwright.sync_api import Page

from tests.ui.socket_tab import SocketTab

pytestmark = pytest.mark.browser

EVIL = "http://evil.example"
OPEN_SOCKET = """(url) => new Promise((resolve) => {
    const ws = new WebSocket(url);
    ws.onmessage = (event) => { resolve("message " + String(event.data).slice(0, 1)); ws.close(); };
    ws.onerror = () => resolve("error");
    ws.onclose = () => resolve("closed");
    setTimeout(() => resolve("timeout"), 10000);
})"""


def socket_url(portal) -> str:
    return portal.url.replace("http://", "ws://", 1) + "/_event/?EIO=4&transport=websocket"


def request(portal, path: str, method: str = "GET", headers: dict | None = None, data: bytes | None = None):
    req = urllib.request.Request(portal.url + path, method=method, headers=headers or {}, data=data)
    try:
        with urllib.request.urlopen(req, timeout=10) as response:
            return response.status, response.headers
    except urllib.error.HTTPError as error:
        return error.code, error.headers


@pytest.mark.parametrize("origin", [EVIL, "http://127.0.0.1:1", "null"])
def test_a_socket_from_another_origin_is_refused(portal, origin):
    with pytest.raises(ConnectionError):
        SocketTab(portal.url, origin=origin)


def test_a_socket_from_the_portals_own_origin_connects(portal):
    with SocketTab(portal.url, origin=portal.url) as tab:
        assert tab.token
    with SocketTab(portal.url) as tab:  # no Origin at all: not a browser
        assert tab.token


@pytest.fixture(scope="module")
def other_site():
    """Another origin on this machine (another port, as another app on the portal's host would be),
    serving one blank page. A page of a public site would prove nothing here: Chromium's Local
    Network Access rules stop it from reaching 127.0.0.1 at all, whatever the portal allows."""
    class Blank(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's naming
            body = b"<!doctype html><title>Another site</title><p>hello"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Blank)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_page_of_another_site_cannot_open_the_portals_websocket(page: Page, portal, other_site):
    page.goto(f"{other_site}/elsewhere")
    assert page.evaluate(OPEN_SOCKET, socket_url(portal)) in ("error", "closed")


def test_a_page_of_the_portal_opens_its_websocket(page: Page, portal):
    """The control for the test above: the same script on the portal's own origin connects."""
    page.goto(f"{portal.url}/session-ended")
    assert page.evaluate(OPEN_SOCKET, socket_url(portal)) == "message 0"  # engine.io's OPEN packet


@pytest.mark.parametrize("path", ["/ping", "/api/v1/portal/generate_url", "/_upload", "/account_apix"])
def test_cors_never_names_another_origin(portal, path):
    preflight = {"Origin": EVIL, "Access-Control-Request-Method": "POST",
                 "Access-Control-Request-Headers": "authorization, content-type"}
    status, headers = request(portal, path, "OPTIONS", preflight)
    assert status == 400 and headers.get("access-control-allow-origin") is None
    _status, headers = request(portal, path, "GET", {"Origin": EVIL, "Cookie": "portal_session=x"})
    assert headers.get("access-control-allow-origin") is None


def test_cors_names_the_portals_own_origin(portal):
    _status, headers = request(portal, "/ping", "GET", {"Origin": portal.url})
    assert headers.get("access-control-allow-origin") == portal.url


def test_an_upload_from_another_site_is_refused(portal):
    body = b"--b\r\nContent-Disposition: form-data; name=\"files\"; filename=\"logo.png\"\r\n\r\nx\r\n--b--\r\n"
    headers = {"Content-Type": "multipart/form-data; boundary=b", "Origin": EVIL, "Sec-Fetch-Site": "cross-site"}
    status, _headers = request(portal, "/_upload", "POST", headers, body)
    assert status == 403
    status, _headers = request(portal, "/_upload", "POST", {**headers, "Origin": portal.url,
                                                            "Sec-Fetch-Site": "same-origin"}, body)
    assert status != 403


def test_a_host_apps_page_may_ask_for_a_link_with_a_token_but_never_with_cookies(portal):
    """Kinde's browser SDKs call the Account API from the host app's page with a bearer token."""
    from portal_ui.settings import Settings
    from portal_ui.tokens.issue import mint_user_token

    path = "/account_api/v1/portal_link"
    preflight = {"Origin": "https://app.example", "Access-Control-Request-Method": "GET",
                 "Access-Control-Request-Headers": "authorization"}
    status, headers = request(portal, path, "OPTIONS", preflight)
    assert status == 204 and headers.get("access-control-allow-origin") == "*"
    assert "authorization" in headers.get("access-control-allow-headers", "")
    assert headers.get("access-control-allow-credentials") is None  # the session cookie never rides along
    token = mint_user_token(Settings.from_env(portal.env), "kp_demo_bea", None)
    status, headers = request(portal, path, "GET", {"Origin": "https://app.example",
                                                   "Authorization": f"Bearer {token}"})
    assert status == 200 and headers.get("access-control-allow-origin") == "*"
    assert headers.get("access-control-allow-credentials") is None
