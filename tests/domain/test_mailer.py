"""Invitation emails: sent through a real local SMTP server (aiosmtpd), never losing the invitation."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlmodel import select

from portal_ui.domain.audit import Actor
from portal_ui.domain import invitations
from portal_ui.domain.clock import shifted, utcnow
from portal_ui.domain.invitations import (InvitationEmailLimitReached, create_invitation, invite_member,
                                          revoke_invitation)
from portal_ui.domain.mailer import MailConfigError, deliver_invitation, invitation_email, parse_smtp_url
from portal_ui.domain.secrets import new_id
from portal_ui.models import AuditEvent, Invitation
from tests.domain.members_world import WRITE, make_member, make_org, make_role
from tests.domain.smtp_inbox import Inbox, free_port, serve

M2M = Actor(type="m2m", id="test-client")


@pytest.fixture
def smtp_server():
    yield from serve(Inbox())


@pytest.fixture
def rejecting_smtp_server():
    yield from serve(Inbox("554 5.7.1 Message rejected"))


@pytest.fixture
def invitation(session):
    manager = make_role(session, "manager", [WRITE])
    make_role(session, "editor")
    org = make_org(session, "Acme Rockets")
    inviter = make_member(session, org, "Olivia", manager)
    inv = invite_member(session, actor=Actor(type="user", id=inviter), acting_user_id=inviter, org_code=org.code,
                        email="new@example.com", first_name="Nina", role_keys=["editor"])
    session.commit()
    return inv


def test_invitation_is_emailed_with_org_and_inviter_and_marked_sent(env, session, smtp_server, invitation):
    inbox, port = smtp_server
    settings = env(PORTAL_SMTP_URL=f"smtp://127.0.0.1:{port}?from=invites@acme.example")
    delivery = deliver_invitation(session, settings, actor=M2M, invite_code=invitation.code)
    session.commit()
    assert delivery.sent and "new@example.com" in delivery.message
    [(sender, recipients, message)] = inbox.messages
    assert sender == "invites@acme.example" and recipients == ["new@example.com"]
    assert message["Subject"].startswith("Olivia Test invited you to join Acme Rockets on ")
    body = message.get_content()
    assert "Hello Nina," in body and "Olivia Test invited you to join Acme Rockets" in body and "Editor" in body
    assert invitation.code not in body and "key=" not in body  # nothing that could act as a secret
    assert session.get(Invitation, invitation.code).sent_on is not None
    [event] = session.exec(select(AuditEvent).where(AuditEvent.action == "invitation.email_sent")).all()
    assert event.target_id == invitation.code


def test_without_smtp_url_nothing_is_sent_and_the_invitation_stays(settings, session, invitation):
    delivery = deliver_invitation(session, settings, actor=M2M, invite_code=invitation.code)
    assert not delivery.sent and "not set up" in delivery.message
    assert session.get(Invitation, invitation.code).status == "pending"


def test_an_unreachable_server_is_logged_without_credentials(env, session, invitation, caplog):
    port = free_port()  # nothing listens here
    settings = env(PORTAL_SMTP_URL=f"smtp://smtpuser:s3cret-pw@127.0.0.1:{port}")
    with caplog.at_level(logging.INFO, logger="portal_ui.mailer"):
        delivery = deliver_invitation(session, settings, actor=M2M, invite_code=invitation.code)
    session.commit()
    assert not delivery.sent and "could not be sent" in delivery.message
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert f"127.0.0.1:{port}" in logged and "s3cret-pw" not in logged and "smtpuser" not in logged
    row = session.get(Invitation, invitation.code)
    assert row.status == "pending" and row.sent_on is None


def test_a_refused_message_keeps_the_invitation(env, session, rejecting_smtp_server, invitation, caplog):
    inbox, port = rejecting_smtp_server
    settings = env(PORTAL_SMTP_URL=f"smtp://127.0.0.1:{port}")
    with caplog.at_level(logging.WARNING, logger="portal_ui.mailer"):
        delivery = deliver_invitation(session, settings, actor=M2M, invite_code=invitation.code)
    session.commit()
    assert not delivery.sent and len(inbox.messages) == 1 and "SMTPDataError" in caplog.text
    assert session.get(Invitation, invitation.code).sent_on is None


def test_revoked_invitations_are_not_emailed(env, session, smtp_server):
    inbox, port = smtp_server
    settings = env(PORTAL_SMTP_URL=f"smtp://127.0.0.1:{port}")
    org = make_org(session)
    inv = create_invitation(session, actor=M2M, org_code=org.code, email="x@example.com")
    inv.status = "revoked"
    session.commit()
    assert not deliver_invitation(session, settings, actor=M2M, invite_code=inv.code).sent
    assert inbox.messages == []


def test_smtp_urls():
    plain = parse_smtp_url("smtp://127.0.0.1:2525")
    assert (plain.host, plain.port, plain.implicit_tls, plain.username, plain.sender) == (
        "127.0.0.1", 2525, False, None, None)
    tls = parse_smtp_url("smtps://user%40x:p%2Fw@mail.example?from=Portal@Example.com")
    assert (tls.port, tls.implicit_tls, tls.username, tls.password, tls.sender) == (
        465, True, "user@x", "p/w", "portal@example.com")
    assert tls.label == "mail.example:465"
    for bad in ("http://mail.example", "smtp://", "smtp://h:99999", "smtp://h?from=nobody"):
        with pytest.raises(MailConfigError) as info:
            parse_smtp_url(bad)
        assert "PORTAL_SMTP_URL" in str(info.value)


def _invite_and_email(session, settings, *, actor, email, org_code, inviter=None):
    """What the portal's invite form does: create (refused when over the limit), commit, email."""
    if inviter:
        inv = invite_member(session, actor=actor, acting_user_id=inviter, org_code=org_code, email=email,
                            role_keys=["editor"])
    else:
        inv = create_invitation(session, actor=actor, org_code=org_code, email=email, send_email=True)
    session.commit()
    delivery = deliver_invitation(session, settings, actor=actor, invite_code=inv.code)
    session.commit()
    return inv, delivery


