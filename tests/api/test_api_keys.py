"""Management API: POST /api/v1/api_keys/verify and the API scope catalogue."""

from datetime import timedelta

import pytest
from sqlmodel import Session, select

import portal_ui.api.app  # noqa: F401  (load every route module before the clock shim patches)
from portal_ui.domain import api_keys as ak
from portal_ui.domain import clock
from portal_ui.domain.audit import Actor
from portal_ui.domain.organizations import create_organization
from portal_ui.domain.users import create_user
from portal_ui.models import ApiScope, AuditEvent

SYSTEM = Actor.system("test")
VERIFY = "/api/v1/api_keys/verify"
KINDE_FIELDS = {"code", "message", "is_valid", "key_id", "status", "scopes", "org_code", "user_id",
                "last_verified_on", "verification_count"}


@pytest.fixture
def keys(engine):
    """An org key and a user key; returns (org, user, {name: (key, secret)})."""
    with Session(engine, expire_on_commit=False) as s:
        for key in ("read:reports", "write:reports"):
            ak.create_api_scope(s, actor=SYSTEM, key=key)
        org = create_organization(s, actor=SYSTEM, name="Acme")
        user = create_user(s, actor=SYSTEM, given_name="Alice", email="alice@example.com")
        made = {
            "org": ak.create_key(s, actor=SYSTEM, type="organization", org_code=org.code, name="CI",
                                 scopes=["read:reports", "write:reports"]),
            "user": ak.create_key(s, actor=SYSTEM, type="user", user_id=user.id, name="Laptop",
                                  scopes=["read:reports"], expires_on=clock.utcnow() + timedelta(hours=1)),
        }
        s.commit()
    return org, user, made


def error_code(response):
    return response.json()["errors"][0]["code"]


def verify(client, m2m_headers, secret):
    return client.post(VERIFY, json={"api_key": secret}, headers=m2m_headers("verify:api_keys"))


def test_verify_valid_org_key(client, m2m_headers, keys):
    org, _, made = keys
    key, secret = made["org"]
    r = verify(client, m2m_headers, secret)
    assert r.status_code == 200
    body = r.json()
    assert set(body) == KINDE_FIELDS | {"type"}
    assert (body["code"], body["is_valid"], body["key_id"], body["status"]) == ("API_KEY_VERIFIED", True, key.id,
                                                                                "active")
    assert (body["type"], body["org_code"], body["user_id"]) == ("organization", org.code, None)
    assert body["scopes"] == ["read:reports", "write:reports"] and body["verification_count"] == 1
    assert body["last_verified_on"].endswith("+00:00")
    assert verify(client, m2m_headers, secret).json()["verification_count"] == 2


def test_verify_valid_user_key(client, m2m_headers, keys):
    _, user, made = keys
    body = verify(client, m2m_headers, made["user"][1]).json()
    assert body["is_valid"] is True and (body["type"], body["user_id"], body["org_code"]) == ("user", user.id, None)


def test_verify_answer_parses_with_kinde_sdk_model(client, m2m_headers, keys):
    from kinde_sdk.management.models.verify_api_key_response import VerifyApiKeyResponse

    parsed = VerifyApiKeyResponse.from_dict(verify(client, m2m_headers, keys[2]["org"][1]).json())
    assert parsed.is_valid is True and parsed.verification_count == 1 and parsed.last_verified_on is not None
    unknown = VerifyApiKeyResponse.from_dict(verify(client, m2m_headers, ak.generate_key("user").value).json())
    assert unknown.is_valid is False and unknown.key_id is None


def test_verify_revoked_key(client, m2m_headers, keys, engine):
    org, _, made = keys
    key, secret = made["org"]
    with Session(engine) as s:
        ak.revoke_key(s, key.id, owner=ak.KeyOwner.organization(org.code), actor=SYSTEM)
        s.commit()
    r = verify(client, m2m_headers, secret)
    body = r.json()
    assert r.status_code == 200 and body["is_valid"] is False and body["code"] == "API_KEY_INVALID"
    assert (body["key_id"], body["status"], body["scopes"], body["verification_count"]) == (key.id, "revoked", [], 0)


def test_verify_rotated_key(client, m2m_headers, keys, engine):
    org, _, made = keys
    key, old = made["org"]
    with Session(engine) as s:
        _, new = ak.rotate_key(s, key.id, owner=ak.KeyOwner.organization(org.code), actor=SYSTEM)
        s.commit()
    stale = verify(client, m2m_headers, old)
    assert stale.status_code == 200 and stale.json()["is_valid"] is False and stale.json()["key_id"] is None
    fresh = verify(client, m2m_headers, new).json()
    assert fresh["is_valid"] is True and fresh["key_id"] == key.id


def test_verify_expired_key(client, m2m_headers, keys):
    key, secret = keys[2]["user"]
    with clock.shifted(timedelta(hours=2)):
        r = verify(client, m2m_headers, secret)
    body = r.json()
    assert r.status_code == 200 and body["is_valid"] is False
    assert (body["key_id"], body["status"], body["scopes"]) == (key.id, "expired", [])


def test_verify_unknown_well_formed_key(client, m2m_headers, keys):
    body = verify(client, m2m_headers, ak.generate_key("organization").value).json()
    assert body["is_valid"] is False and body["key_id"] is None and body["scopes"] == []


@pytest.mark.parametrize("secret", [
    "", "nope", "pk_org_", "CHANGED", "pk_org_" + "a" * 46, "pk_org_" + "\u00e9" * 46, "x" * 257,
])
def test_verify_malformed_key_is_400(client, m2m_headers, keys, secret):
    if secret == "CHANGED":
        good = keys[2]["org"][1]
        secret = good[:-10] + ("a" if good[-10] != "a" else "b") + good[-9:]
    r = verify(client, m2m_headers, secret)
    assert r.status_code == 400 and error_code(r) in ("INVALID_API_KEY", "INVALID_INPUT")


