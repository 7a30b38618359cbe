"""Management API: organization members and member roles."""

import json

import pytest

from portal_ui.domain.members import add_members
from portal_ui.domain.organizations import create_organization
from portal_ui.domain.roles import create_role
from portal_ui.domain.users import create_user
from portal_ui.models import AuditEvent, MemberRole, Membership
from tests.api.management_helpers import SYSTEM, error_code, rows, seed



@pytest.fixture
def world(engine):
    viewer = seed(engine, create_role, key="viewer", name="Viewer", is_default_role=True)
    admin = seed(engine, create_role, key="admin", name="Admin")
    org = seed(engine, create_organization, name="Acme")
    users = [seed(engine, create_user, email=f"{n}@example.com", given_name=n.title(), family_name="Smith")
             for n in ("ann", "bob")]
    return org, users, {"viewer": viewer, "admin": admin}


def users_path(org, *rest):
    return "/".join([f"/api/v1/organizations/{org}/users", *rest])


def test_add_members_and_list(client, m2m_headers, engine, world):
    org, users, _ = world
    r = client.post(users_path(org.code), json={"users": [{"id": users[0].id, "roles": ["admin"]},
                                                          {"id": users[1].id}]},
                    headers=m2m_headers("create:organization_users", client_id="prov"))
    assert r.status_code == 200
    assert r.json() == {"code": "OK", "message": "Success", "users_added": [users[0].id, users[1].id]}
    events = rows(engine, AuditEvent, AuditEvent.action == "member.added")
    assert len(events) == 2 and {e.actor_id for e in events} == {"prov"}
    body = client.get(users_path(org.code) + "?sort=name_asc", headers=m2m_headers("read:organization_users")).json()
    assert body["code"] == "OK"
    ann = body["organization_users"][0]
    assert (ann["id"], ann["email"], ann["full_name"], ann["roles"]) == (
        users[0].id, "ann@example.com", "Ann Smith", ["admin", "viewer"])
    assert ann["joined_on"].endswith("+00:00")
    only_admins = client.get(users_path(org.code) + "?roles=admin", headers=m2m_headers("read:organization_users"))
    assert [u["id"] for u in only_admins.json()["organization_users"]] == [users[0].id]


@pytest.mark.parametrize("body,status,code", [
    ({}, 400, "INVALID_INPUT"), ({"users": []}, 400, "INVALID_INPUT"), ({"users": [{}]}, 400, "INVALID_INPUT"),
    ({"users": [{"id": "kp_nobody"}]}, 400, "USER_NOT_FOUND"),
    ({"users": [{"id": "ANN", "roles": ["ghost"]}]}, 400, "ROLE_NOT_FOUND"),
    ({"users": [{"id": "ANN", "permissions": ["org:write:members"]}]}, 400, "UNSUPPORTED_PERMISSIONS"),
    ({"users": [{"id": "ANN", "extra": 1}]}, 400, "INVALID_INPUT"),
    ({"users": [{"id": "ANN"}] * 101}, 400, "INVALID_INPUT"),
    ({"users": "ANN"}, 400, "INVALID_INPUT"),
])
def test_add_members_bad_input_writes_nothing(client, m2m_headers, engine, world, body, status, code):
    org, users, _ = world
    body = json.loads(json.dumps(body).replace('"ANN"', f'"{users[0].id}"'))
    r = client.post(users_path(org.code), json=body, headers=m2m_headers("create:organization_users"))
    assert r.status_code == status and error_code(r) == code
    assert rows(engine, Membership) == [] and rows(engine, AuditEvent, AuditEvent.action == "member.added") == []


def test_unknown_org_is_404(client, m2m_headers, world):
    _, users, _ = world
    r = client.post(users_path("org_missing"), json={"users": [{"id": users[0].id}]},
                    headers=m2m_headers("create:organization_users"))
    assert r.status_code == 404 and error_code(r) == "ORGANIZATION_NOT_FOUND"
    assert client.get(users_path("org_missing"), headers=m2m_headers("read:organization_users")).status_code == 404
    assert client.get(users_path("org_" + "x" * 300), headers=m2m_headers("read:organization_users")).status_code == 404