def test_invite_revoke_reinvite_cannot_send_unlimited_email(env, session, smtp_server):
    inbox, port = smtp_server
    settings = env(PORTAL_SMTP_URL=f"smtp://127.0.0.1:{port}")
    manager = make_role(session, "manager", [WRITE])
    make_role(session, "editor")
    org = make_org(session, "Acme Rockets")
    olivia, mia = make_member(session, org, "Olivia", manager), make_member(session, org, "Mia", manager)
    session.commit()
    as_olivia = Actor(type="user", id=olivia)
    for _ in range(invitations.EMAILS_PER_MEMBER_PER_HOUR):
        inv, delivery = _invite_and_email(session, settings, actor=as_olivia, inviter=olivia, org_code=org.code,
                                          email="victim@corp.example")
        assert delivery.sent
        revoke_invitation(session, actor=as_olivia, org_code=org.code, invite_code=inv.code, acting_user_id=olivia)
        session.commit()
    with pytest.raises(InvitationEmailLimitReached) as info:
        _invite_and_email(session, settings, actor=as_olivia, inviter=olivia, org_code=org.code,
                          email="victim@corp.example")
    session.rollback()
    assert info.value.status == 429 and info.value.code == "TOO_MANY_REQUESTS"
    assert info.value.message.startswith("Too many invitations") and "try again in 60 min" in info.value.message
    assert len(inbox.messages) == invitations.EMAILS_PER_MEMBER_PER_HOUR
    assert session.exec(select(Invitation).where(Invitation.status == "pending")).all() == []  # nothing written
    # Another member of the organization still may; and after the hour, so may Olivia.
    assert _invite_and_email(session, settings, actor=Actor(type="user", id=mia), inviter=mia, org_code=org.code,
                             email="victim@corp.example")[1].sent
    with shifted(timedelta(minutes=61)):
        assert _invite_and_email(session, settings, actor=as_olivia, inviter=olivia, org_code=org.code,
                                 email="other@corp.example")[1].sent


def test_invitation_email_is_limited_per_organization(env, session, smtp_server, monkeypatch):
    inbox, port = smtp_server
    settings = env(PORTAL_SMTP_URL=f"smtp://127.0.0.1:{port}")
    monkeypatch.setattr(invitations, "EMAILS_PER_ORG_PER_HOUR", 4)
    org, other = make_org(session, "Acme"), make_org(session, "Globex")
    session.commit()
    for i, client in enumerate(["app-1", "app-1", "app-2", "app-3"]):
        assert _invite_and_email(session, settings, actor=Actor(type="m2m", id=client), org_code=org.code,
                                 email=f"p{i}@example.com")[1].sent
    with pytest.raises(InvitationEmailLimitReached) as info:
        _invite_and_email(session, settings, actor=Actor(type="m2m", id="app-4"), org_code=org.code,
                          email="p9@example.com")
    session.rollback()
    assert "this organization" in info.value.message and info.value.localized("de").startswith("Zu viele Einladungen")
    # Without an email the invitation is still made; another organization has its own allowance.
    create_invitation(session, actor=M2M, org_code=org.code, email="quiet@example.com")
    assert _invite_and_email(session, settings, actor=M2M, org_code=other.code, email="p9@example.com")[1].sent
    assert len(inbox.messages) == 5


def test_an_invitation_made_before_the_allowance_ran_out_is_not_emailed_after(env, session, smtp_server, monkeypatch):
    inbox, port = smtp_server
    settings = env(PORTAL_SMTP_URL=f"smtp://127.0.0.1:{port}")
    monkeypatch.setattr(invitations, "EMAILS_PER_ORG_PER_HOUR", 1)
    org = make_org(session)
    early = create_invitation(session, actor=M2M, org_code=org.code, email="early@example.com", send_email=True)
    session.commit()
    assert _invite_and_email(session, settings, actor=M2M, org_code=org.code, email="first@example.com")[1].sent
    delivery = deliver_invitation(session, settings, actor=M2M, invite_code=early.code)
    session.commit()
    assert not delivery.sent and delivery.message.startswith("Too many invitations")
    assert [recipients for _sender, recipients, _message in inbox.messages] == [["first@example.com"]]
    assert session.get(Invitation, early.code).status == "pending"  # kept; it can be emailed later


def test_an_address_can_never_become_two_recipients_or_extra_headers(env, session, smtp_server):
    inbox, port = smtp_server
    settings = env(PORTAL_SMTP_URL=f"smtp://127.0.0.1:{port}")
    org = make_org(session)
    session.commit()
    for stored in ("a,victim@corp.example", "a@example.com, victim@corp.example", "a@example.com\r\nBcc: v@corp.example",
                   "Victim <victim@corp.example>"):
        # A row written before addresses were validated, or by hand: the mailer checks again.
        row = Invitation(code=new_id("inv"), org_code=org.code, email=stored, role_keys=[], status="pending",
                         created_on=utcnow())
        session.add(row)
        session.commit()
        delivery = deliver_invitation(session, settings, actor=M2M, invite_code=row.code)
        session.commit()
        assert not delivery.sent, stored
    assert inbox.messages == []
    with pytest.raises(ValueError):
        invitation_email(sender="portal@example.com", recipient="a@example.com, victim@corp.example",
                         recipient_name="", org_name="Acme", inviter="", product_name="Acme", roles=[], sign_in_at="")
