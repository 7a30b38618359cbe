"""Revoking an M2M application, or taking a scope from it, takes effect on the tokens it already has.

Tokens live 24 hours; the Management API checks the application on each request, remembered per
process for at most `m2m_apps.CHECK_SECONDS`. The tests move that clock instead of sleeping.
"""

import pytest
from sqlmodel import Session

from portal_ui.api import m2m_apps
from portal_ui.cli import main
from portal_ui.domain.audit import Actor
from portal_ui.domain.m2m import create_m2m_app
from portal_ui.tokens.issue import mint_m2m_token

LINK = "/api/v1/portal/generate_url"
USERS = "/api/v1/users"


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def pass_check_interval(self):
        self.now += m2m_apps.CHECK_SECONDS + 0.1


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(m2m_apps.APP_CHECKS, "clock", clock)
    m2m_apps.APP_CHECKS.clear()
    return clock


@pytest.fixture
def backend(engine):
    """(client_id, bearer headers) of an application with two scopes, its token from /oauth2/token."""
    with Session(engine) as s:
        client_id, secret = create_m2m_app(s, name="backend", scopes=["create:portal_links", "read:users"],
                                           actor=Actor.system("test"))
        s.commit()
    return client_id, secret


def token_headers(client, client_id, secret) -> dict:
    resp = client.post("/oauth2/token", data={"grant_type": "client_credentials", "client_id": client_id,
                                              "client_secret": secret})
    assert resp.status_code == 200, resp.text
    return {"Authorization": f"Bearer {resp.json()['access_token']}"}


def make_link(client, headers):
    return client.post(LINK, json={"user_id": "kp_demo_bea"}, headers=headers)


def test_a_revoked_application_is_refused_at_once(demo, client, backend, clock, capsys):
    client_id, secret = backend
    headers = token_headers(client, client_id, secret)
    assert make_link(client, headers).status_code == 200
    assert main(["m2m", "revoke", "--client-id", client_id]) == 0
    assert client_id in capsys.readouterr().out
    clock.pass_check_interval()
    resp = make_link(client, headers)
    assert resp.status_code == 403
    error = resp.json()["errors"][0]
    assert error["code"] == "INVALID_CREDENTIALS" and "revoked" in error["message"]
    assert client.get(USERS, headers=headers).status_code == 403


def test_a_scope_taken_away_is_refused_and_the_others_still_work(demo, client, backend, clock, capsys):
    client_id, secret = backend
    headers = token_headers(client, client_id, secret)
    assert make_link(client, headers).status_code == 200
    assert main(["m2m", "scopes", "--client-id", client_id, "--scopes", "read:users"]) == 0
    clock.pass_check_interval()
    resp = make_link(client, headers)
    assert resp.status_code == 403
    error = resp.json()["errors"][0]
    assert error["code"] == "FORBIDDEN" and "create:portal_links" in error["message"]
    assert client.get(USERS, headers=headers).status_code == 200
    # a scope given back works again, with the same token
    assert main(["m2m", "scopes", "--client-id", client_id, "--scopes", "read:users", "create:portal_links"]) == 0
    clock.pass_check_interval()
    assert make_link(client, headers).status_code == 200


def test_a_token_for_an_application_that_does_not_exist_here_is_refused(demo, client, settings, clock):
    """E.g. the database was restored from before the application was made, the signing key kept."""
    headers = {"Authorization": f"Bearer {mint_m2m_token(settings, 'm2m_gone', ['create:portal_links'])}"}
    resp = make_link(client, headers)
    assert resp.status_code == 403 and resp.json()["errors"][0]["code"] == "INVALID_CREDENTIALS"


def test_a_revoked_application_gets_no_new_token(demo, client, backend, clock):
    client_id, secret = backend
    assert main(["m2m", "revoke", "--client-id", client_id]) == 0
    resp = client.post("/oauth2/token", data={"grant_type": "client_credentials", "client_id": client_id,
                                              "client_secret": secret})
    assert resp.status_code == 401


@pytest.mark.parametrize("argv,needle", [
    (["m2m", "revoke", "--client-id", "m2m_nope"], "m2m_nope"),
    (["m2m", "scopes", "--client-id", "m2m_nope", "--scopes", "read:users"], "m2m_nope"),
    (["m2m", "scopes", "--client-id", "{app}", "--scopes", "Read Users!"], "scope"),
])
def test_cli_mistakes_are_explained(settings, backend, capsys, argv, needle):
    client_id, _secret = backend
    assert main([arg.replace("{app}", client_id) for arg in argv]) == 2
    assert needle in capsys.readouterr().err


def test_changing_scopes_is_audited(settings, session, backend):
    from sqlmodel import select

    from portal_ui.models import AuditEvent

    client_id, _secret = backend
    assert main(["m2m", "scopes", "--client-id", client_id, "--scopes", "read:users"]) == 0
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "m2m_application.scopes_changed")).one()
    assert event.target_id == client_id
    assert event.before == {"scopes": ["create:portal_links", "read:users"]} and event.after == {"scopes": ["read:users"]}


def test_external_tokens_are_not_looked_up(env, demo, client, monkeypatch):
    """With an external issuer the identity provider owns its clients, and revokes them."""
    import time

    from portal_ui.api import auth

    env(PORTAL_JWT_ISSUER="https://idp.example/", PORTAL_JWKS_URL="https://idp.example/jwks.json",
        PORTAL_JWT_AUDIENCE="https://api.example")
    now = int(time.time())

    class IdPVerifier:
        blocking = False

        def verify(self, token):
            return {"sub": "idp-client@clients", "azp": "idp-client", "gty": "client_credentials",
                    "scope": "create:portal_links", "iat": now, "exp": now + 60}

    monkeypatch.setattr(auth, "get_verifier", lambda settings: IdPVerifier())
    assert make_link(client, {"Authorization": "Bearer from-the-idp"}).status_code == 200
