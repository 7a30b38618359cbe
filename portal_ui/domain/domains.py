"""Verified email domains of an organization (README "Domains").

An organization adds a domain it owns, publishes the TXT record the portal names, and asks the
portal to verify it; the portal looks the record up with dnspython (portal_ui.domain.dns_check).
A domain left unverified expires EXPIRES_AFTER after it was added: it can no longer be verified
and is deleted by `purge_expired` (the server's hourly housekeeping, and before each addition).
A verified domain belongs to one organization only (the unique `verified_name`), and has an
enrolment mode for people whose email address is at that domain:

* `manual`: nothing happens on its own;
* `suggest`: they see the organization on their profile and can ask to join
  (portal_ui.domain.join_requests);
* `automatic`: they are invited (portal_ui.domain.invitations) with the roles marked
  is_default_role, when the mode is switched on and when a user is created afterwards.

Functions validate first and raise before writing; each change adds one audit event to the
caller's session (the caller commits). A portal user (a "user" actor) needs org:write:details in
the organization; M2M and system callers are not held to it.
"""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable

import idna
from sqlalchemy import func, or_
from sqlmodel import Session, col, delete, select

from portal_ui.domain import audit
from portal_ui.domain.clock import as_utc, utcnow
from portal_ui.domain.dns_check import DnsLookupFailed, txt_values
from portal_ui.domain.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound, say
from portal_ui.domain.members import get_org
from portal_ui.domain.permissions import member_permissions
from portal_ui.domain.secrets import new_id, new_secret
from portal_ui.domain.users import live_user_row, not_deleted
from portal_ui.models import OrganizationDomain, Role, User

log = logging.getLogger("portal_ui.domains")

DETAILS_WRITE = "org:write:details"
EXPIRES_AFTER = timedelta(days=30)
MAX_DOMAINS_PER_ORG = 50
INPUT_MAX = 300  # characters accepted before any parsing
NAME_MAX = 253  # a domain name's ASCII form (RFC 1035)
LABEL_MAX = 63
MODES = ("manual", "suggest", "automatic")
RECORD_PREFIX = "_portal-verification"
VALUE_PREFIX = "portal-verification="
SPECIAL_USE_TLDS = frozenset({"arpa", "internal", "invalid", "local", "localhost", "onion", "test"})
AUTO_INVITE_MAX = 100  # users invited at once when a domain is switched to automatic

# Providers anyone can get an address at: such a domain says nothing about who works where. A
# subdomain of one (mail.yahoo.com) is refused too.
CONSUMER_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "hotmail.co.uk", "hotmail.fr", "live.com",
    "msn.com", "yahoo.com", "yahoo.co.uk", "yahoo.fr", "yahoo.de", "ymail.com", "rocketmail.com", "icloud.com",
    "me.com", "mac.com", "aol.com", "proton.me", "protonmail.com", "protonmail.ch", "pm.me", "gmx.com",
    "gmx.de", "gmx.net", "gmx.at", "web.de", "t-online.de", "freenet.de", "mail.com", "zoho.com", "yandex.com",
    "yandex.ru", "mail.ru", "qq.com", "163.com", "126.com", "fastmail.com", "hey.com", "tutanota.com",
    "tuta.io", "tutamail.com", "posteo.de", "mailbox.org", "duck.com", "hushmail.com", "orange.fr",
    "free.fr", "laposte.net", "libero.it", "comcast.net", "verizon.net", "att.net", "btinternet.com",
})


class DomainNotVerified(DomainError):
    """The TXT record was not found, or DNS could not be asked; the message says which and what to do."""

    status = 409
    code = "DOMAIN_NOT_VERIFIED"


# ---- names ----------------------------------------------------------------------------------------

