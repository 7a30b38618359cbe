"""Portal sessions (README "Sessions, limits and headers"): started by redeeming a link, held by an HttpOnly cookie.

The database is the authority. Every page load calls `load_session`, which re-checks the end,
idle and absolute limits and recomputes the member's permissions, so a removed member or a
changed role takes effect on the next page load. Reflex state only caches the result.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal, Mapping

from sqlalchemy import update
from sqlmodel import Session, select

from portal_ui.domain import audit
from portal_ui.domain.clock import as_utc, utcnow
from portal_ui.domain.flows import FlowRequest, stored_flow
from portal_ui.domain.permissions import is_member, member_permissions
from portal_ui.domain.portal_settings import EffectiveSettings, effective_settings
from portal_ui.domain.secrets import new_secret, sha256_hex
from portal_ui.models import PortalLink, PortalSession
from portal_ui.settings import Settings

SESSION_COOKIE = "portal_session"
TOKEN_MAX = 128
TOUCH_EVERY = timedelta(seconds=15)  # write last_seen_on at most this often per session

Status = Literal["active", "ended", "expired", "unknown"]


@dataclass(frozen=True)
class TokenHash:
    """A session named by the SHA-256 (hex) of its cookie token, as the sessions table stores it.

    The websocket's Cookie header carries this instead of the token (portal_ui.session_cookie),
    so Reflex's stored state never holds a token; every function below that takes a token takes
    one of these as well.
    """

    hex: str


@dataclass(frozen=True)
class ActiveSession:
    """A live portal session as the UI needs it; built fresh from the database on each check."""

    id: int
    user_id: str
    org_code: str | None
    sub_nav: str
    return_url: str
    permissions: frozenset[str]
    settings: EffectiveSettings
    preview: Mapping[str, Any] = field(default_factory=dict)
    flow: FlowRequest | None = None  # a focused flow's session shows only the flow's section

    @property
    def is_preview(self) -> bool:
        return bool(self.preview)

    @property
    def completion_url(self) -> str:
        """Where the browser goes when the flow is done: after_completion_url, else the return URL."""
        return (self.flow.after_completion_url if self.flow else None) or self.return_url

    def section_context(self) -> dict[str, Any]:
        """The keyword arguments of portal_ui.domain.sections' rules for this session (a flow's
        session sees only the flow's section)."""
        return {"user_functions": self.settings.user_functions, "org_functions": self.settings.org_functions,
                "permissions": self.permissions, "has_org": self.org_code is not None,
                "only": self.flow.section if self.flow else None}


def _valid_token(token: Any) -> bool:
    return isinstance(token, str) and 0 < len(token) <= TOKEN_MAX and token.isascii()


def _find(session: Session, token: Any) -> PortalSession | None:
    if isinstance(token, TokenHash):
        digest = token.hex
    elif _valid_token(token):
        digest = sha256_hex(token)
    else:
        return None
    return session.exec(select(PortalSession).where(PortalSession.token_hash == digest)).first()


def start_session(session: Session, settings: Settings, link: PortalLink, *, client_ip: str = "",
                  user_agent: str = "") -> str:
    """Create the session for a just-redeemed link; returns the cookie token (shown only here).

    The link's user is the actor; `client_ip` and `user_agent` describe their browser.
    """
    actor = audit.Actor(type="user", id=link.user_id, client_ip=client_ip, user_agent=user_agent)
    token = new_secret(32)
    now = utcnow()
    effective = effective_settings(session, settings, link.org_code)
    row = PortalSession(
        token_hash=sha256_hex(token), link_id=link.id, user_id=link.user_id, org_code=link.org_code,
        sub_nav=link.sub_nav, return_url=link.return_url, created_on=now, last_seen_on=now,
        expires_on=now + timedelta(seconds=effective.session_max_seconds), preview=dict(link.preview or {}),
        flow=link.flow, flow_plan=link.flow_plan, after_completion_url=link.after_completion_url,
    )
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, action="portal_session.started", target_type="portal_session",
                 target_id=str(row.id), org_code=link.org_code, after={"user_id": link.user_id})
    return token


def _status(row: PortalSession | None, idle_seconds: int, now: datetime) -> Status:
    if row is None:
        return "unknown"
    if row.ended_on is not None:
        return "ended"
    if now >= as_utc(row.expires_on) or now - as_utc(row.last_seen_on) >= timedelta(seconds=idle_seconds):
        return "expired"
    return "active"


def session_status(session: Session, settings: Settings, token: Any) -> tuple[Status, str | None]:
    """(status, return URL) for a cookie token, without touching it: for the "session ended" page."""
    row = _find(session, token)
    if row is None:
        return "unknown", None
    effective = effective_settings(session, settings, row.org_code)
    return _status(row, effective.session_idle_seconds, utcnow()), row.return_url


def load_session(session: Session, settings: Settings, token: Any, *, touch: bool = True) -> ActiveSession | None:
    """The live session for a cookie token, or None when it is unknown, ended, idle or past its limit.

    `touch` records activity (pushing back the idle limit). A member who has left the
    organization no longer has a session in it.
    """
    row = _find(session, token)
    if row is None:
        return None
    effective = effective_settings(session, settings, row.org_code)
    now = utcnow()
    if _status(row, effective.session_idle_seconds, now) != "active":
        return None
    preview = dict(row.preview or {})
    if preview:
        from portal_ui.domain.previews import apply_overrides

        permissions = frozenset(preview.get("permissions", ()))
        effective = apply_overrides(effective, preview.get("settings") or {})
    elif row.org_code:
        if not is_member(session, row.org_code, row.user_id):
            return None
        permissions = member_permissions(session, row.org_code, row.user_id)
    else:
        permissions = frozenset()
    if touch and now - as_utc(row.last_seen_on) >= TOUCH_EVERY:
        session.execute(update(PortalSession).where(PortalSession.id == row.id).values(last_seen_on=now))
    return ActiveSession(
        id=row.id, user_id=row.user_id, org_code=row.org_code, sub_nav=row.sub_nav, return_url=row.return_url,
        permissions=permissions, settings=effective, preview=preview, flow=stored_flow(row),
    )


def end_session(session: Session, token: Any, *, client_ip: str = "", user_agent: str = "") -> str | None:
    """End the session (idempotent); returns its return URL, or None for an unknown token.

    The session's own user is the actor; `client_ip` and `user_agent` describe their browser.
    """
    row = _find(session, token)
    if row is None:
        return None
    if row.ended_on is None:
        session.execute(update(PortalSession).where(PortalSession.id == row.id, PortalSession.ended_on.is_(None))
                        .values(ended_on=utcnow()))
        actor = audit.Actor(type="user", id=row.user_id, client_ip=client_ip, user_agent=user_agent)
        audit.record(session, actor=actor, action="portal_session.ended",
                     target_type="portal_session", target_id=str(row.id), org_code=row.org_code)
    return row.return_url


def replace_preview(session: Session, token: Any, preview: Mapping[str, Any]) -> bool:
    """Change the preview options of a live preview session (never of a real one); True if changed."""
    row = _find(session, token)
    if row is None or not row.preview or row.ended_on is not None:
        return False
    session.execute(update(PortalSession).where(PortalSession.id == row.id).values(preview=dict(preview)))
    return True
