"""Management API: POST /api/v1/user, GET /api/v1/user, GET /api/v1/users."""

import pytest

from portal_ui.domain.organizations import create_organization
from portal_ui.domain.roles import create_role
from portal_ui.domain.users import create_user
from portal_ui.models import AuditEvent, User
from tests.api.management_helpers import SYSTEM, error_code, rows, seed



def new_user_body(email="ada@example.com", **extra):
    return {"profile": {"given_name": "Ada", "family_name": "Lovelace"},
            "identities": [{"type": "email", "is_verified": True, "details": {"email": email}}], **extra}


def test_create_user_returns_kinde_shape_and_audits(client, m2m_headers, engine):
    r = client.post("/api/v1/user", json=new_user_body(), headers=m2m_headers("create:users", client_id="prov"))
    assert r.status_code == 200
    body = r.json()
    assert body["id"].startswith("kp_") and body["created"] is True
    assert body["identities"] == [{"type": "email", "result": {"created": True}}]
    [user] = rows(engine, User)
    assert (user.id, user.email, user.given_name) == (body["id"], "ada@example.com", "Ada")
    [event] = rows(engine, AuditEvent)
    assert (event.action, event.actor_type, event.actor_id, event.target_id) == ("user.created", "m2m", "prov", user.id)
    assert (event.client_ip, event.user_agent) == ("testclient", "testclient")


def test_create_user_into_org_with_default_roles(client, m2m_headers, engine):
    seed(engine, create_role, key="viewer", name="Viewer", is_default_role=True)
    org = seed(engine, create_organization, name="Acme")
    r = client.post("/api/v1/user", json=new_user_body(organization_code=org.code), headers=m2m_headers("create:users"))
    assert r.status_code == 200
    members = client.get(f"/api/v1/organizations/{org.code}/users", headers=m2m_headers("read:organization_users"))
    assert members.json()["organization_users"][0]["roles"] == ["viewer"]


def test_create_user_tolerates_kinde_fields_we_do_not_store(client, m2m_headers):
    body = new_user_body(provided_id="ext-42")
    body["profile"]["picture"] = "https://example.com/p.png"
    assert client.post("/api/v1/user", json=body, headers=m2m_headers("create:users")).status_code == 200


@pytest.mark.parametrize("body,code", [
    ({"profile": {"given_name": 5}}, "INVALID_INPUT"),
    ({"profile": {"given_name": "x" * 256}}, "INVALID_INPUT"),
    ({"unknown_field": 1}, "INVALID_INPUT"),
    (new_user_body(email="nope"), "INVALID_EMAIL"),
    ({"identities": [{"type": "username", "details": {"username": "ada"}}]}, "UNSUPPORTED_IDENTITY"),
    ({"identities": [{"type": "email", "details": {"email": "a@example.com"}},
                     {"type": "email", "details": {"email": "b@example.com"}}]}, "UNSUPPORTED_IDENTITY"),
    ({"identities": [{"type": "email"}]}, "INVALID_INPUT"),
    ({"identities": [{"type": "fax"}]}, "INVALID_INPUT"),
    (new_user_body(organization_code="org_missing"), "ORGANIZATION_NOT_FOUND"),
])
def test_create_user_bad_input_is_400_and_writes_nothing(client, m2m_headers, engine, body, code):
    r = client.post("/api/v1/user", json=body, headers=m2m_headers("create:users"))
    assert r.status_code == 400 and error_code(r) == code
    assert rows(engine, User) == [] and rows(engine, AuditEvent) == []


def test_create_user_malformed_and_oversized_bodies(client, m2m_headers):
    headers = {**m2m_headers("create:users"), "content-type": "application/json"}
    assert client.post("/api/v1/user", content=b"{not json", headers=headers).status_code == 400
    assert client.post("/api/v1/user", content=b"[1, 2]", headers=headers).status_code == 400
    assert client.post("/api/v1/user", content=b"x" * 70000, headers=headers).status_code == 413


def test_duplicate_email_is_409(client, m2m_headers):
    headers = m2m_headers("create:users")
    assert client.post("/api/v1/user", json=new_user_body(), headers=headers).status_code == 200
    r = client.post("/api/v1/user", json=new_user_body(email="ADA@example.com"), headers=headers)
    assert r.status_code == 409 and error_code(r) == "EMAIL_ALREADY_EXISTS"


@pytest.mark.parametrize("method,path,scope", [
    ("post", "/api/v1/user", "create:users"), ("get", "/api/v1/users", "read:users"),
    ("get", "/api/v1/user?id=kp_x", "read:users"),
])
def test_routes_need_a_token_with_the_scope(client, m2m_headers, user_headers, method, path, scope):
    kwargs = {"json": new_user_body()} if method == "post" else {}
    assert getattr(client, method)(path, **kwargs).status_code == 403
    wrong = getattr(client, method)(path, headers=m2m_headers("read:roles"), **kwargs)
    assert wrong.status_code == 403 and "errors" in wrong.json()
    assert getattr(client, method)(path, headers=user_headers("kp_someone"), **kwargs).status_code == 403


def test_list_users_shape_paging_and_filters(client, m2m_headers, engine):
    org = seed(engine, create_organization, name="Acme")
    ids = [seed(engine, create_user, email=f"u{i}@example.com", given_name=f"U{i}",
                organization_code=org.code if i == 0 else None).id for i in range(3)]
    headers = m2m_headers("read:users")
    first = client.get("/api/v1/users?page_size=2", headers=headers).json()
    assert first["code"] == "OK" and [u["id"] for u in first["users"]] == ids[:2]
    assert set(first["users"][0]) >= {"id", "email", "first_name", "last_name", "created_on", "is_suspended"}
    rest = client.get(f"/api/v1/users?page_size=2&next_token={first['next_token']}", headers=headers).json()
    assert [u["id"] for u in rest["users"]] == ids[2:] and "next_token" not in rest
    by_email = client.get("/api/v1/users?email=u1@example.com,U2@example.com", headers=headers).json()
    assert [u["id"] for u in by_email["users"]] == ids[1:]
    expanded = client.get(f"/api/v1/users?user_id={ids[0]}&expand=organizations", headers=headers).json()
    assert expanded["users"][0]["organizations"] == [org.code]
    assert client.get("/api/v1/users?has_organization=false", headers=headers).json()["users"][0]["id"] == ids[1]
    assert client.get("/api/v1/users?username=ada", headers=headers).json()["users"] == []


@pytest.mark.parametrize("query", ["page_size=0", "page_size=abc", "page_size=501", "next_token=bogus",
                                   "sort=name_asc", "expand=everything", "active_since=2024-01-01",
                                   "page_size=1&page_size=2", "email=" + "a" * 40000])
def test_list_users_bad_query_is_400(client, m2m_headers, query):
    r = client.get(f"/api/v1/users?{query}", headers=m2m_headers("read:users"))
    assert r.status_code == 400 and "errors" in r.json()


def test_get_user_by_id(client, m2m_headers, engine):
    user = seed(engine, create_user, email="g@example.com", given_name="G")
    headers = m2m_headers("read:users")
    body = client.get(f"/api/v1/user?id={user.id}", headers=headers).json()
    assert body["id"] == user.id and body["preferred_email"] == "g@example.com" and body["first_name"] == "G"
    missing = client.get("/api/v1/user?id=kp_missing", headers=headers)
    assert missing.status_code == 404 and error_code(missing) == "USER_NOT_FOUND"
    assert client.get("/api/v1/user", headers=headers).status_code == 400