def test_remove_member(client, m2m_headers, engine, world):
    org, users, _ = world
    seed(engine, add_members, org_code=org.code, users=[{"id": users[0].id}])
    headers = m2m_headers("delete:organization_users")
    r = client.delete(users_path(org.code, users[0].id), headers=headers)
    assert r.status_code == 200 and r.json()["code"] == "OK"
    assert rows(engine, Membership) == [] and rows(engine, MemberRole) == []
    assert len(rows(engine, AuditEvent, AuditEvent.action == "member.removed")) == 1
    again = client.delete(users_path(org.code, users[0].id), headers=headers)
    assert again.status_code == 404 and error_code(again) == "MEMBER_NOT_FOUND"


def test_member_roles_round_trip(client, m2m_headers, engine, world):
    org, users, roles = world
    seed(engine, add_members, org_code=org.code, users=[{"id": users[0].id}])
    path = users_path(org.code, users[0].id, "roles")
    listed = client.get(path, headers=m2m_headers("read:organization_user_roles")).json()
    assert listed["code"] == "OK" and listed["roles"] == [{"id": roles["viewer"].id, "key": "viewer", "name": "Viewer"}]
    write = m2m_headers("create:organization_user_roles")
    added = client.post(path, json={"role_id": roles["admin"].id}, headers=write)
    assert added.status_code == 200 and added.json()["code"] == "OK"
    assert client.post(path, json={"role_id": roles["admin"].id}, headers=write).status_code == 409
    assert error_code(client.post(path, json={"role_id": "role_ghost"}, headers=write)) == "ROLE_NOT_FOUND"
    assert client.post(path, json={}, headers=write).status_code == 400
    assert client.post(path, json={"role_id": 5}, headers=write).status_code == 400
    delete = m2m_headers("delete:organization_user_roles")
    assert client.delete(f"{path}/{roles['viewer'].id}", headers=delete).status_code == 200
    assert client.delete(f"{path}/{roles['viewer'].id}", headers=delete).status_code == 404
    final = client.get(path, headers=m2m_headers("read:organization_user_roles")).json()["roles"]
    assert [r["key"] for r in final] == ["admin"]
    actions = [e.action for e in rows(engine, AuditEvent, AuditEvent.target_type == "member")]
    assert actions.count("member.role_added") == 1 and actions.count("member.role_removed") == 1


def test_role_routes_need_membership(client, m2m_headers, world):
    org, users, roles = world
    path = users_path(org.code, users[1].id, "roles")
    assert client.get(path, headers=m2m_headers("read:organization_user_roles")).status_code == 404
    assert client.post(path, json={"role_id": roles["admin"].id},
                       headers=m2m_headers("create:organization_user_roles")).status_code == 404
    assert client.delete(f"{path}/{roles['admin'].id}",
                         headers=m2m_headers("delete:organization_user_roles")).status_code == 404


@pytest.mark.parametrize("method,suffix,scope", [
    ("post", "", "create:organization_users"), ("get", "", "read:organization_users"),
    ("delete", "/kp_x", "delete:organization_users"), ("get", "/kp_x/roles", "read:organization_user_roles"),
    ("post", "/kp_x/roles", "create:organization_user_roles"),
    ("delete", "/kp_x/roles/role_x", "delete:organization_user_roles"),
])
def test_routes_need_the_scope(client, m2m_headers, world, method, suffix, scope):
    org, _, _ = world
    path = users_path(org.code) + suffix
    kwargs = {"json": {}} if method == "post" else {}
    assert getattr(client, method)(path, **kwargs).status_code == 403
    other = [s for s in ("read:users", "create:organization_users", "read:organization_users") if s != scope]
    assert getattr(client, method)(path, headers=m2m_headers(*other), **kwargs).status_code == 403
    assert getattr(client, method)(path, headers=m2m_headers(scope), **kwargs).status_code != 403


@pytest.mark.parametrize("query", ["sort=joined", "page_size=0", "next_token=zzz", "bogus=1"])
def test_list_members_bad_query(client, m2m_headers, world, query):
    org, _, _ = world
    r = client.get(users_path(org.code) + "?" + query, headers=m2m_headers("read:organization_users"))
    assert r.status_code == 400
