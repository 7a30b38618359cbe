"""Invitation emails: sent through a real local SMTP server (aiosmtpd), never losing the invitation."""

from __future__ import annotations

import logging

import pytest
from sqlmodel import select

from portal_ui.domain.audit import Actor
from portal_ui.domain.invitations import create_invitation, invite_member
from portal_ui.domain.mailer import MailConfigError, deliver_invitation, parse_smtp_url
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
