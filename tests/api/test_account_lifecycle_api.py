""""Download my data" (`GET /profile/my-data.json`, the portal session cookie) and the Management
API's `DELETE /api/v1/user?id=` (scope delete:users)."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from portal_ui import db
from portal_ui.demo.personas import DEMO_ORG_CODE
from portal_ui.domain.api_keys import create_key
from portal_ui.domain.audit import Actor
from portal_ui.domain.links import create_link
from portal_ui.domain.portal_settings import update_environment_settings
from portal_ui.models import AuditEvent, Membership, User
from tests.api.test_invoice_downloads import session_cookie

EXPORT = "/profile/my-data.json"
OLIVIA, VIC, BEA = "kp_demo_olivia", "kp_demo_vic", "kp_demo_bea"


def test_a_user_downloads_their_own_data(demo, client, user_headers, engine):
    with db.session_scope(engine) as s:
        _key, secret = create_key(s, actor=Actor(type="user", id=VIC), name="Laptop", type="user", user_id=VIC)
    resp = client.get(EXPORT, headers=session_cookie(client, user_headers, VIC, DEMO_ORG_CODE))
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "application/json"
    assert resp.headers["content-disposition"].startswith('attachment; filename="my-data-kp_demo_vic-')
    assert resp.headers["cache-control"] == "no-store"
    data = resp.json()
    assert data["profile"]["email"] == "vic@acme.example"
    assert [(m["organization_name"], m["roles"]) for m in data["memberships"]] == [("Acme", ["viewer"])]
    assert [k["name"] for k in data["api_keys"]] == ["Laptop"] and secret not in resp.text
    assert "portal_session.started" in {e["action"] for e in data["audit_events"]}
    with db.session_scope(engine) as s:
        assert s.exec(select(AuditEvent.actor_id).where(AuditEvent.action == "user.data_exported")).all() == [VIC]


def test_without_a_live_session_nothing_is_exported(demo, client, user_headers, engine, settings):
    for headers in ({}, {"cookie": "portal_session=made-up"}, {"cookie": "portal_session=" + "x" * 5000}):
        resp = client.get(EXPORT, headers=headers)
        assert resp.status_code == 403 and "text/html" in resp.headers["content-type"]
        assert "vic@acme.example" not in resp.text
    cookie = session_cookie(client, user_headers, BEA)
    with db.session_scope(engine) as s:  # the profile function switched off: no download either
        update_environment_settings(s, settings, {"user_functions": {"profile": False}}, Actor.system("test"))
    assert client.get(EXPORT, headers=cookie).status_code == 403
    assert client.post(EXPORT, headers=cookie).status_code == 405
    with db.session_scope(engine) as s:
        assert s.exec(select(AuditEvent).where(AuditEvent.action == "user.data_exported")).all() == []


def test_a_preview_session_gets_no_download(demo, client, engine, settings):
    with db.session_scope(engine) as s:
        link = create_link(s, settings, user_id=BEA, sub_nav="profile", actor=Actor.system("test"),
                           preview={"permissions": []})
    resp = client.get(link, follow_redirects=False)
    cookie = {"cookie": f"portal_session={resp.cookies['portal_session']}"}
    client.cookies.clear()
    assert client.get(EXPORT, headers=cookie).status_code == 403


def test_management_api_deletes_a_user(demo, client, m2m_headers, engine):
    resp = client.delete(f"/api/v1/user?id={VIC}", headers=m2m_headers("delete:users", client_id="backend"))
    assert resp.status_code == 200, resp.text
    assert resp.json() == {"code": "USER_DELETED", "message": "User successfully deleted"}
    with db.session_scope(engine) as s:
        vic = s.get(User, VIC)
        assert vic.deleted_on is not None and vic.email is None
        assert s.exec(select(Membership).where(Membership.user_id == VIC)).all() == []
        assert s.exec(select(AuditEvent.actor_id).where(AuditEvent.action == "user.deleted")).all() == ["backend"]
    assert client.get(f"/api/v1/user?id={VIC}", headers=m2m_headers("read:users")).status_code == 404
    again = client.delete(f"/api/v1/user?id={VIC}", headers=m2m_headers("delete:users"))
    assert again.status_code == 404 and again.json()["errors"][0]["code"] == "USER_NOT_FOUND"


def test_management_api_will_not_delete_a_last_owner(demo, client, m2m_headers, engine):
    resp = client.delete(f"/api/v1/user?id={OLIVIA}", headers=m2m_headers("delete:users"))
    assert resp.status_code == 409
    assert resp.json()["errors"][0]["code"] == "LAST_OWNER"
    with db.session_scope(engine) as s:
        assert s.get(User, OLIVIA).deleted_on is None


@pytest.mark.parametrize("query", ["", "?id=", "?id=" + "x" * 200, f"?id={VIC}&is_delete_profile=maybe"])
def test_management_api_bad_delete_requests_are_400(demo, client, m2m_headers, query):
    resp = client.delete(f"/api/v1/user{query}", headers=m2m_headers("delete:users"))
    assert resp.status_code == 400


def test_management_api_delete_needs_the_scope(demo, client, m2m_headers, user_headers):
    assert client.delete(f"/api/v1/user?id={VIC}", headers=m2m_headers("read:users")).status_code == 403
    assert client.delete(f"/api/v1/user?id={VIC}", headers=user_headers(VIC)).status_code == 403
    assert client.delete(f"/api/v1/user?id={VIC}").status_code == 403


def test_openapi_documents_delete_user(client):
    doc = client.get("/api/openapi.json").json()
    op = doc["paths"]["/api/v1/user"]["delete"]
    assert op["x-scope"] == "delete:users"
    assert {p["name"] for p in op["parameters"]} == {"id", "is_delete_profile"}
    assert json.dumps(op).count("LAST_OWNER") == 1