def parse_domain(value: object) -> str:
    """`value` as a domain name's ASCII (IDNA) form, lower-case; InvalidInput (INVALID_DOMAIN) for
    anything that is not a public hostname with at least two labels. `bücher.de` -> `xn--bcher-kva.de`.

    The input is capped at INPUT_MAX characters before it is parsed, and every step is linear.
    """
    if not isinstance(value, str) or not value.strip():
        raise InvalidInput(say("domains.name_missing"), code="INVALID_DOMAIN")
    if len(value) > INPUT_MAX:
        raise InvalidInput(say("domains.name_too_long", max=NAME_MAX), code="INVALID_DOMAIN")
    text = value.strip().lower().removesuffix(".")
    shown = repr(text[:64])
    invalid = InvalidInput(say("domains.name_invalid", value=shown), code="INVALID_DOMAIN")
    if "@" in text or "/" in text or ":" in text:  # an email address or a URL, not a domain
        raise InvalidInput(say("domains.name_not_plain", value=shown), code="INVALID_DOMAIN")
    try:
        ipaddress.ip_address(text)
    except ValueError:
        pass
    else:
        raise invalid
    try:
        ascii_name = idna.encode(text, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        raise invalid from None
    if len(ascii_name) > NAME_MAX:
        raise InvalidInput(say("domains.name_too_long", max=NAME_MAX), code="INVALID_DOMAIN")
    labels = ascii_name.split(".")
    if len(labels) < 2 or not all(0 < len(label) <= LABEL_MAX for label in labels):
        raise invalid
    if not all(label.replace("-", "").isalnum() and label.isascii() for label in labels):
        raise invalid  # letters, digits and hyphens only (underscores belong to records, not hosts)
    if any(label.startswith("-") or label.endswith("-") for label in labels) or labels[-1].isdigit():
        raise invalid
    if labels[-1] in SPECIAL_USE_TLDS:  # never a real organization's public domain
        raise invalid
    return ascii_name


def display_name(ascii_name: str) -> str:
    """The domain as people write it (`bücher.de`); the ASCII form when it cannot be decoded."""
    try:
        return idna.decode(ascii_name)
    except (idna.IDNAError, UnicodeError):
        return ascii_name


def is_consumer_domain(ascii_name: str) -> bool:
    return any(ascii_name == d or ascii_name.endswith("." + d) for d in CONSUMER_DOMAINS)


def email_domain(email: str | None) -> str | None:
    """The ASCII form of an email address's domain, or None when it has none that parses."""
    if not email or "@" not in email:
        return None
    try:
        return parse_domain(email.rpartition("@")[2])
    except InvalidInput:
        return None


def record_name(domain: OrganizationDomain) -> str:
    """The name of the TXT record that proves the domain: `_portal-verification.example.com`."""
    return f"{RECORD_PREFIX}.{domain.name}"


def record_value(domain: OrganizationDomain) -> str:
    return VALUE_PREFIX + domain.token


def expires_on(domain: OrganizationDomain) -> datetime:
    return as_utc(domain.created_on) + EXPIRES_AFTER


def status_of(domain: OrganizationDomain, now: datetime | None = None) -> str:
    """pending, verified, or expired (pending for longer than EXPIRES_AFTER)."""
    if domain.status == "verified":
        return "verified"
    return "expired" if (now or utcnow()) >= expires_on(domain) else "pending"


# ---- reading ----------------------------------------------------------------------------------------

def list_domains(session: Session, org_code: str) -> list[OrganizationDomain]:
    """The organization's domains by name; NotFound for an unknown organization."""
    get_org(session, org_code)
    return list(session.exec(select(OrganizationDomain).where(OrganizationDomain.org_code == org_code)
                             .order_by(OrganizationDomain.name)).all())


def get_domain(session: Session, org_code: str, domain_id: object) -> OrganizationDomain:
    """The domain `domain_id` of `org_code`; NotFound (DOMAIN_NOT_FOUND) otherwise."""
    get_org(session, org_code)
    found = session.get(OrganizationDomain, domain_id) if isinstance(domain_id, str) and 0 < len(domain_id) <= 64 \
        else None
    if found is None or found.org_code != org_code:
        raise NotFound(say("domains.not_found"), code="DOMAIN_NOT_FOUND")
    return found


def verified_domain_for(session: Session, ascii_name: str) -> OrganizationDomain | None:
    """The verified domain of that name, in whichever organization holds it."""
    return session.exec(select(OrganizationDomain).where(OrganizationDomain.verified_name == ascii_name)).first()


# ---- changes ----------------------------------------------------------------------------------------

def _check_writer(session: Session, actor: audit.Actor, org_code: str) -> None:
    if actor.type == "user" and DETAILS_WRITE not in member_permissions(session, org_code, actor.id):
        raise Forbidden(say("domains.missing_permission"), code="MISSING_PERMISSION")


def _snapshot(domain: OrganizationDomain) -> dict:
    return {"name": domain.name, "status": domain.status, "enrolment": domain.enrolment}


def add_domain(session: Session, *, actor: audit.Actor, org_code: str, name: object) -> OrganizationDomain:
    """Add `name` to the organization, unverified, with a fresh TXT token; one `domain.added` event.

    Raises NotFound (organization), Forbidden (a user without org:write:details), InvalidInput
    (INVALID_DOMAIN; CONSUMER_DOMAIN for a personal email provider), Conflict (DOMAIN_EXISTS: the
    organization has it already; DOMAIN_TAKEN: another organization verified it;
    TOO_MANY_DOMAINS). An expired entry of the same name is replaced.
    """
    get_org(session, org_code)
    _check_writer(session, actor, org_code)
    ascii_name = parse_domain(name)
    if is_consumer_domain(ascii_name):
        raise InvalidInput(say("domains.consumer", domain=display_name(ascii_name)), code="CONSUMER_DOMAIN")
    holder = verified_domain_for(session, ascii_name)
    if holder is not None:
        code = "DOMAIN_EXISTS" if holder.org_code == org_code else "DOMAIN_TAKEN"
        key = "domains.exists" if holder.org_code == org_code else "domains.taken"
        raise Conflict(say(key, domain=display_name(ascii_name)), code=code)
    purge_expired(session, org_code=org_code)
    if session.exec(select(OrganizationDomain.id).where(OrganizationDomain.org_code == org_code,
                                                        OrganizationDomain.name == ascii_name)).first():
        raise Conflict(say("domains.exists", domain=display_name(ascii_name)), code="DOMAIN_EXISTS")
    count = session.exec(select(func.count()).select_from(OrganizationDomain)
                         .where(OrganizationDomain.org_code == org_code)).one()
    if count >= MAX_DOMAINS_PER_ORG:
        raise Conflict(say("domains.too_many", max=MAX_DOMAINS_PER_ORG), code="TOO_MANY_DOMAINS")
    domain = OrganizationDomain(id=new_id("dom"), org_code=org_code, name=ascii_name, status="pending",
                                enrolment="manual", token=new_secret(24), created_on=utcnow(),
                                created_by=f"{actor.type}:{actor.id}"[:128])
    session.add(domain)
    session.flush()
    audit.record(session, actor=actor, action="domain.added", target_type="domain", target_id=domain.id,
                 org_code=org_code, before={}, after=_snapshot(domain))
    return domain


Lookup = Callable[[str], list[str]]


def verify_domain(session: Session, *, actor: audit.Actor, org_code: str, domain_id: object,
                  resolver: tuple[str, int] | None = None, lookup: Lookup | None = None) -> OrganizationDomain:
    """Look up the domain's TXT record and mark it verified when it holds the expected value.

    `resolver` is the DNS server to ask (PORTAL_DNS_RESOLVER; None: the system's); `lookup` replaces
    the DNS query altogether (name -> TXT strings). A verified domain is returned as it is. One
    `domain.verified` event. Raises NotFound, Forbidden, Conflict (DOMAIN_EXPIRED; DOMAIN_TAKEN:
    another organization verified it first), DomainNotVerified (record missing or wrong, DNS failed).
    """
    domain = get_domain(session, org_code, domain_id)
    _check_writer(session, actor, org_code)
    if domain.status == "verified":
        return domain
    if status_of(domain) == "expired":
        raise Conflict(say("domains.expired", domain=display_name(domain.name)), code="DOMAIN_EXPIRED")
    name = record_name(domain)
    try:
        found = (lookup or (lambda n: txt_values(n, resolver=resolver)))(name)
    except DnsLookupFailed as exc:
        log.info("domain %s: DNS lookup of %s failed: %s", domain.id, name, exc.reason)
        raise DomainNotVerified(say("domains.dns_failed", record=name), code="DNS_LOOKUP_FAILED") from None
    if record_value(domain) not in found:
        key = "domains.record_wrong" if found else "domains.record_missing"
        raise DomainNotVerified(say(key, record=name))
    holder = verified_domain_for(session, domain.name)
    if holder is not None and holder.id != domain.id:
        raise Conflict(say("domains.taken", domain=display_name(domain.name)), code="DOMAIN_TAKEN")
    before = _snapshot(domain)
    now = utcnow()
    domain.status, domain.verified_name = "verified", domain.name
    domain.verified_on = domain.last_checked_on = now
    session.add(domain)
    session.flush()
    audit.record(session, actor=actor, action="domain.verified", target_type="domain", target_id=domain.id,
                 org_code=org_code, before=before, after=_snapshot(domain))
    return domain


def set_enrolment(session: Session, *, actor: audit.Actor, org_code: str, domain_id: object,
                  mode: object) -> OrganizationDomain:
    """Set a verified domain's enrolment mode; one `domain.enrolment_changed` event (none when
    unchanged). Switching to `automatic` invites the users already at the domain (up to
    AUTO_INVITE_MAX). Raises NotFound, Forbidden, InvalidInput (INVALID_ENROLMENT), Conflict
    (DOMAIN_NOT_VERIFIED)."""
    if mode not in MODES:
        raise InvalidInput(say("domains.mode_invalid", modes=", ".join(MODES)), code="INVALID_ENROLMENT")
    domain = get_domain(session, org_code, domain_id)
    _check_writer(session, actor, org_code)
    if domain.status != "verified":
        raise Conflict(say("domains.not_verified_yet", domain=display_name(domain.name)), code="DOMAIN_NOT_VERIFIED")
    if domain.enrolment == mode:
        return domain
    before = _snapshot(domain)
    domain.enrolment = str(mode)
    session.add(domain)
    session.flush()
    audit.record(session, actor=actor, action="domain.enrolment_changed", target_type="domain",
                 target_id=domain.id, org_code=org_code, before=before, after=_snapshot(domain))
    if mode == "automatic":
        at = or_(col(User.email).like(f"%@{domain.name}"), col(User.email).like(f"%@{display_name(domain.name)}"))
        users = session.exec(select(User.id).where(at, not_deleted())
                             .order_by(User.created_on).limit(AUTO_INVITE_MAX)).all()
        for user_id in users:
            invite_if_automatic(session, user_id=user_id, only_org=org_code)
    return domain


def remove_domain(session: Session, *, actor: audit.Actor, org_code: str, domain_id: object) -> OrganizationDomain:
    """Delete the domain; one `domain.removed` event. Join requests already made stay for a decision."""
    domain = get_domain(session, org_code, domain_id)
    _check_writer(session, actor, org_code)
    before = _snapshot(domain)
    session.delete(domain)
    session.flush()
    audit.record(session, actor=actor, action="domain.removed", target_type="domain", target_id=domain.id,
                 org_code=org_code, before=before, after={})
    return domain


def purge_expired(session: Session, *, org_code: str | None = None, now: datetime | None = None) -> int:
    """Delete unverified domains older than EXPIRES_AFTER (one organization's, or all), each with a
    `domain.expired` event by the system; how many."""
    cutoff = (now or utcnow()) - EXPIRES_AFTER
    where = [OrganizationDomain.status == "pending", col(OrganizationDomain.created_on) <= cutoff]
    if org_code is not None:
        where.append(OrganizationDomain.org_code == org_code)
    expired = session.exec(select(OrganizationDomain).where(*where).limit(1000)).all()
    for domain in expired:
        audit.record(session, actor=audit.Actor.system("domain-expiry"), action="domain.expired",
                     target_type="domain", target_id=domain.id, org_code=domain.org_code,
                     before=_snapshot(domain), after={})
    if expired:
        session.exec(delete(OrganizationDomain).where(col(OrganizationDomain.id).in_([d.id for d in expired])))
    return len(expired)


def invite_if_automatic(session: Session, *, user_id: str, only_org: str | None = None) -> list[str]:
    """Invite `user_id` to every organization holding their email's domain in `automatic` mode
    (or only `only_org`), with the roles marked is_default_role, unless they are a member or
    invited already. Invitations go through portal_ui.domain.invitations (audited there, by the
    system actor `domain-enrolment`); an organization at its limit of open invitations is skipped.
    Returns the invitation codes made.
    """
    from portal_ui.domain.invitations import create_invitation  # invitations -> members -> ... -> here

    user = live_user_row(session, user_id)  # a deleted account is nobody to invite
    at = email_domain(user.email if user else None)
    if at is None:
        return []
    domain = verified_domain_for(session, at)
    if domain is None or domain.enrolment != "automatic" or (only_org and domain.org_code != only_org):
        return []
    defaults = list(session.exec(select(Role.key).where(Role.is_default_role == True)).all())  # noqa: E712
    try:  # its refusals come before it writes anything
        invitation = create_invitation(session, actor=audit.Actor.system("domain-enrolment"),
                                       org_code=domain.org_code, email=user.email, role_keys=defaults)
    except DomainError as exc:
        log.info("automatic invitation of %s to %s skipped: %s", user_id, domain.org_code, exc.code)
        return []
    return [invitation.code]
