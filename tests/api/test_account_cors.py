"""The Account API answers host apps' pages (any origin) without credentials; nothing else does."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.middleware.cors import CORSMiddleware
from starlette.testclient import TestClient

from portal_ui.api.account_cors import AccountApiCors

HOST_APP = "https://app.example"
PREFLIGHT = {"Origin": HOST_APP, "Access-Control-Request-Method": "GET",
             "Access-Control-Request-Headers": "authorization"}


def _client(settings) -> TestClient:
    """The API app as the server runs it: Reflex's CORS (own origin only, with credentials) inside."""
    from portal_ui.api.app import build_api

    api = build_api()
    api.add_middleware(CORSMiddleware, allow_credentials=True, allow_methods=["*"], allow_headers=["*"],
                       allow_origins=list(settings.browser_origins))
    return TestClient(AccountApiCors(api), base_url="http://portal.test", raise_server_exceptions=False)


def test_a_preflight_for_the_account_api_is_answered_for_any_origin(settings):
    response = _client(settings).options("/account_api/v1/portal_link", headers=PREFLIGHT)
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers


def test_an_account_api_answer_names_no_credentials(settings, user_headers):
    response = _client(settings).get("/account_api/v1/portal_link",
                                     headers={"Origin": HOST_APP, **user_headers("kp_unknown")})
    assert response.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in response.headers


def test_other_routes_keep_the_portals_own_origin_only(settings):
    client = _client(settings)
    response = client.options("/api/v1/portal/generate_url", headers=PREFLIGHT)
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers
    response = client.get("/.well-known/jwks.json", headers={"Origin": HOST_APP})
    assert "access-control-allow-origin" not in response.headers


def test_the_portals_own_pages_still_get_credentials_elsewhere(settings):
    response = _client(settings).get("/.well-known/jwks.json", headers={"Origin": "http://portal.test"})
    assert response.headers["access-control-allow-origin"] == "http://portal.test"
    assert response.headers["access-control-allow-credentials"] == "true"
