"""Management API: organization invitations."""

import pytest

from portal_ui.domain.invitations import create_invitation
from portal_ui.domain.organizations import create_organization
from portal_ui.domain.roles import create_role
from portal_ui.models import AuditEvent, Invitation
from tests.api.management_helpers import SYSTEM, error_code, rows, seed



@pytest.fixture
def org(engine):
    seed(engine, create_role, key="admin", name="Administrator")
    return seed(engine, create_organization, name="Acme")


def invites(org_code, *rest):
    return "/".join([f"/api/v1/organization/{org_code}/invites", *rest])


def test_create_invite_201_kinde_shape_and_audit(client, m2m_headers, engine, org):
    r = client.post(invites(org.code), json={"email": "New@Example.com", "first_name": "New", "last_name": "Person",
                                             "roles": ["admin"], "send_email": False},
                    headers=m2m_headers("create:organization_invites", client_id="prov"))
    assert r.status_code == 201
    body = r.json()
    assert (body["code"], body["message"]) == ("INVITATION_CREATED", "Invitation created")
    invite = body["invite"]
    assert invite["id"] == invite["code"] and invite["code"].startswith("inv_")
    assert (invite["email"], invite["full_name"], invite["is_revoked"], invite["accepted_on"]) == (
        "new@example.com", "New Person", False, None)
    assert invite["roles"] == [{"key": "admin", "name": "Administrator"}]
    [event] = rows(engine, AuditEvent, AuditEvent.action == "invitation.created")
    assert (event.actor_id, event.org_code, event.target_id) == ("prov", org.code, invite["code"])


@pytest.mark.parametrize("body,status,code", [
    ({"email": "a@example.com"}, 400, "INVALID_INPUT"),  # roles is required, as in Kinde
    ({"roles": []}, 400, "INVALID_INPUT"),
    ({"email": "bad", "roles": []}, 400, "INVALID_EMAIL"),
    ({"email": "a" * 64 + "@" + "b" * 190 + ".com", "roles": []}, 400, "EMAIL_TOO_LONG"),
    ({"email": "a@example.com", "first_name": "f" * 65, "roles": []}, 400, "FIRST_NAME_TOO_LONG"),
    ({"email": "a@example.com", "last_name": "l" * 65, "roles": []}, 400, "LAST_NAME_TOO_LONG"),
    ({"email": "a@example.com", "roles": ["ghost"]}, 400, "ROLE_NOT_FOUND"),
    ({"email": "a@example.com", "roles": "admin"}, 400, "INVALID_INPUT"),
    ({"email": "a@example.com", "roles": [], "send_email": "yes"}, 400, "INVALID_INPUT"),
    ({"email": "a@example.com", "roles": [], "expires": 3}, 400, "INVALID_INPUT"),
    ({"email": ["a@example.com"], "roles": []}, 400, "INVALID_INPUT"),
])
def test_create_invite_bad_input(client, m2m_headers, engine, org, body, status, code):
    r = client.post(invites(org.code), json=body, headers=m2m_headers("create:organization_invites"))
    assert r.status_code == status and error_code(r) == code
    assert rows(engine, Invitation) == []


def test_duplicate_pending_invite_is_409(client, m2m_headers, org):
    headers = m2m_headers("create:organization_invites")
    assert client.post(invites(org.code), json={"email": "d@example.com", "roles": []}, headers=headers).status_code == 201
    r = client.post(invites(org.code), json={"email": "D@example.com", "roles": []}, headers=headers)
    assert r.status_code == 409 and error_code(r) == "INVITATION_ALREADY_PENDING"


def test_unknown_org_is_404(client, m2m_headers):
    r = client.post(invites("org_missing"), json={"email": "a@example.com", "roles": []},
                    headers=m2m_headers("create:organization_invites"))
    assert r.status_code == 404
    assert client.get(invites("org_missing"), headers=m2m_headers("read:organization_invites")).status_code == 404


