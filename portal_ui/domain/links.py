"""One-time portal links (README "How it works"): creating them and redeeming each at most once.

The key is 256 random bits, handed out once inside the link and stored only as its SHA-256 hash,
with the user, organization, section, return URL and expiry. Redemption is one conditional
UPDATE (`... WHERE redeemed_on IS NULL AND expires_on > now`) whose row count decides the single
winner, so concurrent requests, threads or worker processes can never redeem a key twice.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Mapping
from urllib.parse import quote

from sqlalchemy import exists, update
from sqlmodel import Session, col, select

from portal_ui.domain import audit
from portal_ui.domain.clock import utcnow
from portal_ui.domain.errors import InvalidInput
from portal_ui.domain.flows import check_flow
from portal_ui.domain.portal_settings import effective_settings
from portal_ui.domain.return_urls import allowed_return_url
from portal_ui.domain.secrets import new_secret, sha256_hex
from portal_ui.domain.sections import parse_sub_nav
from portal_ui.models import Membership, Organization, PortalLink, User
from portal_ui.settings import Settings

KEY_MAX = 128  # a real key is 43 characters; anything far longer is not one of ours
REDIRECT_PATH = "/portal_redirect"


def _check_id(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value or len(value) > 64:
        raise InvalidInput(f"{name}: must be an id of at most 64 characters")
    return value


def _who_exists(session: Session, user_id: str, org_code: str | None) -> tuple[bool, bool, bool]:
    """Whether the user, the organization and the membership exist: one round trip (making links is
    the hottest API path). A deleted account is no user."""
    live = col(User.deleted_on).is_(None)
    if org_code is None:
        return session.exec(select(exists().where(User.id == user_id, live))).one(), False, False
    found = session.exec(select(
        exists().where(User.id == user_id, live),
        exists().where(Organization.code == org_code),
        exists().where(Membership.org_code == org_code, Membership.user_id == user_id),
    )).one()
    return tuple(bool(flag) for flag in found)


def create_link(
    session: Session,
    settings: Settings,
    *,
    user_id: Any,
    org_code: Any = None,
    sub_nav: Any = None,
    return_url: Any = None,
    actor: audit.Actor,
    preview: Mapping[str, Any] | None = None,
    require_membership: bool = True,
    flow: Any = None,
    flow_plan: Any = None,
    after_completion_url: Any = None,
) -> str:
    """Store a new one-time link and return its URL; InvalidInput (a 400) for any bad value.

    The user must exist and, when an organization is named, be a member of it (only preview
    links, whose sessions never write, are made without that check). A `flow` (with its
    `flow_plan` and `after_completion_url`) is checked by portal_ui.domain.flows.check_flow; the
    link then opens the flow's section only.
    """
    user_id = _check_id(user_id, "user_id")
    if org_code is not None:
        org_code = _check_id(org_code, "organization_code")
    if sub_nav is not None and not isinstance(sub_nav, str):
        raise InvalidInput("sub_nav: must be a string", code="INVALID_SUBNAV")
    section = parse_sub_nav(sub_nav)
    user_found, org_found, member = _who_exists(session, user_id, org_code)
    if not user_found:
        raise InvalidInput(f"user_id: no user {user_id!r}", code="USER_NOT_FOUND")
    if org_code is not None:
        if not org_found:
            raise InvalidInput(f"organization_code: no organization {org_code!r}", code="ORGANIZATION_NOT_FOUND")
        if require_membership and not member:
            raise InvalidInput(f"user_id: {user_id!r} is not a member of {org_code!r}", code="NOT_A_MEMBER")
    effective = effective_settings(session, settings, org_code)
    if return_url is None or return_url == "":
        return_url = effective.return_url
    else:
        return_url = allowed_return_url(return_url, effective.return_origins)
    focused = check_flow(session, flow=flow, flow_plan=flow_plan, after_completion_url=after_completion_url,
                         user_id=user_id, org_code=org_code, sub_nav=section, settings=effective)
    if focused is not None:
        section = focused.section
    key = new_secret(32)
    now = utcnow()
    link = PortalLink(
        key_hash=sha256_hex(key), user_id=user_id, org_code=org_code, sub_nav=section,
        return_url=return_url, created_by=f"{actor.type}:{actor.id}"[:128], created_on=now,
        expires_on=now + timedelta(seconds=effective.link_ttl_seconds), preview=dict(preview or {}),
        flow=focused.flow if focused else None, flow_plan=focused.plan_key if focused else None,
        after_completion_url=focused.after_completion_url if focused else None,
    )
    session.add(link)  # written with the audit event when the caller commits
    audit.record(session, actor=actor, action="portal_link.created", target_type="user", target_id=user_id,
                 org_code=org_code, after={"sub_nav": section, "return_url": return_url,
                                           "preview": bool(preview), "flow": link.flow,
                                           "flow_plan": link.flow_plan,
                                           "after_completion_url": link.after_completion_url})
    return f"{settings.public_url}{REDIRECT_PATH}?key={quote(key, safe='')}"


def _valid_key(key: Any) -> bool:
    return isinstance(key, str) and 0 < len(key) <= KEY_MAX and key.isascii()


def redeem_link(session: Session, key: Any) -> PortalLink | None:
    """The link if this call redeemed it; None for an unknown, expired or already used key.

    Exactly one caller wins per key. The caller commits (with the session it starts).
    """
    if not _valid_key(key):
        return None
    key_hash = sha256_hex(key)
    now = utcnow()
    result = session.execute(
        update(PortalLink)
        .where(PortalLink.key_hash == key_hash, PortalLink.redeemed_on.is_(None), PortalLink.expires_on > now)
        .values(redeemed_on=now)
    )
    if result.rowcount != 1:
        return None
    return session.exec(select(PortalLink).where(PortalLink.key_hash == key_hash)).one()


def link_is_redeemable(session: Session, key: Any) -> bool:
    """True while the key is known, unused and unexpired: a read-only look, redeeming nothing."""
    if not _valid_key(key):
        return False
    found = session.exec(select(PortalLink.id).where(
        PortalLink.key_hash == sha256_hex(key), PortalLink.redeemed_on.is_(None), PortalLink.expires_on > utcnow()))
    return found.first() is not None


def link_return_url(session: Session, key: Any) -> str | None:
    """The return URL stored with a key (used or expired too), for the "link no longer works" page."""
    if not _valid_key(key):
        return None
    link = session.exec(select(PortalLink).where(PortalLink.key_hash == sha256_hex(key))).first()
    return link.return_url if link else None