@pytest.mark.parametrize("kwargs", [
    {"json": {}}, {"json": {"api_key": 5}}, {"json": {"api_key": None}}, {"json": ["pk_org_x"]},
    {"json": {"api_key": "x", "extra": 1}}, {"content": b"{not json", "headers": {"content-type": "application/json"}},
    {"content": b"api_key=x", "headers": {"content-type": "application/x-www-form-urlencoded"}},
])
def test_verify_bad_bodies_are_4xx(client, m2m_headers, kwargs):
    headers = {**m2m_headers("verify:api_keys"), **kwargs.pop("headers", {})}
    r = client.post(VERIFY, headers=headers, **kwargs)
    assert 400 <= r.status_code < 500 and "errors" in r.json()


def test_verify_oversize_body_is_413(client, m2m_headers):
    r = client.post(VERIFY, json={"api_key": "pk_org_" + "a" * 100_000}, headers=m2m_headers("verify:api_keys"))
    assert r.status_code == 413 and error_code(r) == "PAYLOAD_TOO_LARGE"


def test_verify_needs_the_scope(client, m2m_headers, user_headers, keys):
    secret = keys[2]["org"][1]
    assert client.post(VERIFY, json={"api_key": secret}).status_code == 403
    assert client.post(VERIFY, json={"api_key": secret}, headers=m2m_headers("read:users")).status_code == 403
    assert client.post(VERIFY, json={"api_key": secret}, headers=user_headers("kp_x")).status_code == 403
    assert verify(client, m2m_headers, secret).status_code == 200


def test_verify_is_not_audited_and_leaks_no_secret(client, m2m_headers, keys, engine):
    secret = keys[2]["org"][1]
    verify(client, m2m_headers, secret)
    with Session(engine) as s:
        events = s.exec(select(AuditEvent)).all()
    assert all(secret not in str(e.model_dump()) for e in events)
    assert not [e for e in events if "verif" in e.action]


def test_create_and_list_api_scopes(client, m2m_headers, engine):
    r = client.post("/api/v1/api_scopes", json={"key": "read:reports", "description": "Read reports"},
                    headers=m2m_headers("create:api_scopes", client_id="prov"))
    assert r.status_code == 201 and r.json()["code"] == "API_SCOPE_CREATED"
    scope = r.json()["api_scope"]
    assert scope["id"].startswith("scope_") and scope["key"] == "read:reports"
    client.post("/api/v1/api_scopes", json={"key": "admin:reports"}, headers=m2m_headers("create:api_scopes"))
    listed = client.get("/api/v1/api_scopes", headers=m2m_headers("read:api_scopes"))
    assert listed.status_code == 200 and listed.json()["code"] == "OK"
    assert [s["key"] for s in listed.json()["api_scopes"]] == ["admin:reports", "read:reports"]
    assert set(listed.json()["api_scopes"][0]) == {"id", "key", "description", "created_on"}
    with Session(engine) as s:
        [event, _] = s.exec(select(AuditEvent).where(AuditEvent.action == "api_scope.created")
                            .order_by(AuditEvent.id)).all()
    assert (event.actor_type, event.actor_id, event.target_id) == ("m2m", "prov", scope["id"])


@pytest.mark.parametrize("body,status,code", [
    ({}, 400, "INVALID_INPUT"), ({"key": "Read Reports"}, 400, "INVALID_SCOPE_KEY"),
    ({"key": "reports"}, 400, "INVALID_SCOPE_KEY"), ({"key": 5}, 400, "INVALID_INPUT"),
    ({"key": "read:x", "description": "d" * 1025}, 400, "INVALID_INPUT"),
    ({"key": "read:x", "name": "x"}, 400, "INVALID_INPUT"), ({"key": "read:" + "x" * 200}, 400, "INVALID_INPUT"),
])
def test_create_api_scope_bad_input(client, m2m_headers, engine, body, status, code):
    r = client.post("/api/v1/api_scopes", json=body, headers=m2m_headers("create:api_scopes"))
    assert r.status_code == status and error_code(r) == code
    with Session(engine) as s:
        assert s.exec(select(ApiScope)).all() == []


def test_duplicate_api_scope_is_409(client, m2m_headers):
    headers = m2m_headers("create:api_scopes")
    assert client.post("/api/v1/api_scopes", json={"key": "read:reports"}, headers=headers).status_code == 201
    r = client.post("/api/v1/api_scopes", json={"key": "read:reports"}, headers=headers)
    assert r.status_code == 409 and error_code(r) == "API_SCOPE_ALREADY_EXISTS"


def test_list_api_scopes_refuses_query_parameters(client, m2m_headers):
    assert client.get("/api/v1/api_scopes?page_size=5", headers=m2m_headers("read:api_scopes")).status_code == 400


@pytest.mark.parametrize("method,scope", [("get", "read:api_scopes"), ("post", "create:api_scopes")])
def test_api_scope_routes_need_the_scope(client, m2m_headers, user_headers, method, scope):
    kwargs = {"json": {"key": "read:reports"}} if method == "post" else {}
    call = getattr(client, method)
    assert call("/api/v1/api_scopes", **kwargs).status_code == 403
    assert call("/api/v1/api_scopes", headers=m2m_headers("read:users"), **kwargs).status_code == 403
    assert call("/api/v1/api_scopes", headers=user_headers("kp_x"), **kwargs).status_code == 403
    assert call("/api/v1/api_scopes", headers=m2m_headers(scope), **kwargs).status_code in (200, 201)
