"""Management API under the member rules: the last member admin, invitation email and limits,
and two concurrent demotions over HTTP (SQLite and PostgreSQL)."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
from sqlmodel import Session, select
from starlette.testclient import TestClient

from portal_ui import db
from portal_ui.domain import audit, invitations
from portal_ui.domain.role_policy import writer_count
from portal_ui.models import Invitation, SystemPermission
from tests.domain.members_world import WRITE, make_member, make_org, make_role
from tests.domain.smtp_inbox import Inbox, free_port, serve


def error_code(response):
    return response.json()["errors"][0]["code"]


def build_world(engine):
    with Session(engine, expire_on_commit=False) as s:
        admin = make_role(s, "admin", ["org:read:members", WRITE])
        viewer = make_role(s, "viewer", ["org:read:members"])
        org = make_org(s, "Acme")
        ann, ben = make_member(s, org, "Ann", admin), make_member(s, org, "Ben", admin)
        s.commit()
    return org, admin, viewer, ann, ben


@pytest.fixture
def world(engine):
    return build_world(engine)


def users_path(org_code, *rest):
    return "/".join([f"/api/v1/organizations/{org_code}/users", *rest])


def invites_path(org_code):
    return f"/api/v1/organization/{org_code}/invites"


def test_the_last_member_admin_is_kept_over_the_api(client, m2m_headers, engine, world):
    org, admin, _, ann, ben = world
    assert client.delete(users_path(org.code, ann), headers=m2m_headers("delete:organization_users")).status_code == 200
    removed = client.delete(users_path(org.code, ben), headers=m2m_headers("delete:organization_users"))
    assert removed.status_code == 409 and error_code(removed) == "LAST_MEMBER_ADMIN"
    assert "org:write:members" in removed.json()["errors"][0]["message"]
    demoted = client.delete(users_path(org.code, ben, "roles", admin.id),
                            headers=m2m_headers("delete:organization_user_roles"))
    assert demoted.status_code == 409 and error_code(demoted) == "LAST_MEMBER_ADMIN"
    with Session(engine) as s:
        perm = s.exec(select(SystemPermission).where(SystemPermission.key == WRITE)).one()
    patched = client.patch(f"/api/v1/roles/{admin.id}/system_permissions",
                           json={"system_permissions": [{"id": perm.id, "operation": "delete"}]},
                           headers=m2m_headers("update:role_system_permissions"))
    assert patched.status_code == 409 and error_code(patched) == "LAST_MEMBER_ADMIN"
    with Session(engine) as s:
        assert writer_count(s, org.code) == 1


# ---- invitations: email and limits --------------------------------------------------------------

@pytest.fixture
def smtp_inbox():
    yield from serve(Inbox())


def test_invite_with_send_email_goes_out_over_smtp(env, m2m_headers, engine, world, smtp_inbox):
    from portal_ui.api.app import build_api

    inbox, port = smtp_inbox
    env(PORTAL_SMTP_URL=f"smtp://127.0.0.1:{port}")
    org = world[0]
    headers = m2m_headers("create:organization_invites")
    with TestClient(build_api(), base_url="http://portal.test") as client:
        sent = client.post(invites_path(org.code), json={"email": "a@example.com", "roles": ["viewer"],
                                                          "send_email": True}, headers=headers)
        quiet = client.post(invites_path(org.code), json={"email": "b@example.com", "roles": []}, headers=headers)
        listed = client.get(invites_path(org.code) + "?sort=email_asc",
                            headers=m2m_headers("read:organization_invites")).json()["invites"]
    assert sent.status_code == 201 and sent.json()["invite"]["is_sent"] is True
    assert quiet.status_code == 201 and quiet.json()["invite"]["is_sent"] is False  # Kinde: send_email defaults false
    assert [m[1] for m in inbox.messages] == [["a@example.com"]]
    assert "Acme" in inbox.messages[0][2]["Subject"]
    assert [(i["email"], i["is_sent"]) for i in listed] == [("a@example.com", True), ("b@example.com", False)]


def test_a_mail_failure_still_creates_the_invitation(env, m2m_headers, engine, world):
    from portal_ui.api.app import build_api

    env(PORTAL_SMTP_URL=f"smtp://127.0.0.1:{free_port()}")  # nothing listens
    org = world[0]
    with TestClient(build_api(), base_url="http://portal.test") as client:
        r = client.post(invites_path(org.code), json={"email": "a@example.com", "roles": [], "send_email": True},
                        headers=m2m_headers("create:organization_invites"))
    assert r.status_code == 201 and r.json()["invite"]["is_sent"] is False
    with Session(engine) as s:
        assert s.exec(select(Invitation.status)).all() == ["pending"]


def test_open_invitation_limit_is_429(client, m2m_headers, world, monkeypatch):
    monkeypatch.setattr(invitations, "MAX_OPEN_INVITATIONS", 2)
    org = world[0]
    headers = m2m_headers("create:organization_invites")
    for i in range(2):
        assert client.post(invites_path(org.code), json={"email": f"n{i}@example.com", "roles": []},
                           headers=headers).status_code == 201
    r = client.post(invites_path(org.code), json={"email": "n2@example.com", "roles": []}, headers=headers)
    assert r.status_code == 429 and error_code(r) == "TOO_MANY_OPEN_INVITATIONS"
    dup = client.post(invites_path(org.code), json={"email": "n0@example.com", "roles": []}, headers=headers)
    assert dup.status_code == 409 and "n0@example.com" in dup.json()["errors"][0]["message"]


# ---- two concurrent demotions over HTTP ---------------------------------------------------------

def _race_demotions(settings, monkeypatch) -> list[int]:
    from portal_ui.api.app import build_api
    from portal_ui.tokens.issue import mint_m2m_token

    org, admin, _, ann, ben = build_world(db.get_engine())
    record = audit.record

    def slow_record(*args, **kwargs):  # hold each transaction open after its write
        event = record(*args, **kwargs)
        time.sleep(0.15)
        return event

    monkeypatch.setattr(audit, "record", slow_record)
    from tests.conftest import register_m2m_client

    register_m2m_client(settings.db_url, "racer", ["delete:organization_user_roles"])
    token = mint_m2m_token(settings, "racer", ["delete:organization_user_roles"])
    app, barrier = build_api(), Barrier(2)

    def demote(user_id):
        with TestClient(app, base_url=settings.public_url, raise_server_exceptions=False) as client:
            barrier.wait()
            return client.delete(users_path(org.code, user_id, "roles", admin.id),
                                 headers={"Authorization": f"Bearer {token}"})

    with ThreadPoolExecutor(2) as pool:
        responses = list(pool.map(demote, [ann, ben]))
    with Session(db.get_engine()) as s:
        assert writer_count(s, org.code) == 1
    refused = [r for r in responses if r.status_code != 200]
    assert [error_code(r) for r in refused] == ["LAST_MEMBER_ADMIN"]
    return sorted(r.status_code for r in responses)


def test_concurrent_demotions_over_http_on_sqlite(settings, monkeypatch):
    assert _race_demotions(settings, monkeypatch) == [200, 409]


@pytest.mark.postgres
def test_concurrent_demotions_over_http_on_postgresql(env, pg_url, monkeypatch):
    settings = env(REFLEX_DB_URL=pg_url)
    assert _race_demotions(settings, monkeypatch) == [200, 409]
