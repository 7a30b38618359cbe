"""M2M applications: creation, secret storage, client authentication, revocation."""

import pytest
from sqlmodel import select

from portal_ui.domain import secrets as domain_secrets
from portal_ui.domain.audit import Actor
from portal_ui.domain.errors import InvalidInput, NotFound
from portal_ui.domain.m2m import InvalidClient, authenticate_client, create_m2m_app, revoke_m2m_app
from portal_ui.models import AuditEvent, M2MApplication

ACTOR = Actor.system("test")


def test_create_returns_credentials_and_stores_only_a_hash(session):
    client_id, secret = create_m2m_app(session, name=" Backend ", scopes=["create:portal_links", "read:users",
                                                                          "read:users"], actor=ACTOR)
    session.commit()
    assert client_id.startswith("m2m_") and len(client_id) > 20
    assert len(secret) >= 43  # 32 bytes of randomness, URL-safe base64
    app = session.get(M2MApplication, client_id)
    assert app.name == "Backend" and app.scopes == ["create:portal_links", "read:users"]
    assert app.secret_hash == domain_secrets.sha256_hex(secret) and secret not in app.secret_hash
    assert app.created_on is not None and app.revoked_on is None
    [event] = session.exec(select(AuditEvent)).all()
    assert event.action == "m2m_application.created" and event.target_id == client_id
    assert event.after == {"name": "Backend", "scopes": ["create:portal_links", "read:users"]}
    assert secret not in str(event.before) + str(event.after) + event.target_id


def test_each_app_gets_its_own_id_and_secret(session):
    a = create_m2m_app(session, name="a", scopes=["read:users"], actor=ACTOR)
    b = create_m2m_app(session, name="b", scopes=["read:users"], actor=ACTOR)
    assert a[0] != b[0] and a[1] != b[1]


@pytest.mark.parametrize("kwargs", [
    {"name": "", "scopes": ["read:users"]},
    {"name": "   ", "scopes": ["read:users"]},
    {"name": "x" * 256, "scopes": ["read:users"]},
    {"name": "bad\x00name", "scopes": ["read:users"]},
    {"name": None, "scopes": ["read:users"]},
    {"name": "ok", "scopes": []},
    {"name": "ok", "scopes": "read:users"},
    {"name": "ok", "scopes": [""]},
    {"name": "ok", "scopes": ["READ:users"]},
    {"name": "ok", "scopes": ["read users"]},
    {"name": "ok", "scopes": ["readusers"]},
    {"name": "ok", "scopes": ["read:"]},
    {"name": "ok", "scopes": ["read::users"]},
    {"name": "ok", "scopes": [42]},
    {"name": "ok", "scopes": ["read:" + "x" * 200]},
    {"name": "ok", "scopes": [f"read:s{i}" for i in range(101)]},
])
def test_create_refuses_bad_values(session, kwargs):
    with pytest.raises(InvalidInput):
        create_m2m_app(session, actor=ACTOR, **kwargs)
    assert session.exec(select(M2MApplication)).all() == [] and session.exec(select(AuditEvent)).all() == []


def test_accepts_up_to_100_scopes(session):
    client_id, _ = create_m2m_app(session, name="many", scopes=[f"read:s{i}" for i in range(100)], actor=ACTOR)
    assert len(session.get(M2MApplication, client_id).scopes) == 100


def test_authenticate_client(session):
    client_id, secret = create_m2m_app(session, name="backend", scopes=["read:users"], actor=ACTOR)
    session.commit()
    assert authenticate_client(session, client_id, secret).client_id == client_id


@pytest.mark.parametrize("make_args", [
    lambda cid, s: (cid, s + "x"),
    lambda cid, s: (cid, ""),
    lambda cid, s: (cid, s.upper() if s.upper() != s else s.lower()),
    lambda cid, s: ("m2m_unknown", s),
    lambda cid, s: ("", s),
    lambda cid, s: (cid + "' OR 1=1 --", s),
    lambda cid, s: (None, s),
    lambda cid, s: (cid, None),
    lambda cid, s: (cid, "x" * 10_000),
    lambda cid, s: ("m" * 10_000, s),
])
def test_authenticate_refuses_wrong_credentials_alike(session, make_args):
    client_id, secret = create_m2m_app(session, name="backend", scopes=["read:users"], actor=ACTOR)
    session.commit()
    with pytest.raises(InvalidClient) as info:
        authenticate_client(session, *make_args(client_id, secret))
    assert info.value.status == 401 and info.value.message == "Client authentication failed."


def test_authenticate_compares_in_constant_time(session, monkeypatch):
    client_id, secret = create_m2m_app(session, name="backend", scopes=["read:users"], actor=ACTOR)
    session.commit()
    calls = []
    real = domain_secrets.same_secret

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr("portal_ui.domain.m2m.same_secret", spy)
    authenticate_client(session, client_id, secret)
    with pytest.raises(InvalidClient):
        authenticate_client(session, "m2m_unknown", secret)  # an unknown id costs the same comparison
    assert len(calls) == 2


def test_revoked_apps_are_refused(session):
    client_id, secret = create_m2m_app(session, name="backend", scopes=["read:users"], actor=ACTOR)
    revoke_m2m_app(session, client_id, actor=ACTOR)
    revoke_m2m_app(session, client_id, actor=ACTOR)  # twice changes nothing
    session.commit()
    with pytest.raises(InvalidClient):
        authenticate_client(session, client_id, secret)
    actions = [e.action for e in session.exec(select(AuditEvent).order_by(AuditEvent.id)).all()]
    assert actions == ["m2m_application.created", "m2m_application.revoked"]
    with pytest.raises(NotFound):
        revoke_m2m_app(session, "m2m_nope", actor=ACTOR)
