"""Management API: roles, system permissions and role system permissions."""

import pytest

from portal_ui.domain.roles import create_role
from portal_ui.models import AuditEvent, Role, RolePermission, SystemPermission
from tests.api.management_helpers import SYSTEM, error_code, rows, seed



def perm_id(engine, key):
    return rows(engine, SystemPermission, SystemPermission.key == key)[0].id


def test_create_role_201_and_audit(client, m2m_headers, engine):
    r = client.post("/api/v1/roles", json={"key": "admin", "name": "Admin", "description": "All",
                                           "is_default_role": False, "assign_to_creator": True},
                    headers=m2m_headers("create:roles", client_id="prov"))
    assert r.status_code == 201
    role_id = r.json()["role"]["id"]
    assert r.json()["code"] and role_id.startswith("role_")
    [role] = rows(engine, Role)
    assert (role.id, role.key, role.assign_to_creator) == (role_id, "admin", True)
    [event] = rows(engine, AuditEvent)
    assert (event.action, event.actor_id, event.target_id) == ("role.created", "prov", role_id)


@pytest.mark.parametrize("body,status,code", [
    ({"name": "No key"}, 400, "INVALID_INPUT"), ({"key": "k"}, 400, "INVALID_INPUT"),
    ({"key": "bad key", "name": "x"}, 400, "INVALID_ROLE_KEY"), ({"key": "k", "name": "x", "is_default_role": "yes"},
                                                                  400, "INVALID_INPUT"),
    ({"key": "k", "name": "x", "description": "d" * 1025}, 400, "INVALID_INPUT"),
    ({"key": "k", "name": "x", "assignment_permission_id": "8a1f0000-0000-0000-0000-000000000000"}, 400,
     "UNSUPPORTED_ASSIGNMENT_PERMISSION"),
    ({"key": "k", "name": "x", "id": "role_mine"}, 400, "INVALID_INPUT"),
])
def test_create_role_bad_input(client, m2m_headers, engine, body, status, code):
    r = client.post("/api/v1/roles", json=body, headers=m2m_headers("create:roles"))
    assert r.status_code == status and error_code(r) == code
    assert rows(engine, Role) == [] and rows(engine, AuditEvent) == []


def test_duplicate_role_key_is_409(client, m2m_headers):
    headers = m2m_headers("create:roles")
    client.post("/api/v1/roles", json={"key": "admin", "name": "Admin"}, headers=headers)
    r = client.post("/api/v1/roles", json={"key": "admin", "name": "Admin 2"}, headers=headers)
    assert r.status_code == 409 and error_code(r) == "ROLE_KEY_ALREADY_EXISTS"


def test_list_roles(client, m2m_headers, engine):
    for key in ("b", "a", "c"):
        seed(engine, create_role, key=key, name=key.upper(), is_default_role=key == "a")
    headers = m2m_headers("read:roles")
    body = client.get("/api/v1/roles?page_size=2", headers=headers).json()
    assert body["code"] == "OK" and [r["key"] for r in body["roles"]] == ["a", "b"]
    assert body["roles"][0]["is_default_role"] is True
    assert set(body["roles"][0]) >= {"id", "key", "name", "description", "is_default_role"}
    rest = client.get(f"/api/v1/roles?page_size=2&next_token={body['next_token']}", headers=headers).json()
    assert [r["key"] for r in rest["roles"]] == ["c"]
    assert [r["key"] for r in client.get("/api/v1/roles?sort=key_desc", headers=headers).json()["roles"]] == \
        ["c", "b", "a"]
    assert client.get("/api/v1/roles?sort=bogus", headers=headers).status_code == 400


def test_list_system_permissions(client, m2m_headers):
    body = client.get("/api/v1/system_permissions?page_size=100", headers=m2m_headers("read:system_permissions")).json()
    assert body["code"] == "OK" and len(body["system_permissions"]) == 9
    assert set(body["system_permissions"][0]) == {"id", "key", "name", "description"}


