"""Verified domains: names, consumer domains, the TXT record checked against a local DNS server
(tests/dns_server.py, never the internet), expiry, enrolment modes, removal, and the audit trail."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from portal_ui.domain import domains
from portal_ui.domain.clock import as_utc, shifted
from portal_ui.domain.dns_check import txt_values
from portal_ui.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from portal_ui.domain.users import create_user
from portal_ui.models import AuditEvent, Invitation, OrganizationDomain
from tests.dns_server import serve_dns
from tests.domain.members_world import M2M, make_member, make_org, make_role, user_actor


@pytest.fixture(scope="module")
def dns_server():
    yield from serve_dns()


@pytest.fixture
def dns(dns_server):
    records, address = dns_server
    records.clear()
    return records, address


def _publish(records, domain):
    records.set_txt(domains.record_name(domain), "v=spf1 -all", domains.record_value(domain))


def _actions(session, org_code):
    return [e.action for e in session.exec(select(AuditEvent).where(AuditEvent.org_code == org_code)
                                           .order_by(AuditEvent.id)).all() if e.action.startswith("domain.")]


@pytest.mark.parametrize("raw, expected", [
    ("Example.COM", "example.com"), ("  example.com.  ", "example.com"), ("Bücher.de", "xn--bcher-kva.de"),
    ("mail.corp.example.co.uk", "mail.corp.example.co.uk"),
])
def test_names_are_lower_cased_idna_hostnames(raw, expected):
    assert domains.parse_domain(raw) == expected
    assert domains.display_name("xn--bcher-kva.de") == "bücher.de"


@pytest.mark.parametrize("raw", [
    "", "   ", "localhost", "example", "exa mple.com", "-bad.com", "bad-.com", "a..com", "under_score.com",
    "192.168.1.1", "intranet.local", "site.test", "x" * 64 + ".com", ("a" * 60 + ".") * 5 + "com", "1.2.3.999",
    "ada@example.com", "https://example.com", "example.com/path", None, 42,
])
def test_what_is_not_a_public_hostname_is_refused(raw):
    with pytest.raises(InvalidInput) as caught:
        domains.parse_domain(raw)
    assert caught.value.code == "INVALID_DOMAIN"
    assert str(caught.value).startswith("domain:")


def test_huge_input_is_refused_before_parsing():
    with pytest.raises(InvalidInput, match="at most 253"):
        domains.parse_domain("a." * 100_000 + "com")


@pytest.mark.parametrize("name", ["gmail.com", "Outlook.com", "yahoo.com", "hotmail.com", "icloud.com",
                                  "proton.me", "mail.yahoo.com"])
def test_consumer_domains_are_refused_with_a_clear_message(session, name):
    org = make_org(session)
    with pytest.raises(InvalidInput) as caught:
        domains.add_domain(session, actor=M2M, org_code=org.code, name=name)
    assert caught.value.code == "CONSUMER_DOMAIN"
    assert "personal email provider" in str(caught.value)
    assert session.exec(select(OrganizationDomain)).all() == []


def test_added_domain_shows_a_txt_record_and_verifies_against_dns(session, dns):
    records, address = dns
    org = make_org(session)
    domain = domains.add_domain(session, actor=M2M, org_code=org.code, name="Acme-Widgets.com")
    assert domain.name == "acme-widgets.com" and domains.status_of(domain) == "pending"
    assert domains.record_name(domain) == "_portal-verification.acme-widgets.com"
    assert domains.record_value(domain).startswith("portal-verification=") and len(domain.token) >= 30

    with pytest.raises(domains.DomainNotVerified, match="No TXT record was found at _portal-verification"):
        domains.verify_domain(session, actor=M2M, org_code=org.code, domain_id=domain.id, resolver=address)
    records.set_txt(domains.record_name(domain), "portal-verification=someone-elses-token")
    with pytest.raises(domains.DomainNotVerified, match="does not hold the expected value"):
        domains.verify_domain(session, actor=M2M, org_code=org.code, domain_id=domain.id, resolver=address)
    _publish(records, domain)
    verified = domains.verify_domain(session, actor=M2M, org_code=org.code, domain_id=domain.id, resolver=address)
    assert domains.status_of(verified) == "verified" and verified.verified_name == "acme-widgets.com"
    assert "_portal-verification.acme-widgets.com" in records.queries
    assert _actions(session, org.code) == ["domain.added", "domain.verified"]


def test_dns_failures_say_so_and_change_nothing(session, dns):
    records, address = dns
    org = make_org(session)
    domain = domains.add_domain(session, actor=M2M, org_code=org.code, name="flaky.example.org")
    records.fail(domains.record_name(domain))
    with pytest.raises(domains.DomainNotVerified, match="DNS lookup .* failed") as caught:
        domains.verify_domain(session, actor=M2M, org_code=org.code, domain_id=domain.id, resolver=address)
    assert caught.value.code == "DNS_LOOKUP_FAILED"
    records.clear()
    records.silence(domains.record_name(domain))
    with pytest.raises(domains.DomainNotVerified, match="did not answer"):
        domains.verify_domain(session, actor=M2M, org_code=org.code, domain_id=domain.id,
                              lookup=lambda name: txt_values(name, resolver=address, timeout=0.3))
    assert domains.status_of(session.get(OrganizationDomain, domain.id)) == "pending"


def test_unverified_domains_expire_after_30_days_and_are_purged(session, dns):
    records, address = dns
    org = make_org(session)
    domain = domains.add_domain(session, actor=M2M, org_code=org.code, name="late.example.org")
    _publish(records, domain)
    assert domains.expires_on(domain) - as_utc(domain.created_on) == timedelta(days=30)
    with shifted(timedelta(days=30, seconds=1)):
        assert domains.status_of(domain) == "expired"
        with pytest.raises(Conflict) as caught:
            domains.verify_domain(session, actor=M2M, org_code=org.code, domain_id=domain.id, resolver=address)
        assert caught.value.code == "DOMAIN_EXPIRED"
        assert domains.purge_expired(session) == 1
    assert session.get(OrganizationDomain, domain.id) is None
    assert _actions(session, org.code) == ["domain.added", "domain.expired"]
    # Adding the name again starts afresh, with a new token.
    again = domains.add_domain(session, actor=M2M, org_code=org.code, name="late.example.org")
    assert again.token != domain.token


def test_a_domain_verified_by_one_organization_is_refused_to_another(session, dns):
    records, address = dns
    first, second = make_org(session, "First"), make_org(session, "Second")
    mine = domains.add_domain(session, actor=M2M, org_code=first.code, name="shared.example.org")
    theirs = domains.add_domain(session, actor=M2M, org_code=second.code, name="shared.example.org")
    _publish(records, mine)
    domains.verify_domain(session, actor=M2M, org_code=first.code, domain_id=mine.id, resolver=address)
    _publish(records, theirs)
    with pytest.raises(Conflict) as caught:
        domains.verify_domain(session, actor=M2M, org_code=second.code, domain_id=theirs.id, resolver=address)
    assert caught.value.code == "DOMAIN_TAKEN"
    with pytest.raises(Conflict, match="verified by another organization"):
        domains.add_domain(session, actor=M2M, org_code=make_org(session, "Third").code, name="shared.example.org")
    with pytest.raises(Conflict) as caught:
        domains.add_domain(session, actor=M2M, org_code=first.code, name="SHARED.example.org")
    assert caught.value.code == "DOMAIN_EXISTS"


def test_enrolment_needs_a_verified_domain_and_a_known_mode(session, dns):
    records, address = dns
    org = make_org(session)
    domain = domains.add_domain(session, actor=M2M, org_code=org.code, name="modes.example.org")
    with pytest.raises(Conflict, match="Verify modes.example.org"):
        domains.set_enrolment(session, actor=M2M, org_code=org.code, domain_id=domain.id, mode="suggest")
    _publish(records, domain)
    domains.verify_domain(session, actor=M2M, org_code=org.code, domain_id=domain.id, resolver=address)
    with pytest.raises(InvalidInput, match="manual, suggest, automatic"):
        domains.set_enrolment(session, actor=M2M, org_code=org.code, domain_id=domain.id, mode="everyone")
    domains.set_enrolment(session, actor=M2M, org_code=org.code, domain_id=domain.id, mode="suggest")
    assert session.get(OrganizationDomain, domain.id).enrolment == "suggest"
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "domain.enrolment_changed")).one()
    assert (event.before["enrolment"], event.after["enrolment"]) == ("manual", "suggest")


def test_automatic_enrolment_invites_people_at_the_domain_through_invitations(session, dns):
    records, address = dns
    org = make_org(session)
    member = make_role(session, "member", default=True)
    at_domain = create_user(session, actor=M2M, given_name="Ann", email="ann@auto.example.org")
    create_user(session, actor=M2M, given_name="Oz", email="oz@elsewhere.example.org")
    domain = domains.add_domain(session, actor=M2M, org_code=org.code, name="auto.example.org")
    _publish(records, domain)
    domains.verify_domain(session, actor=M2M, org_code=org.code, domain_id=domain.id, resolver=address)
    domains.set_enrolment(session, actor=M2M, org_code=org.code, domain_id=domain.id, mode="automatic")
    invitations = session.exec(select(Invitation).where(Invitation.org_code == org.code)).all()
    assert [(i.email, i.role_keys, i.status) for i in invitations] == [("ann@auto.example.org", [member.key],
                                                                         "pending")]
    # A second call (a user created later) does not invite twice.
    assert domains.invite_if_automatic(session, user_id=at_domain.id) == []
    later = create_user(session, actor=M2M, given_name="Lu", email="lu@auto.example.org")
    assert len(domains.invite_if_automatic(session, user_id=later.id)) == 1


def test_removing_a_domain_is_audited(session, dns):
    org = make_org(session)
    domain = domains.add_domain(session, actor=M2M, org_code=org.code, name="gone.example.org")
    domains.remove_domain(session, actor=M2M, org_code=org.code, domain_id=domain.id)
    assert domains.list_domains(session, org.code) == []
    assert _actions(session, org.code) == ["domain.added", "domain.removed"]


def test_portal_users_need_org_write_details(session):
    org = make_org(session)
    reader = make_role(session, "reader", ["org:read:details"])
    writer = make_role(session, "details_writer", ["org:read:details", "org:write:details"])
    viewer_id = make_member(session, org, "Vic", reader)
    writer_id = make_member(session, org, "Wes", writer)
    with pytest.raises(Forbidden):
        domains.add_domain(session, actor=user_actor(viewer_id), org_code=org.code, name="ok.example.org")
    added = domains.add_domain(session, actor=user_actor(writer_id), org_code=org.code, name="ok.example.org")
    with pytest.raises(Forbidden):
        domains.remove_domain(session, actor=user_actor(viewer_id), org_code=org.code, domain_id=added.id)
    # An id from another organization is simply not found there.
    other = make_org(session, "Other")
    with pytest.raises(NotFound):
        domains.remove_domain(session, actor=M2M, org_code=other.code, domain_id=added.id)


def test_an_organization_has_at_most_50_domains(session, monkeypatch):
    org = make_org(session)
    monkeypatch.setattr(domains, "MAX_DOMAINS_PER_ORG", 2)
    domains.add_domain(session, actor=M2M, org_code=org.code, name="one.example.org")
    domains.add_domain(session, actor=M2M, org_code=org.code, name="two.example.org")
    with pytest.raises(Conflict) as caught:
        domains.add_domain(session, actor=M2M, org_code=org.code, name="three.example.org")
    assert caught.value.code == "TOO_MANY_DOMAINS"
