"""The embedded issuer: POST /oauth2/token (client credentials) and GET /.well-known/jwks.json."""

import base64
from urllib.parse import quote

import jwt
import pytest
from sqlmodel import Session
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

import portal_ui.api.app  # noqa: F401  (load every route module first)
from portal_ui.api import oauth
from portal_ui.api.auth import require_m2m
from portal_ui.api.errors import EXCEPTION_HANDLERS
from portal_ui.domain.audit import Actor
from portal_ui.domain.m2m import create_m2m_app, revoke_m2m_app
from portal_ui.tokens.verify import get_verifier

SCOPES = ["create:portal_links", "read:users"]


@pytest.fixture
def app_credentials(engine):
    """(client_id, secret) of an M2M app with SCOPES."""
    with Session(engine, expire_on_commit=False) as s:
        creds = create_m2m_app(s, name="backend", scopes=SCOPES, actor=Actor.system("test"))
        s.commit()
    return creds


def form(client_id, secret, **extra):
    return {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret, **extra}


def basic(client_id, secret):
    raw = f"{quote(client_id, safe='')}:{quote(secret, safe='')}".encode()
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


def assert_oauth_error(resp, status, error):
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert body["error"] == error and isinstance(body["error_description"], str) and body["error_description"]
    assert resp.headers["cache-control"] == "no-store"


def assert_token(resp, settings, client_id, scopes):
    assert resp.status_code == 200, resp.text
    assert resp.headers["cache-control"] == "no-store"
    body = resp.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == oauth.TOKEN_TTL_SECONDS
    assert body["scope"].split() == scopes
    claims = get_verifier(settings).verify(body["access_token"])
    assert claims["sub"] == claims["azp"] == client_id and claims["scope"].split() == scopes
    assert claims["gty"] == ["client_credentials"]
    return body["access_token"]


def test_form_body(client, settings, app_credentials):
    client_id, secret = app_credentials
    assert_token(client.post("/oauth2/token", data=form(client_id, secret)), settings, client_id, SCOPES)


def test_json_body(client, settings, app_credentials):
    client_id, secret = app_credentials
    assert_token(client.post("/oauth2/token", json=form(client_id, secret)), settings, client_id, SCOPES)


def test_basic_auth(client, settings, app_credentials):
    client_id, secret = app_credentials
    resp = client.post("/oauth2/token", data={"grant_type": "client_credentials"}, headers=basic(client_id, secret))
    assert_token(resp, settings, client_id, SCOPES)
    # client_id may be repeated in the body when it matches
    resp = client.post("/oauth2/token", data={"grant_type": "client_credentials", "client_id": client_id},
                       headers=basic(client_id, secret))
    assert resp.status_code == 200


def test_audience_and_scope(client, settings, app_credentials):
    client_id, secret = app_credentials
    resp = client.post("/oauth2/token", data=form(client_id, secret, audience=settings.audience, scope="read:users"))
    assert_token(resp, settings, client_id, ["read:users"])
    assert_oauth_error(client.post("/oauth2/token", data=form(client_id, secret, audience="https://evil.example/api")),
                       400, "invalid_request")


@pytest.mark.parametrize("make", [
    lambda cid, s: {"data": form(cid, s + "x")},
    lambda cid, s: {"data": form("m2m_unknown", s)},
    lambda cid, s: {"data": form(cid, "")},
    lambda cid, s: {"data": {"grant_type": "client_credentials"}},
    lambda cid, s: {"data": {"grant_type": "client_credentials", "client_id": cid}},
    lambda cid, s: {"json": form(cid, s.upper() if s.upper() != s else s.lower())},
    lambda cid, s: {"data": {"grant_type": "client_credentials"}, "headers": basic(cid, "wrong")},
    lambda cid, s: {"data": {"grant_type": "client_credentials"}, "headers": {"Authorization": "Basic !!!"}},
    lambda cid, s: {"data": {"grant_type": "client_credentials"},
                    "headers": {"Authorization": "Basic " + base64.b64encode(b"no-colon").decode()}},
    lambda cid, s: {"data": {"grant_type": "client_credentials"}, "headers": {"Authorization": "Bearer abc"}},
])
def test_bad_client_credentials_are_invalid_client(client, app_credentials, make):
    client_id, secret = app_credentials
    resp = client.post("/oauth2/token", **make(client_id, secret))
    assert_oauth_error(resp, 401, "invalid_client")
    assert "access_token" not in resp.text


def test_basic_failures_carry_a_challenge(client, app_credentials):
    client_id, _secret = app_credentials
    resp = client.post("/oauth2/token", data={"grant_type": "client_credentials"}, headers=basic(client_id, "nope"))
    assert resp.status_code == 401 and resp.headers["www-authenticate"].startswith("Basic")


def test_revoked_app_gets_no_token(client, engine, app_credentials):
    client_id, secret = app_credentials
    with Session(engine) as s:
        revoke_m2m_app(s, client_id, actor=Actor.system("test"))
        s.commit()
    assert_oauth_error(client.post("/oauth2/token", data=form(client_id, secret)), 401, "invalid_client")


def test_unsupported_grant(client, app_credentials):
    client_id, secret = app_credentials
    for grant in ("password", "authorization_code", "refresh_token"):
        resp = client.post("/oauth2/token", data=form(client_id, secret, grant_type=grant))
        assert_oauth_error(resp, 400, "unsupported_grant_type")
    assert_oauth_error(client.post("/oauth2/token", data={"client_id": client_id, "client_secret": secret}),
                       400, "invalid_request")


