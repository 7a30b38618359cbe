"""Verified domains and join requests over the Management API, DNS answered by a local dnslib server."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from portal_ui.demo.personas import DEMO_ORG_CODE
from portal_ui.domain import join_requests
from portal_ui.domain.audit import Actor
from portal_ui.domain.users import create_user
from portal_ui.models import AuditEvent, Invitation, Membership
from tests.api.management_helpers import error_code
from tests.dns_server import serve_dns

PATH = f"/api/v1/organizations/{DEMO_ORG_CODE}/domains"
JOIN = f"/api/v1/organizations/{DEMO_ORG_CODE}/join_requests"
ALL = ("read:organization_domains", "create:organization_domains", "update:organization_domains",
       "delete:organization_domains")


@pytest.fixture(scope="module")
def dns_server():
    yield from serve_dns()


@pytest.fixture
def dns(dns_server, env, demo):
    records, (host, port) = dns_server
    records.clear()
    env(PORTAL_DNS_RESOLVER=f"{host}:{port}")
    return records


def _add(client, m2m_headers, name="acme-widgets.com"):
    response = client.post(PATH, json={"domain": name}, headers=m2m_headers(*ALL))
    assert response.status_code == 201, response.text
    return response.json()["domain"]


def _verified(client, m2m_headers, dns, name="acme-widgets.com", mode="suggest"):
    domain = _add(client, m2m_headers, name)
    dns.set_txt(domain["verification"]["name"], domain["verification"]["value"])
    assert client.post(f"{PATH}/{domain['id']}/verify", headers=m2m_headers(*ALL)).status_code == 200
    response = client.patch(f"{PATH}/{domain['id']}", json={"enrolment": mode}, headers=m2m_headers(*ALL))
    assert response.status_code == 200, response.text
    return response.json()["domain"]


def test_add_verify_set_enrolment_and_remove(client, m2m_headers, dns, engine):
    domain = _add(client, m2m_headers, "Bücher-Shop.DE")
    assert (domain["domain"], domain["display_name"], domain["status"], domain["enrolment"]) == \
        ("xn--bcher-shop-9db.de", "bücher-shop.de", "pending", "manual")
    assert domain["verification"]["type"] == "TXT"
    assert domain["verification"]["name"] == "_portal-verification.xn--bcher-shop-9db.de"
    assert domain["expires_on"] is not None

    verify = f"{PATH}/{domain['id']}/verify"
    missing = client.post(verify, headers=m2m_headers(*ALL))
    assert missing.status_code == 409 and error_code(missing) == "DOMAIN_NOT_VERIFIED"
    assert "No TXT record was found at _portal-verification.xn--bcher-shop-9db.de" in missing.text
    dns.fail(domain["verification"]["name"])
    failed = client.post(verify, headers=m2m_headers(*ALL))
    assert failed.status_code == 409 and error_code(failed) == "DNS_LOOKUP_FAILED"
    dns.clear()
    dns.set_txt(domain["verification"]["name"], domain["verification"]["value"])
    verified = client.post(verify, headers=m2m_headers(*ALL)).json()["domain"]
    assert (verified["status"], verified["expires_on"]) == ("verified", None)

    patched = client.patch(f"{PATH}/{domain['id']}", json={"enrolment": "suggest"}, headers=m2m_headers(*ALL))
    assert patched.json()["domain"]["enrolment"] == "suggest"
    listed = client.get(PATH, headers=m2m_headers(*ALL)).json()["domains"]
    assert [(d["domain"], d["status"], d["enrolment"]) for d in listed] == [("xn--bcher-shop-9db.de", "verified",
                                                                             "suggest")]
    assert client.delete(f"{PATH}/{domain['id']}", headers=m2m_headers(*ALL)).status_code == 200
    assert client.get(PATH, headers=m2m_headers(*ALL)).json()["domains"] == []
    with Session(engine) as s:
        actions = [e.action for e in s.exec(select(AuditEvent).where(AuditEvent.action.like("domain.%"))).all()]
        actors = {e.actor_type for e in s.exec(select(AuditEvent).where(AuditEvent.action.like("domain.%"))).all()}
    assert actions == ["domain.added", "domain.verified", "domain.enrolment_changed", "domain.removed"]
    assert actors == {"m2m"}


@pytest.mark.parametrize("body, code", [
    ({"domain": "gmail.com"}, "CONSUMER_DOMAIN"), ({"domain": "not a domain"}, "INVALID_DOMAIN"),
    ({"domain": "x" * 400}, "INVALID_INPUT"), ({"domain": 7}, "INVALID_INPUT"), ({}, "INVALID_INPUT"),
    ({"domain": "ok.example.org", "verified": True}, "INVALID_INPUT"),
])
def test_bad_domains_are_a_400_naming_the_problem(client, m2m_headers, dns, body, code):
    response = client.post(PATH, json=body, headers=m2m_headers(*ALL))
    assert response.status_code == 400 and error_code(response) == code
    if code == "CONSUMER_DOMAIN":
        assert "personal email provider" in response.text


def test_enrolment_of_an_unverified_domain_or_an_unknown_mode_is_refused(client, m2m_headers, dns):
    domain = _add(client, m2m_headers)
    item = f"{PATH}/{domain['id']}"
    assert error_code(client.patch(item, json={"enrolment": "suggest"}, headers=m2m_headers(*ALL))) == \
        "DOMAIN_NOT_VERIFIED"
    assert client.patch(item, json={"enrolment": "all"}, headers=m2m_headers(*ALL)).status_code == 400
    assert client.patch(f"{PATH}/dom_nope", json={"enrolment": "manual"}, headers=m2m_headers(*ALL)).status_code \
        == 404


@pytest.mark.parametrize("method, suffix, scope", [
    ("GET", "", "read:organization_domains"), ("POST", "", "create:organization_domains"),
    ("PATCH", "/dom_x", "update:organization_domains"), ("DELETE", "/dom_x", "delete:organization_domains"),
    ("POST", "/dom_x/verify", "update:organization_domains"),
])
def test_each_route_needs_its_scope(client, m2m_headers, dns, method, suffix, scope):
    others = [s for s in ALL if s != scope]
    body = {"domain": "ok.example.org"} if method == "POST" and not suffix else (
        {"enrolment": "manual"} if method == "PATCH" else None)
    refused = client.request(method, PATH + suffix, json=body, headers=m2m_headers(*others))
    assert refused.status_code == 403
    assert client.request(method, PATH + suffix, json=body, headers=m2m_headers(scope)).status_code != 403


def test_join_requests_are_listed_and_decided(client, m2m_headers, dns, engine):
    _verified(client, m2m_headers, dns)
    with Session(engine, expire_on_commit=False) as s:
        user = create_user(s, actor=Actor.system("test"), given_name="Jo", email="jo@acme-widgets.com")
        request = join_requests.ask_to_join(s, actor=Actor(type="user", id=user.id), user_id=user.id,
                                            org_code=DEMO_ORG_CODE)
        s.commit()
    scopes = ("read:organization_join_requests", "update:organization_join_requests")
    assert client.get(JOIN, headers=m2m_headers("read:organization_domains")).status_code == 403
    listed = client.get(JOIN, headers=m2m_headers(*scopes)).json()
    assert listed["total"] == 1 and listed["join_requests"][0]["email"] == "jo@acme-widgets.com"
    assert client.post(f"{JOIN}/{request.id}/approve", json={"roles": ["billing_manager"]},
                       headers=m2m_headers("read:organization_join_requests")).status_code == 403
    approved = client.post(f"{JOIN}/{request.id}/approve", json={"roles": ["billing_manager"]},
                           headers=m2m_headers(*scopes))
    assert approved.status_code == 200, approved.text
    assert approved.json()["join_request"]["status"] == "approved" and approved.json()["is_sent"] is False
    again = client.post(f"{JOIN}/{request.id}/reject", headers=m2m_headers(*scopes))
    assert again.status_code == 409 and error_code(again) == "JOIN_REQUEST_DECIDED"
    with Session(engine) as s:
        assert s.exec(select(Membership).where(Membership.user_id == user.id)).first() is not None


def test_a_user_created_at_an_automatic_domain_is_invited(client, m2m_headers, dns, engine):
    _verified(client, m2m_headers, dns, mode="automatic")
    body = {"profile": {"given_name": "Ada"}, "identities": [{"type": "email", "details": {"email": "ada@acme-widgets.com"}}]}
    assert client.post("/api/v1/user", json=body, headers=m2m_headers("create:users")).status_code == 200
    with Session(engine) as s:
        invitation = s.exec(select(Invitation).where(Invitation.email == "ada@acme-widgets.com")).one()
    assert (invitation.org_code, invitation.status) == (DEMO_ORG_CODE, "pending")
