"""PORTAL_DEMO: the demo (its seed and /demo) exists only when asked for.

On by default with the embedded issuer (a machine trying the portal out), off by default with an
external issuer (a real deployment). Off, `/demo` and `POST /demo/manage` (which signs a persona in
without a password) are not routes at all, `make run`'s seeding does nothing, and members added
through the Management API hold exactly the roles the product gives them.
"""

from __future__ import annotations

import json
import time

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from sqlmodel import select
from starlette.testclient import TestClient

from portal_ui.cli import main
from portal_ui.db import session_scope
from portal_ui.demo.seed import seed_demo
from portal_ui.domain.sections import BY_KEY, landing_section
from portal_ui.domain.sessions import SESSION_COOKIE, load_session
from portal_ui.models import Organization, PortalLink, PortalSession, Role
from portal_ui.settings import ConfigError, Settings, get_settings
from portal_ui.tokens.verify import get_verifier

ISSUER = "https://idp.example/"
AUDIENCE = "https://api.example"
JWKS_URL = "https://idp.example/.well-known/jwks.json"
EXTERNAL = {"PORTAL_JWT_ISSUER": ISSUER, "PORTAL_JWKS_URL": JWKS_URL, "PORTAL_JWT_AUDIENCE": AUDIENCE}
IDP_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _api() -> TestClient:
    """A fresh API app: build_api() decides on the demo's routes from the settings of the moment."""
    from portal_ui.api.app import build_api

    return TestClient(build_api(), base_url="http://portal.test", raise_server_exceptions=False)


# ---- the setting ------------------------------------------------------------------------------

@pytest.mark.parametrize("env,demo", [
    ({}, True),
    (EXTERNAL, False),
    ({**EXTERNAL, "PORTAL_DEMO": "1"}, True),
    ({"PORTAL_DEMO": "0"}, False),
    ({"PORTAL_DEMO": " Off "}, False),
    ({"PORTAL_DEMO": "no"}, False),
    ({"PORTAL_DEMO": "false"}, False),
    ({**EXTERNAL, "PORTAL_DEMO": "YES"}, True),
    ({**EXTERNAL, "PORTAL_DEMO": "on"}, True),
    ({**EXTERNAL, "PORTAL_DEMO": "true"}, True),
    ({"PORTAL_DEMO": ""}, True),
])
def test_demo_defaults_to_the_token_mode_and_follows_portal_demo(env, demo):
    assert Settings.from_env(env).demo is demo


@pytest.mark.parametrize("value", ["maybe", "2", "enabled", "y"])
def test_a_bad_portal_demo_says_what_to_give(value):
    with pytest.raises(ConfigError, match=r"PORTAL_DEMO: give 1 or 0"):
        Settings.from_env({"PORTAL_DEMO": value})


def test_the_cli_explains_a_bad_portal_demo_without_a_traceback(env, monkeypatch, capsys):
    monkeypatch.setenv("PORTAL_DEMO", "sometimes")
    get_settings.cache_clear()
    assert main(["seed-demo"]) == 2
    err = capsys.readouterr().err
    assert "PORTAL_DEMO: give 1 or 0" in err and "Traceback" not in err


# ---- the /demo routes -------------------------------------------------------------------------

def test_with_an_external_issuer_the_demo_routes_do_not_exist(env, engine):
    settings = env(**EXTERNAL)
    with session_scope(engine) as s:  # even a database that holds the demo
        seed_demo(s, settings)
    with _api() as client:
        page = client.get("/demo")
        assert page.status_code == 404 and "Manage account" not in page.text
        manage = client.post("/demo/manage", data={"persona": "kp_demo_olivia", "sub_nav": "organization_members"},
                             follow_redirects=False)
        assert manage.status_code == 404 and "set-cookie" not in manage.headers
    with session_scope(engine) as s:
        assert s.exec(select(PortalLink)).all() == [] and s.exec(select(PortalSession)).all() == []


def test_portal_demo_0_removes_the_routes_in_embedded_mode_too(env, engine):
    settings = env(PORTAL_DEMO="0")
    with session_scope(engine) as s:
        seed_demo(s, settings)
    with _api() as client:
        assert client.get("/demo").status_code == 404
        manage = client.post("/demo/manage", data={"persona": "kp_demo_olivia"}, follow_redirects=False)
        assert manage.status_code == 404 and "location" not in manage.headers
    with session_scope(engine) as s:
        assert s.exec(select(PortalSession)).all() == []


def test_portal_demo_1_serves_the_demo(env, engine):
    settings = env(PORTAL_DEMO="1")
    with session_scope(engine) as s:
        seed_demo(s, settings)
    with _api() as client:
        page = client.get("/demo")
        assert page.status_code == 200 and page.text.count(">Manage account</button>") == 4
        manage = client.post("/demo/manage", data={"persona": "kp_demo_vic", "sub_nav": "organization_members"},
                             follow_redirects=False)
        assert manage.status_code == 303
        assert manage.headers["location"].startswith("http://portal.test/portal_redirect?key=")


def test_portal_demo_1_with_an_external_issuer_explains_the_host_app_cannot_run(env, engine):
    """The host app signs its personas in with tokens the portal mints, which an external issuer forbids."""
    settings = env(**EXTERNAL, PORTAL_DEMO="1")
    with session_scope(engine) as s:
        seed_demo(s, settings)
    with _api() as client:
        page = client.get("/demo")
        assert page.status_code == 404 and "embedded token issuer" in page.text
        assert client.post("/demo/manage", data={"persona": "kp_demo_olivia"}).status_code == 404


