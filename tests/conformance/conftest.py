"""A real portal_ui HTTP server for conformance tests with Kinde's own SDK clients.

Fixtures:
- `portal_server`: uvicorn serving `portal_ui.api.app.build_api()` in a background thread on a
  free 127.0.0.1 port, with this test's `env` settings (its own database and signing key).
  It has `.url` (e.g. "http://127.0.0.1:54321"), `.port` and `.settings`.
- `m2m_token(*scopes)`: an M2M token from the embedded issuer.
- `management_client(*scopes)`: a `kinde_sdk.management.api_client.ApiClient` pointed at the
  server with such a token. (Kinde's `ManagementClient` wrapper hard-codes https, so tests use the
  generated ApiClient, which is what the wrapper delegates to.)
- `user_token(user_id, org_code=None)`: a user access token, for the Account API (frontend SDK).
"""

from __future__ import annotations

import socket
import threading
import time
from contextlib import ExitStack
from dataclasses import dataclass

import pytest
import uvicorn

from portal_ui.settings import Settings
from portal_ui.tokens.issue import mint_m2m_token, mint_user_token
from tests.conftest import register_m2m_client

STARTUP_TIMEOUT_SECONDS = 10


@dataclass(frozen=True)
class PortalServer:
    url: str
    port: int
    settings: Settings


@pytest.fixture
def portal_server(settings):
    from portal_ui.api.app import build_api

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(build_api(), host="127.0.0.1", port=port, log_level="warning", lifespan="off",
                            access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="portal-conformance", daemon=True)
    thread.start()
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the conformance server did not start")
        time.sleep(0.02)
    try:
        yield PortalServer(url=f"http://127.0.0.1:{port}", port=port, settings=settings)
    finally:
        server.should_exit = True
        thread.join(timeout=STARTUP_TIMEOUT_SECONDS)
        sock.close()


@pytest.fixture
def m2m_token(settings):
    def make(*scopes: str, client_id: str = "conformance") -> str:
        register_m2m_client(settings.db_url, client_id, scopes)
        return mint_m2m_token(settings, client_id, list(scopes))

    return make


@pytest.fixture
def user_token(settings):
    def make(user_id: str, org_code: str | None = None) -> str:
        return mint_user_token(settings, user_id, org_code)

    return make


@pytest.fixture
def management_client(portal_server, m2m_token):
    from kinde_sdk.management.api_client import ApiClient
    from kinde_sdk.management.configuration import Configuration

    with ExitStack() as stack:
        def make(*scopes: str) -> ApiClient:
            config = Configuration(host=portal_server.url, access_token=m2m_token(*scopes))
            return stack.enter_context(ApiClient(config))

        yield make
