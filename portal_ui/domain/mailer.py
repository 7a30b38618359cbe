"""Invitation and join-request emails (and short notices, `deliver_notice`) over SMTP, when
`PORTAL_SMTP_URL` is set (README "Configuration").

URL forms: `smtp://host[:port]` (port 25; STARTTLS whenever the server offers it),
`smtps://host[:port]` (port 465; TLS from the first byte), optional `user:password@` before the
host, optional `?from=sender@example.com` (default: `portal@<host of PORTAL_PUBLIC_URL>`).

Mail goes out *after* the invitation is committed (`deliver_invitation` in its own short
transaction): a failure is logged and reported to the caller, and the invitation stays, readable
by the host app through the invitations API. Logs name the server by host and port only, never
the URL, which may hold a password. The email carries the organization's name, who invited and
the roles offered: no link, key or token.

Each message goes to exactly one recipient: the address is checked again here
(users.normalize_email) and put in the To header as one address, never as text that a comma
could split or a line break extend, and the SMTP envelope names that address alone. The hourly
allowance of invitation emails (portal_ui.domain.invitations) is checked before each send.
"""

from __future__ import annotations

import logging
import math
import smtplib
import ssl
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Callable
from urllib.parse import parse_qs, unquote, urlsplit

from sqlmodel import Session

from portal_ui.domain import audit
from portal_ui.domain.clock import utcnow
from portal_ui.domain.errors import InvalidInput, Text, render, say
from portal_ui.domain.invitations import InvitationEmailLimitReached, check_invitation_email_allowance, role_names
from portal_ui.domain.users import live_user_row, normalize_email
from portal_ui.models import Invitation, Organization, User
from portal_ui.settings import Settings, origin_of

log = logging.getLogger("portal_ui.mailer")

SMTP_TIMEOUT_SECONDS = 10.0
_LOOPBACK = {"localhost", "127.0.0.1", "::1"}


class MailConfigError(ValueError):
    """PORTAL_SMTP_URL cannot be used; the message says how to fix it and never repeats the URL."""


@dataclass(frozen=True)
class SmtpTarget:
    host: str
    port: int
    implicit_tls: bool
    username: str | None
    password: str | None
    sender: str | None

    @property
    def label(self) -> str:
        """How logs name the server: host and port, nothing secret."""
        return f"{self.host}:{self.port}"


@dataclass(frozen=True)
class Delivery:
    """What happened to an invitation's email, fit to show the person who invited: `message` in
    English, `localized(lang)` in the tab's language (a catalogue message, `say(...)`)."""

    sent: bool
    text: "str | Text"

    @property
    def message(self) -> str:
        return str(self.text)

    def localized(self, lang: str) -> str:
        return render(self.text, lang)