@pytest.mark.parametrize("scope", ["read:users delete:users", "update:portal_settings", "read:users:extra"])
def test_invalid_scope(client, app_credentials, scope):
    client_id, secret = app_credentials
    assert_oauth_error(client.post("/oauth2/token", data=form(client_id, secret, scope=scope)), 400, "invalid_scope")


def test_invalid_scope_is_not_revealed_before_authentication(client, app_credentials):
    client_id, _secret = app_credentials
    resp = client.post("/oauth2/token", data=form(client_id, "wrong", scope="delete:users"))
    assert_oauth_error(resp, 401, "invalid_client")


def test_two_client_authentication_methods_are_refused(client, app_credentials):
    client_id, secret = app_credentials
    resp = client.post("/oauth2/token", data=form(client_id, secret), headers=basic(client_id, secret))
    assert_oauth_error(resp, 400, "invalid_request")
    resp = client.post("/oauth2/token", data={"grant_type": "client_credentials", "client_id": "m2m_other"},
                       headers=basic(client_id, secret))
    assert_oauth_error(resp, 400, "invalid_request")


def _chunks(total: int):
    for _ in range(total // 1024):
        yield b"a" * 1024


@pytest.mark.parametrize("kwargs", [
    {"data": {"grant_type": "client_credentials", "client_secret": "x" * 20_000}},
    {"json": {"grant_type": "client_credentials", "pad": "x" * 20_000}},
    {"content": b"{not json", "headers": {"Content-Type": "application/json"}},
    {"content": b"[1, 2]", "headers": {"Content-Type": "application/json"}},
    {"content": b'{"grant_type": ["client_credentials"]}', "headers": {"Content-Type": "application/json"}},
    {"content": b'{"grant_type": "client_credentials", "client_id": 5}', "headers": {"Content-Type": "application/json"}},
    {"content": b"grant_type=client_credentials", "headers": {"Content-Type": "text/plain"}},
    {"content": b"grant_type=client_credentials"},
    {"content": b"\xff\xfe=\xff", "headers": {"Content-Type": "application/x-www-form-urlencoded"}},
    {"content": b"grant_type=client_credentials&grant_type=password",
     "headers": {"Content-Type": "application/x-www-form-urlencoded"}},
    {"content": "&".join(f"f{i}=1" for i in range(50)).encode(),
     "headers": {"Content-Type": "application/x-www-form-urlencoded"}},
    {"data": {"grant_type": "client_credentials", "scope": "read:users " * 200}},
])
def test_oversized_or_malformed_bodies_are_400(client, kwargs):
    assert_oauth_error(client.post("/oauth2/token", **kwargs), 400, "invalid_request")


def test_oversized_chunked_body_is_400(client):
    resp = client.post("/oauth2/token", content=_chunks(64 * 1024),
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert "content-length" not in resp.request.headers
    assert_oauth_error(resp, 400, "invalid_request")


def test_get_is_not_allowed(client):
    assert client.get("/oauth2/token").status_code == 405


def _probe_app() -> Starlette:
    async def probe(request: Request) -> JSONResponse:
        caller = await require_m2m(request, "create:portal_links")
        return JSONResponse({"client_id": caller.client_id, "scopes": sorted(caller.scopes)})

    return Starlette(routes=[*oauth.routes, Route("/probe", probe)], exception_handlers=EXCEPTION_HANDLERS)


def test_issued_token_passes_require_m2m(settings, app_credentials):
    client_id, secret = app_credentials
    with TestClient(_probe_app(), base_url="http://portal.test", raise_server_exceptions=False) as c:
        token = c.post("/oauth2/token", data=form(client_id, secret)).json()["access_token"]
        resp = c.get("/probe", headers={"Authorization": f"Bearer {token}"})
        assert resp.status_code == 200 and resp.json() == {"client_id": client_id, "scopes": SCOPES}
        narrow = c.post("/oauth2/token", data=form(client_id, secret, scope="read:users")).json()["access_token"]
        resp = c.get("/probe", headers={"Authorization": f"Bearer {narrow}"})
        assert resp.status_code == 403 and resp.json()["errors"][0]["code"] == "FORBIDDEN"


def test_jwks_serves_a_key_that_verifies_the_token(client, settings, app_credentials):
    client_id, secret = app_credentials
    token = client.post("/oauth2/token", data=form(client_id, secret)).json()["access_token"]
    resp = client.get("/.well-known/jwks.json")
    assert resp.status_code == 200
    document = resp.json()
    assert all("d" not in k and "p" not in k for k in document["keys"])  # public parts only
    keys = {k.key_id: k for k in jwt.PyJWKSet.from_dict(document).keys}
    kid = jwt.get_unverified_header(token)["kid"]
    claims = jwt.decode(token, keys[kid], algorithms=["RS256"], audience=settings.audience, issuer=settings.issuer)
    assert claims["sub"] == client_id


def test_external_mode_neither_issues_nor_publishes_keys(env, app_credentials):
    from portal_ui.api.app import build_api

    env(PORTAL_JWT_ISSUER="https://idp.example/", PORTAL_JWKS_URL="https://idp.example/jwks.json",
        PORTAL_JWT_AUDIENCE="https://api.example")
    client_id, secret = app_credentials
    with TestClient(build_api(), base_url="http://portal.test", raise_server_exceptions=False) as c:
        resp = c.get("/.well-known/jwks.json")
        assert resp.status_code == 404 and resp.json()["errors"][0]["code"] == "ROUTE_NOT_FOUND"
        resp = c.post("/oauth2/token", data=form(client_id, secret))
        assert resp.status_code == 404 and "access_token" not in resp.text
