"""Verified domains and join requests in a real browser, DNS answered by the tests' own dnslib server
(tests/ui/conftest.py passes its address to the portal as PORTAL_DNS_RESOLVER); and that a session
without org:write:details (or org:write:members) gets nothing done through the handlers, called
over the websocket."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import Page, expect
from reflex_base.utils.format import format_event_handler
from sqlmodel import select

from portal_ui.demo.personas import DEMO_ORG_CODE
from portal_ui.domain import domains, join_requests
from portal_ui.domain.audit import Actor
from portal_ui.domain.members import remove_member
from portal_ui.domain.users import create_user
from portal_ui.models import JoinRequest, Membership, OrganizationDomain
from portal_ui.ui.state import DomainsState
from portal_ui.ui.state.join_requests import JoinRequestsState
from tests.ui.helpers import enter
from tests.ui.portal_db import domain_session
from tests.ui.socket_tab import SocketTab
from tests.ui.test_guards import session_cookie

pytestmark = pytest.mark.browser

OLIVIA, VIC = "kp_demo_olivia", "kp_demo_vic"
SYSTEM = Actor.system("test")


@pytest.fixture
def domain_name(portal):
    """A fresh domain for the test; the domains and join requests it leaves are removed afterwards."""
    name = f"acme-{uuid.uuid4().hex[:8]}.com"
    yield name
    with domain_session(portal) as (session, _settings):
        for request in session.exec(select(JoinRequest).where(JoinRequest.domain == name)).all():
            if session.exec(select(Membership).where(Membership.user_id == request.user_id,
                                                     Membership.org_code == DEMO_ORG_CODE)).first():
                remove_member(session, actor=SYSTEM, org_code=DEMO_ORG_CODE, user_id=request.user_id)
            session.delete(request)
        for domain in session.exec(select(OrganizationDomain).where(OrganizationDomain.name == name)).all():
            session.delete(domain)


def test_an_admin_verifies_a_domain_and_approves_a_colleague_who_asks_to_join(
        page: Page, portal, dns_records, domain_name, shot):
    enter(page, portal.link(OLIVIA, DEMO_ORG_CODE, "organization_domains"))
    expect(page.locator("#section-title")).to_have_text("Domains")
    page.locator("#domain-input").fill("gmail.com")
    page.locator("#domain-add").click()
    expect(page.locator("#domain-add-error")).to_contain_text("personal email provider")

    page.locator("#domain-input").fill(domain_name.upper())
    page.locator("#domain-add").click()
    card = page.locator(f".domain-card[data-domain='{domain_name}']")
    expect(card.locator(".domain-status")).to_have_text("Unverified")
    expect(card.locator(".domain-when")).to_contain_text("Expires")
    expect(card.locator(".record-name")).to_have_text(f"_portal-verification.{domain_name}")
    value = card.locator(".record-value").inner_text()
    assert value.startswith("portal-verification=")
    expect(page.locator("#domain-input")).to_have_value("")

    card.locator(".verify-domain").click()  # before the record exists
    expect(card.locator(".verify-error")).to_contain_text("No TXT record was found")
    shot("record")
    dns_records.set_txt(f"_portal-verification.{domain_name}", value)
    card.locator(".verify-domain").click()
    expect(card.locator(".domain-status")).to_have_text("Verified")
    expect(card.locator(".record-value")).to_have_count(0)
    card.locator(".enrolment-select").select_option("suggest")
    expect(page.get_by_text(f"People at {domain_name}: Suggest: they can ask to join.")).to_be_visible()
    with domain_session(portal) as (session, _settings):
        stored = session.exec(select(OrganizationDomain).where(OrganizationDomain.name == domain_name)).one()
        assert (stored.status, stored.enrolment) == ("verified", "suggest")
        jo_id = create_user(session, actor=SYSTEM, given_name="Jo", family_name="Joiner", email=f"jo@{domain_name}").id
    shot("verified")

    # Jo, at the domain and in no organization, sees Acme on the profile and asks to join, once.
    enter(page, portal.link(jo_id, None, "profile"))
    offer = page.locator("#join-suggestions li[data-org='Acme']")
    expect(offer).to_contain_text(f"Your email address is at {domain_name}, which Acme has verified.")
    offer.locator(".ask-to-join").click()
    expect(offer.locator(".join-status")).to_have_text("Request sent")
    expect(offer.locator(".ask-to-join")).to_have_count(0)
    shot("asked")

    # Olivia approves, giving the Billing manager role besides the default Viewer role.
    enter(page, portal.link(OLIVIA, DEMO_ORG_CODE, "organization_members"))
    request = page.locator(f"#join-requests li[data-email='jo@{domain_name}']")
    expect(request).to_contain_text("Jo Joiner")
    request.locator(".approve-request").click()
    dialog = page.locator("#approve-dialog")
    expect(dialog).to_contain_text("Choose the roles Jo Joiner gets as a member.")
    dialog.locator(".role-option[data-role='Billing manager']").click()
    shot("approve")
    page.locator("#approve-confirm").click()
    expect(page.get_by_text("Jo Joiner is now a member.")).to_be_visible()
    expect(page.locator("#join-requests-panel")).to_have_count(0)
    page.locator("#member-search").fill("joiner")
    expect(page.locator("#member-table")).to_contain_text(f"jo@{domain_name}")
    with domain_session(portal) as (session, _settings):
        assert session.exec(select(JoinRequest).where(JoinRequest.user_id == jo_id)).one().status == "approved"
        assert join_requests.suggestions_for(session, jo_id) == []  # a member now

    # Removing the domain asks first.
    enter(page, portal.link(OLIVIA, DEMO_ORG_CODE, "organization_domains"))
    page.locator(f".domain-card[data-domain='{domain_name}'] .remove-domain").click()
    expect(page.locator("#remove-domain-dialog")).to_contain_text(f"Remove {domain_name}?")
    page.locator("#remove-domain-confirm").click()
    expect(page.get_by_text(f"{domain_name} removed.")).to_be_visible()
    expect(page.locator(f".domain-card[data-domain='{domain_name}']")).to_have_count(0)


def _handler(state, name: str) -> str:
    return format_event_handler(state.event_handlers[name])


def test_without_the_write_permissions_the_server_refuses_every_change(page: Page, portal, dns_records, domain_name):
    """Vic (a viewer: org:read:details and org:read:members only) sees the section with its controls
    disabled, and the handlers refuse him when called over the websocket: nothing is added, verified,
    switched, removed, or decided. The owner's session, the control, gets the same calls through."""
    with domain_session(portal) as (session, _settings):
        domain = domains.add_domain(session, actor=SYSTEM, org_code=DEMO_ORG_CODE, name=domain_name)
        jo_id = create_user(session, actor=SYSTEM, given_name="Jo", email=f"jo@{domain_name}").id
        domain_id, record_value = domain.id, domains.record_value(domain)
    dns_records.set_txt(f"_portal-verification.{domain_name}", record_value)

    enter(page, portal.link(VIC, DEMO_ORG_CODE, "organization_domains"))
    expect(page.locator("#read-only-note")).to_be_visible()
    expect(page.locator("#domain-add")).to_be_disabled()
    expect(page.locator(f".domain-card[data-domain='{domain_name}'] .verify-domain")).to_be_disabled()

    path = "/org/domains"
    calls = [(_handler(DomainsState, "add_domain"), {"form": {"domain": f"other-{domain_name}"}}),
             (_handler(DomainsState, "verify_domain"), {"domain_id": domain_id}),
             (_handler(DomainsState, "ask_remove"), {"domain_id": domain_id}),
             (_handler(DomainsState, "confirm_remove"), {})]
    cookie = session_cookie(portal, VIC, DEMO_ORG_CODE, "organization_domains")
    with SocketTab(portal.url, f"portal_session={cookie}") as tab:
        answers = "".join(str(tab.send(name, payload, path)) for name, payload in calls)
    assert "You do not have permission" in answers
    with domain_session(portal) as (session, _settings):
        rows = session.exec(select(OrganizationDomain).where(OrganizationDomain.org_code == DEMO_ORG_CODE,
                                                             OrganizationDomain.name.like(f"%{domain_name}"))).all()
        assert [(d.name, d.status) for d in rows] == [(domain_name, "pending")]
        # Verified and in suggest mode by the owner's side; Jo asks; Vic may not decide.
        domains.verify_domain(session, actor=SYSTEM, org_code=DEMO_ORG_CODE, domain_id=domain_id,
                              lookup=lambda _name: [record_value])
        domains.set_enrolment(session, actor=SYSTEM, org_code=DEMO_ORG_CODE, domain_id=domain_id, mode="suggest")
        request = join_requests.ask_to_join(session, actor=Actor(type="user", id=jo_id), user_id=jo_id,
                                            org_code=DEMO_ORG_CODE)
        request_id = request.id
    members = [(_handler(DomainsState, "set_enrolment"), {"domain_id": domain_id, "mode": "automatic"}),
               (_handler(JoinRequestsState, "ask_approve"), {"request_id": request_id}),
               (_handler(JoinRequestsState, "approve"), {"form": {}}),
               (_handler(JoinRequestsState, "ask_reject"), {"request_id": request_id}),
               (_handler(JoinRequestsState, "reject"), {})]
    cookie = session_cookie(portal, VIC, DEMO_ORG_CODE, "organization_members")
    with SocketTab(portal.url, f"portal_session={cookie}") as tab:
        answers = "".join(str(tab.send(name, payload, "/org/members")) for name, payload in members)
        listed = str(tab.send(_handler(JoinRequestsState, "load_join_requests"), {}, "/org/members"))
    assert "You do not have permission" in answers and f"jo@{domain_name}" not in listed
    with domain_session(portal) as (session, _settings):
        assert session.get(OrganizationDomain, domain_id).enrolment == "suggest"
        assert session.get(JoinRequest, request_id).status == "pending"
    # The control: the owner's session lists the request and may open the approve dialog.
    cookie = session_cookie(portal, OLIVIA, DEMO_ORG_CODE, "organization_members")
    with SocketTab(portal.url, f"portal_session={cookie}") as tab:
        listed = str(tab.send(_handler(JoinRequestsState, "load_join_requests"), {}, "/org/members"))
        opened = str(tab.send(_handler(JoinRequestsState, "ask_approve"), {"request_id": request_id}, "/org/members"))
    assert f"jo@{domain_name}" in listed and "Choose the roles" in opened