def parse_smtp_url(url: str) -> SmtpTarget:
    """The SMTP server named by `url`; MailConfigError for anything else."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise MailConfigError("PORTAL_SMTP_URL must look like smtp://host:port or smtps://host:port")
    try:
        port = parts.port or (465 if parts.scheme == "smtps" else 25)
    except ValueError:
        raise MailConfigError("PORTAL_SMTP_URL has a port that is not a number from 1 to 65535") from None
    sender = (parse_qs(parts.query).get("from") or [None])[0]
    if sender is not None:
        try:
            sender = normalize_email(sender, field="from")
        except InvalidInput:
            raise MailConfigError("PORTAL_SMTP_URL: ?from= must be an email address") from None
    return SmtpTarget(host=parts.hostname, port=port, implicit_tls=parts.scheme == "smtps",
                      username=unquote(parts.username) if parts.username else None,
                      password=unquote(parts.password) if parts.password else None, sender=sender)


def default_sender(settings: Settings) -> str:
    host = urlsplit(settings.public_url).hostname or "localhost"
    return f"portal@{host}"


def one_recipient(address: str) -> Address:
    """`address` as the single recipient of a message; ValueError unless it is one plain address.

    Built from its parts, not parsed from text, so the header can only ever hold this address.
    """
    try:
        checked = normalize_email(address, field="to")
    except InvalidInput:
        raise ValueError("the recipient is not one plain email address") from None
    local, _, domain = checked.rpartition("@")
    return Address(username=local, domain=domain)


def _addressed(*, sender: str, product_name: str, recipient: str, subject: str) -> EmailMessage:
    """A message from the product to exactly one recipient (one_recipient), with its subject."""
    message = EmailMessage()
    message["From"] = formataddr((product_name, sender))
    message["To"] = one_recipient(recipient)
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2])
    return message


def invitation_email(*, sender: str, recipient: str, recipient_name: str, org_name: str, inviter: str,
                     product_name: str, roles: list[str], sign_in_at: str) -> EmailMessage:
    """The invitation message: who invited, to which organization, with which roles. No secrets.

    ValueError when `recipient` is not exactly one plain address (one_recipient).
    """
    message = _addressed(sender=sender, product_name=product_name, recipient=recipient,
                         subject=(f"{inviter} invited you to join {org_name}" if inviter
                                  else f"You are invited to join {org_name}") + f" on {product_name}")
    who = f"{inviter} invited you" if inviter else "You have been invited"
    offered = f" as {', '.join(roles)}" if roles else ""
    lines = [f"Hello{' ' + recipient_name if recipient_name else ''},", "",
             f"{who} to join {org_name} on {product_name}{offered}.", "",
             f"To accept, sign in to {product_name}{' at ' + sign_in_at if sign_in_at else ''} "
             f"with this email address ({recipient}).", "",
             "If you did not expect this invitation, you can ignore this email."]
    message.set_content("\n".join(lines) + "\n")
    return message


def send_email(target: SmtpTarget, message: EmailMessage, *, timeout: float = SMTP_TIMEOUT_SECONDS) -> None:
    """Hand `message` to the SMTP server. Raises OSError or smtplib.SMTPException on failure.

    Credentials are only sent over TLS (implicit, or STARTTLS), except to a loopback server.
    The envelope names the one address of the To header; ValueError (before connecting) for a
    message with more or fewer recipients, or with Cc/Bcc.
    """
    to = message["To"]
    recipients = [address.addr_spec for address in to.addresses] if to is not None else []
    if len(recipients) != 1 or message["Cc"] is not None or message["Bcc"] is not None:
        raise ValueError("an invitation email goes to exactly one recipient")
    context = ssl.create_default_context()
    if target.implicit_tls:
        client: smtplib.SMTP = smtplib.SMTP_SSL(target.host, target.port, timeout=timeout, context=context)
    else:
        client = smtplib.SMTP(target.host, target.port, timeout=timeout)
    with client:
        client.ehlo()
        secure = target.implicit_tls
        if not secure and client.has_extn("starttls"):
            client.starttls(context=context)
            client.ehlo()
            secure = True
        if target.username:
            if not secure and target.host not in _LOOPBACK:
                raise smtplib.SMTPException("the server offers no TLS; refusing to send the SMTP password in clear")
            client.login(target.username, target.password or "")
        client.send_message(message, to_addrs=recipients)


def notice_email(*, sender: str, recipient: str, product_name: str, subject: str, lines: list[str]) -> EmailMessage:
    """A short notice to one person (ownership handed over, say): `lines` are its paragraphs' lines.

    ValueError when `recipient` is not exactly one plain address (one_recipient).
    """
    message = _addressed(sender=sender, product_name=product_name, recipient=recipient, subject=subject)
    message.set_content("\n".join(lines) + "\n")
    return message


def deliver_notice(settings: Settings, *, recipient: str, product_name: str, subject: str, lines: list[str]) -> bool:
    """Email a notice when PORTAL_SMTP_URL is set; True when the server took it. Never raises for a
    mail problem (it is logged, by server host and port only). Call after the change is committed."""
    if not settings.smtp_url or not recipient:
        return False
    return _send_built(settings, "notice", lambda sender: notice_email(
        sender=sender, recipient=recipient, product_name=product_name, subject=subject, lines=lines))


def _full_name(given: str, family: str) -> str:
    return " ".join(p for p in (given, family) if p)


def _send_built(settings: Settings, what: str, build: Callable[[str], EmailMessage]) -> bool:
    """Send the message `build(sender)` makes to the server of PORTAL_SMTP_URL; False (logged, naming
    `what` and the server by host and port only) when the URL, the message or the server fails."""
    label = "the SMTP server"
    try:
        target = parse_smtp_url(settings.smtp_url or "")
        label = target.label
        send_email(target, build(target.sender or default_sender(settings)))
    except (MailConfigError, OSError, smtplib.SMTPException, ValueError) as exc:
        # The exception text is the server's reply or a socket error: no credentials in it.
        log.warning("%s: email via %s failed: %s: %s", what, label, type(exc).__name__, str(exc)[:200])
        return False
    return True


def deliver_invitation(session: Session, settings: Settings, *, actor: audit.Actor, invite_code: str) -> Delivery:
    """Email a pending invitation when PORTAL_SMTP_URL is set; mark it sent (`sent_on`, one audit
    event `invitation.email_sent`) on success. Never raises for a mail problem: it is logged and
    reported in the returned Delivery, and the invitation stays as it is. Nothing is sent when the
    hourly allowance of `actor` or the organization is spent. The caller commits.
    """
    invitation = session.get(Invitation, invite_code)
    if invitation is None or invitation.status != "pending":
        return Delivery(False, say("member_rules.email_not_pending"))
    if not settings.smtp_url:
        return Delivery(False, say("member_rules.email_not_set_up"))
    try:
        check_invitation_email_allowance(session, org_code=invitation.org_code, actor=actor)
    except InvitationEmailLimitReached as exc:
        log.warning("invitation %s: not emailed, the hourly allowance is spent", invitation.code)
        return Delivery(False, say("member_rules.email_rate_limited", minutes=math.ceil(exc.retry_after / 60)))
    from portal_ui.domain.portal_settings import effective_settings  # read-only; avoids an import cycle

    org = session.get(Organization, invitation.org_code)
    inviter = session.get(User, invitation.invited_by) if invitation.invited_by else None
    effective = effective_settings(session, settings, invitation.org_code)
    names = role_names(session, invitation.role_keys)
    sent = _send_built(settings, f"invitation {invitation.code}", lambda sender: invitation_email(
        sender=sender, recipient=invitation.email, recipient_name=invitation.given_name,
        org_name=org.name if org else invitation.org_code,
        inviter=(_full_name(inviter.given_name, inviter.family_name) or inviter.email or "") if inviter else "",
        product_name=str(effective.branding.get("product_name") or "the portal"),
        roles=[names[k] for k in invitation.role_keys], sign_in_at=origin_of(effective.return_url)))
    if not sent:
        return Delivery(False, say("member_rules.email_failed"))
    invitation.sent_on = utcnow()
    session.add(invitation)
    audit.record(session, actor=actor, action="invitation.email_sent", target_type="invitation",
                 target_id=invitation.code, org_code=invitation.org_code, before={"sent": False},
                 after={"sent": True})
    log.info("invitation %s emailed", invitation.code)
    return Delivery(True, say("member_rules.email_sent", email=invitation.email))


def join_decision_email(*, sender: str, recipient: str, recipient_name: str, org_name: str, product_name: str,
                        approved: bool, roles: list[str], sign_in_at: str) -> EmailMessage:
    """The message telling a requester whether they may join. No secrets, no links with keys."""
    message = _addressed(sender=sender, product_name=product_name, recipient=recipient,
                         subject=(f"You have joined {org_name}" if approved
                                  else f"Your request to join {org_name} was declined") + f" on {product_name}")
    lines = [f"Hello{' ' + recipient_name if recipient_name else ''},", ""]
    if approved:
        offered = f" as {', '.join(roles)}" if roles else ""
        lines += [f"Your request to join {org_name} on {product_name} was approved: you are now a member{offered}.",
                  "", f"Sign in to {product_name}{' at ' + sign_in_at if sign_in_at else ''} to start."]
    else:
        lines += [f"Your request to join {org_name} on {product_name} was declined.", "",
                  f"If you think this is a mistake, ask an administrator of {org_name}."]
    message.set_content("\n".join(lines) + "\n")
    return message


def deliver_join_decision(session: Session, settings: Settings, *, request_id: str) -> Delivery:
    """Email the requester the decision on a decided join request, when PORTAL_SMTP_URL is set.

    Never raises for a mail problem: it is logged and reported in the returned Delivery."""
    from portal_ui.domain.portal_settings import effective_settings  # read-only; avoids an import cycle
    from portal_ui.models import JoinRequest

    request = session.get(JoinRequest, request_id)
    user = live_user_row(session, request.user_id) if request is not None else None
    if request is None or request.status not in ("approved", "rejected") or user is None or not user.email:
        return Delivery(False, say("join.email_not_sent"))
    if not settings.smtp_url:
        return Delivery(False, say("join.email_not_set_up"))
    org = session.get(Organization, request.org_code)
    effective = effective_settings(session, settings, request.org_code)
    names = role_names(session, request.role_keys)
    sent = _send_built(settings, f"join request {request.id}", lambda sender: join_decision_email(
        sender=sender, recipient=user.email, recipient_name=user.given_name,
        org_name=org.name if org else request.org_code,
        product_name=str(effective.branding.get("product_name") or "the portal"),
        approved=request.status == "approved", roles=[names[k] for k in request.role_keys],
        sign_in_at=origin_of(effective.return_url)))
    if not sent:
        return Delivery(False, say("join.email_failed"))
    log.info("join request %s: decision emailed", request.id)
    return Delivery(True, say("join.email_sent", email=user.email))