def test_update_and_read_role_system_permissions(client, m2m_headers, engine):
    role = seed(engine, create_role, key="admin", name="Admin")
    read, write = perm_id(engine, "org:read:members"), perm_id(engine, "org:write:members")
    path = f"/api/v1/roles/{role.id}/system_permissions"
    update = m2m_headers("update:role_system_permissions", client_id="prov")
    r = client.patch(path, json={"system_permissions": [{"id": read}, {"id": write}]}, headers=update)
    assert r.status_code == 200
    assert (r.json()["system_permissions_added"], r.json()["system_permissions_removed"]) == ([read, write], [])
    r = client.patch(path, json={"system_permissions": [{"id": write, "operation": "delete"}]}, headers=update)
    assert (r.json()["system_permissions_added"], r.json()["system_permissions_removed"]) == ([], [write])
    listed = client.get(path, headers=m2m_headers("read:role_system_permissions")).json()
    assert listed["code"] == "OK" and [p["key"] for p in listed["system_permissions"]] == ["org:read:members"]
    events = rows(engine, AuditEvent, AuditEvent.action == "role.system_permissions_updated")
    assert len(events) == 2 and events[-1].after == {"system_permissions": ["org:read:members"]}


@pytest.mark.parametrize("body,code", [
    ({}, "INVALID_INPUT"), ({"system_permissions": "all"}, "INVALID_INPUT"),
    ({"system_permissions": [{"id": "perm_ghost"}]}, "PERMISSION_NOT_FOUND"),
    ({"system_permissions": [{"id": "READ", "operation": "remove"}]}, "INVALID_INPUT"),
    ({"system_permissions": [{"id": "READ"}, {"id": "perm_ghost"}]}, "PERMISSION_NOT_FOUND"),
    ({"system_permissions": [{"id": "READ", "note": "x"}]}, "INVALID_INPUT"),
])
def test_update_role_system_permissions_bad_input(client, m2m_headers, engine, body, code):
    role = seed(engine, create_role, key="admin", name="Admin")
    read = perm_id(engine, "org:read:members")
    for change in body.get("system_permissions", []) if isinstance(body.get("system_permissions"), list) else []:
        if change.get("id") == "READ":
            change["id"] = read
    r = client.patch(f"/api/v1/roles/{role.id}/system_permissions", json=body,
                     headers=m2m_headers("update:role_system_permissions"))
    assert r.status_code == 400 and error_code(r) == code
    assert rows(engine, RolePermission) == []


def test_unknown_role_is_404(client, m2m_headers):
    path = "/api/v1/roles/role_missing/system_permissions"
    assert client.get(path, headers=m2m_headers("read:role_system_permissions")).status_code == 404
    r = client.patch(path, json={"system_permissions": []}, headers=m2m_headers("update:role_system_permissions"))
    assert r.status_code == 404 and error_code(r) == "ROLE_NOT_FOUND"


@pytest.mark.parametrize("method,path,scope", [
    ("post", "/api/v1/roles", "create:roles"), ("get", "/api/v1/roles", "read:roles"),
    ("get", "/api/v1/system_permissions", "read:system_permissions"),
    ("get", "/api/v1/roles/role_x/system_permissions", "read:role_system_permissions"),
    ("patch", "/api/v1/roles/role_x/system_permissions", "update:role_system_permissions"),
])
def test_routes_need_the_scope(client, m2m_headers, user_headers, method, path, scope):
    kwargs = {"json": {}} if method in ("post", "patch") else {}
    assert getattr(client, method)(path, **kwargs).status_code == 403
    assert getattr(client, method)(path, headers=m2m_headers("read:users"), **kwargs).status_code == 403
    assert getattr(client, method)(path, headers=user_headers("kp_x"), **kwargs).status_code == 403
    assert getattr(client, method)(path, headers=m2m_headers(scope), **kwargs).status_code != 403