# ---- seeding ----------------------------------------------------------------------------------

def test_make_runs_seeding_does_nothing_when_the_demo_is_off(env, session, capsys):
    env(**EXTERNAL)
    assert main(["seed-demo", "--if-empty"]) == 0
    assert "demo is off (PORTAL_DEMO" in capsys.readouterr().out
    assert session.exec(select(Organization)).all() == [] and session.exec(select(Role)).all() == []


def test_seed_demo_refuses_when_the_demo_is_off_unless_forced(env, session, capsys):
    env(PORTAL_DEMO="0")
    assert main(["seed-demo"]) == 2
    err = capsys.readouterr().err
    assert "demo is off" in err and "PORTAL_DEMO=1" in err and "--force" in err
    assert session.exec(select(Organization)).all() == []
    assert main(["seed-demo", "--force"]) == 0
    assert session.exec(select(Organization.code)).all() == ["org_demo_acme"]


# ---- the acceptance check: a real deployment's members get only the product's roles ------------

class _IdP:
    """The identity provider: its JWKS (served to the portal's verifier) and the tokens it signs."""

    kid = "idp-1"

    def jwks(self, request: httpx.Request) -> httpx.Response:
        assert str(request.url) == JWKS_URL
        key = json.loads(RSAAlgorithm.to_jwk(IDP_KEY.public_key()))
        return httpx.Response(200, json={"keys": [{**key, "kid": self.kid, "alg": "RS256", "use": "sig"}]})

    def token(self, sub: str, **claims) -> dict:
        now = int(time.time())
        body = {"iss": ISSUER, "aud": AUDIENCE, "sub": sub, "iat": now, "exp": now + 600, **claims}
        return {"Authorization": "Bearer " + jwt.encode(body, IDP_KEY, algorithm="RS256", headers={"kid": self.kid})}

    def m2m(self, *scopes: str) -> dict:
        return self.token("backend@clients", azp="backend", gty="client_credentials", scope=" ".join(scopes))


@pytest.fixture
def idp(env, monkeypatch):
    settings = env(**EXTERNAL)
    assert not settings.demo
    provider = _IdP()
    monkeypatch.setattr(get_verifier(settings), "_transport", httpx.MockTransport(provider.jwks))
    return provider


def test_without_the_demo_a_member_holds_exactly_the_roles_the_product_gives(idp, env, engine, capsys):
    assert main(["seed-demo", "--if-empty"]) == 0  # what make run does first
    capsys.readouterr()
    with _api() as client:
        m2m = idp.m2m("create:roles", "read:roles", "read:system_permissions", "update:role_system_permissions",
                      "create:organizations", "create:users", "create:organization_users",
                      "read:organization_user_roles", "create:portal_links")
        assert client.get("/api/v1/roles", headers=m2m).json()["roles"] == []  # no demo roles
        perms = {p["key"]: p["id"] for p in client.get("/api/v1/system_permissions?page_size=100",
                                                       headers=m2m).json()["system_permissions"]}

        def role(key: str, *permissions: str, default: bool = False) -> str:
            r = client.post("/api/v1/roles", json={"key": key, "name": key.title(), "is_default_role": default},
                            headers=m2m)
            assert r.status_code == 201, r.text
            role_id = r.json()["role"]["id"]
            r = client.patch(f"/api/v1/roles/{role_id}/system_permissions", headers=m2m,
                             json={"system_permissions": [{"id": perms[p]} for p in permissions]})
            assert r.status_code == 200, r.text
            return role_id

        role("billing", "org:read:billing", "org:write:billing")
        role("member", "org:read:details", default=True)  # the product's own default role
        role("admin", "org:read:members", "org:write:members")
        org = client.post("/api/v1/organization", json={"name": "Globex"}, headers=m2m).json()["organization"]["code"]
        user = client.post("/api/v1/user", headers=m2m, json={
            "profile": {"given_name": "Bill", "family_name": "Ing"},
            "identities": [{"type": "email", "details": {"email": "bill@globex.example"}}]}).json()["id"]
        r = client.post(f"/api/v1/organizations/{org}/users", json={"users": [{"id": user, "roles": ["billing"]}]},
                        headers=m2m)
        assert r.status_code == 200, r.text
        roles = client.get(f"/api/v1/organizations/{org}/users/{user}/roles", headers=m2m).json()["roles"]
        assert sorted(r["key"] for r in roles) == ["billing", "member"]

        # The member's link to the members section: the portal lands on a section they may see.
        link = client.post("/api/v1/portal/generate_url", headers=m2m, json={
            "user_id": user, "organization_code": org, "sub_nav": "organization_members"})
        assert link.status_code == 200, link.text
        entered = client.get(link.json()["url"].removeprefix("http://portal.test"), follow_redirects=False)
        assert entered.status_code == 303
        token = entered.cookies.get(SESSION_COOKIE) or client.cookies.get(SESSION_COOKIE)
    with session_scope(engine) as s:
        active = load_session(s, env(), token)
    assert active is not None and active.permissions == {"org:read:billing", "org:write:billing", "org:read:details"}
    context = {"user_functions": active.settings.user_functions, "org_functions": active.settings.org_functions,
               "permissions": active.permissions, "has_org": True}
    section, fell_back = landing_section("organization_members", **context)
    assert fell_back and section is not BY_KEY["organization_members"]
    assert section.key in ("organization_details", "organization_plan_details", "profile")