def test_list_and_revoke(client, m2m_headers, engine, org):
    a = seed(engine, create_invitation, org_code=org.code, email="a@example.com", role_keys=["admin"])
    b = seed(engine, create_invitation, org_code=org.code, email="b@example.com")
    read = m2m_headers("read:organization_invites")
    body = client.get(invites(org.code) + "?sort=email_asc", headers=read).json()
    assert body["code"] == "OK" and [i["code"] for i in body["invites"]] == [a.code, b.code]
    assert body["invites"][0]["roles"] == [{"key": "admin", "name": "Administrator"}]
    delete = m2m_headers("delete:organization_invites", client_id="prov")
    r = client.delete(invites(org.code, a.code), headers=delete)
    assert r.status_code == 200 and r.json()["code"] == "OK"
    assert [i["code"] for i in client.get(invites(org.code), headers=read).json()["invites"]] == [b.code]
    revoked = client.get(invites(org.code) + "?include_revoked=true&sort=email_asc", headers=read).json()["invites"]
    assert [(i["code"], i["is_revoked"]) for i in revoked] == [(a.code, True), (b.code, False)]
    [event] = rows(engine, AuditEvent, AuditEvent.action == "invitation.revoked")
    assert (event.actor_id, event.target_id, event.after) == ("prov", a.code, {"status": "revoked"})
    assert client.delete(invites(org.code, a.code), headers=delete).status_code == 409
    missing = client.delete(invites(org.code, "inv_missing"), headers=delete)
    assert missing.status_code == 404 and error_code(missing) == "INVITATION_NOT_FOUND"


def test_list_paging_and_bad_query(client, m2m_headers, engine, org):
    for i in range(3):
        seed(engine, create_invitation, org_code=org.code, email=f"p{i}@example.com")
    read = m2m_headers("read:organization_invites")
    first = client.get(invites(org.code) + "?page_size=2", headers=read).json()
    rest = client.get(invites(org.code) + f"?page_size=2&next_token={first['next_token']}", headers=read).json()
    assert len(first["invites"]) == 2 and len(rest["invites"]) == 1 and "next_token" not in rest
    for query in ("sort=role", "include_revoked=maybe", "page_size=-1", "next_token=abc", "status=all"):
        assert client.get(invites(org.code) + "?" + query, headers=read).status_code == 400


@pytest.mark.parametrize("method,suffix,scope", [
    ("post", "", "create:organization_invites"), ("get", "", "read:organization_invites"),
    ("delete", "/inv_x", "delete:organization_invites"),
])
def test_routes_need_the_scope(client, m2m_headers, org, method, suffix, scope):
    path = invites(org.code) + suffix
    kwargs = {"json": {"email": "a@example.com", "roles": []}} if method == "post" else {}
    assert getattr(client, method)(path, **kwargs).status_code == 403
    assert getattr(client, method)(path, headers=m2m_headers("read:organizations"), **kwargs).status_code == 403
    assert getattr(client, method)(path, headers=m2m_headers(scope), **kwargs).status_code != 403


def test_invitation_email_beyond_the_hourly_allowance_is_429(client, m2m_headers, engine, org, env, monkeypatch):
    from portal_ui.domain import invitations
    from tests.domain.smtp_inbox import Inbox, serve

    monkeypatch.setattr(invitations, "EMAILS_PER_MEMBER_PER_HOUR", 2)
    server = serve(Inbox())
    inbox, port = next(server)
    try:
        env(PORTAL_SMTP_URL=f"smtp://127.0.0.1:{port}")
        headers = m2m_headers("create:organization_invites", "delete:organization_invites", client_id="prov")
        for _ in range(2):  # invite, revoke, invite again: each one emailed
            r = client.post(invites(org.code), json={"email": "victim@corp.example", "roles": [], "send_email": True},
                            headers=headers)
            assert r.status_code == 201 and r.json()["invite"]["is_sent"] is True
            assert client.delete(invites(org.code, r.json()["invite"]["code"]), headers=headers).status_code == 200
        r = client.post(invites(org.code), json={"email": "victim@corp.example", "roles": [], "send_email": True},
                        headers=headers)
        assert r.status_code == 429 and error_code(r) == "TOO_MANY_REQUESTS"
        assert r.json()["errors"][0]["message"].startswith("Too many invitations")
        assert 3000 < int(r.headers["Retry-After"]) <= 3600
        assert len(inbox.messages) == 2 and len(rows(engine, Invitation)) == 2  # nothing new was made
        # Without an email, the host app may still record invitations.
        quiet = client.post(invites(org.code), json={"email": "victim@corp.example", "roles": []}, headers=headers)
        assert quiet.status_code == 201 and quiet.json()["invite"]["is_sent"] is False
    finally:
        next(server, None)


@pytest.mark.parametrize("email", ["a,victim@corp.example", "a@example.com, victim@corp.example",
                                   "a@example.com\r\nBcc: victim@corp.example", "Victim <victim@corp.example>"])
def test_an_address_that_names_more_than_one_recipient_is_400(client, m2m_headers, engine, org, email):
    r = client.post(invites(org.code), json={"email": email, "roles": [], "send_email": True},
                    headers=m2m_headers("create:organization_invites"))
    assert r.status_code == 400 and error_code(r) == "INVALID_EMAIL"
    assert rows(engine, Invitation) == []
