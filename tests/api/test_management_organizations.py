"""Management API: POST /api/v1/organization, GET /api/v1/organization?code=, GET /api/v1/organizations."""

import pytest

from portal_ui.domain.organizations import create_organization
from portal_ui.domain.roles import create_role
from portal_ui.domain.users import create_user
from portal_ui.models import AuditEvent, Organization
from tests.api.management_helpers import SYSTEM, error_code, rows, seed



def test_create_organization_kinde_shape_and_audit(client, m2m_headers, engine):
    r = client.post("/api/v1/organization", json={"name": "Acme", "external_id": "crm-1",
                                                   "billing_email": "Pay@Acme.example"},
                    headers=m2m_headers("create:organizations", client_id="prov"))
    assert r.status_code == 200
    body = r.json()
    assert body["code"] == "OK" and body["message"] and body["organization"]["code"].startswith("org_")
    [org] = rows(engine, Organization)
    assert (org.code, org.name, org.external_id, org.billing_email) == (
        body["organization"]["code"], "Acme", "crm-1", "pay@acme.example")
    [event] = rows(engine, AuditEvent)
    assert (event.action, event.actor_id, event.org_code) == ("organization.created", "prov", org.code)


def test_kinde_sdk_fields_are_accepted(client, m2m_headers):
    body = {"name": "Acme", "feature_flags": {"beta": "bool"}, "background_color": "#fff", "theme_code": "dark",
            "handle": "acme", "is_allow_registrations": True, "is_auto_membership_enabled": False,
            "sender_name": "Acme", "sender_email": "hi@acme.example", "is_create_billing_customer": False}
    assert client.post("/api/v1/organization", json=body, headers=m2m_headers("create:organizations")).status_code == 200


def test_creator_user_id_extension_assigns_creator_roles(client, m2m_headers, engine):
    seed(engine, create_role, key="owner", name="Owner", assign_to_creator=True)
    user = seed(engine, create_user, email="c@example.com")
    r = client.post("/api/v1/organization", json={"name": "Acme", "creator_user_id": user.id},
                    headers=m2m_headers("create:organizations"))
    code = r.json()["organization"]["code"]
    roles = client.get(f"/api/v1/organizations/{code}/users/{user.id}/roles",
                       headers=m2m_headers("read:organization_user_roles")).json()["roles"]
    assert [r["key"] for r in roles] == ["owner"]


@pytest.mark.parametrize("body,code", [
    ({}, "INVALID_INPUT"), ({"name": ""}, "NAME_REQUIRED"), ({"name": "  "}, "NAME_REQUIRED"),
    ({"name": 12}, "INVALID_INPUT"), ({"name": "x" * 256}, "INVALID_INPUT"), ({"name": "A", "code": "org_x"}, "INVALID_INPUT"),
    ({"name": "A", "billing_email": "nope"}, "INVALID_EMAIL"),
    ({"name": "A", "is_create_billing_customer": True}, "UNSUPPORTED_BILLING"),
    ({"name": "A", "creator_user_id": "kp_nobody"}, "USER_NOT_FOUND"),
    ({"name": "A", "is_auto_membership_enabled": "yes"}, "INVALID_INPUT"),
])
def test_create_organization_bad_input_is_400_without_writes(client, m2m_headers, engine, body, code):
    r = client.post("/api/v1/organization", json=body, headers=m2m_headers("create:organizations"))
    assert r.status_code == 400 and error_code(r) == code
    assert rows(engine, Organization) == [] and rows(engine, AuditEvent) == []


def test_duplicate_external_id_is_409(client, m2m_headers):
    headers = m2m_headers("create:organizations")
    client.post("/api/v1/organization", json={"name": "A", "external_id": "same"}, headers=headers)
    r = client.post("/api/v1/organization", json={"name": "B", "external_id": "same"}, headers=headers)
    assert r.status_code == 409


@pytest.mark.parametrize("method,path,scope", [
    ("post", "/api/v1/organization", "create:organizations"),
    ("get", "/api/v1/organization?code=org_x", "read:organizations"),
    ("get", "/api/v1/organizations", "read:organizations"),
])
def test_routes_need_the_scope(client, m2m_headers, method, path, scope):
    kwargs = {"json": {"name": "A"}} if method == "post" else {}
    assert getattr(client, method)(path, **kwargs).status_code == 403
    assert getattr(client, method)(path, headers=m2m_headers("read:users"), **kwargs).status_code == 403
    assert getattr(client, method)(path, headers=m2m_headers(scope), **kwargs).status_code != 403


def test_get_organization(client, m2m_headers, engine):
    org = seed(engine, create_organization, name="Acme", external_id="crm-1")
    headers = m2m_headers("read:organizations")
    body = client.get(f"/api/v1/organization?code={org.code}", headers=headers).json()
    assert (body["code"], body["name"], body["external_id"], body["is_default"]) == (org.code, "Acme", "crm-1", False)
    assert body["created_on"].endswith("+00:00")
    missing = client.get("/api/v1/organization?code=org_missing", headers=headers)
    assert missing.status_code == 404 and error_code(missing) == "ORGANIZATION_NOT_FOUND"
    assert client.get("/api/v1/organization", headers=headers).status_code == 400
    assert client.get(f"/api/v1/organization?code={org.code}&expand=x", headers=headers).status_code == 400
    assert client.get(f"/api/v1/organization?code={org.code}&expand=billing", headers=headers).status_code == 200


def test_list_organizations(client, m2m_headers, engine):
    for name in ("b", "a", "c"):
        seed(engine, create_organization, name=name)
    headers = m2m_headers("read:organizations")
    body = client.get("/api/v1/organizations?sort=name_asc&page_size=2", headers=headers).json()
    assert body["code"] == "OK" and [o["name"] for o in body["organizations"]] == ["a", "b"]
    assert set(body["organizations"][0]) == {"code", "name", "handle", "is_default", "external_id",
                                             "is_auto_membership_enabled"}
    rest = client.get(f"/api/v1/organizations?sort=name_asc&page_size=2&next_token={body['next_token']}",
                      headers=headers).json()
    assert [o["name"] for o in rest["organizations"]] == ["c"] and "next_token" not in rest
    assert client.get("/api/v1/organizations?sort=size", headers=headers).status_code == 400
    assert client.get(f"/api/v1/organizations?next_token={body['next_token']}", headers=headers).status_code == 400
