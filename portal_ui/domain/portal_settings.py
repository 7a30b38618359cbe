"""Portal settings (README "Portal settings"): the environment's, an organization's override, and the result.

Storage: one `portal_settings` row with `org_code` NULL for the environment and one row per
organization that has its own settings. A row stores only the fields that were set through the
settings API; every other field falls back to the environment variables (README "Configuration"). So the
environment variables seed the settings, and once a field is set through the API the API wins.

An organization override (`override_environment: true`) replaces the environment's enabled
organization functions and branding for that organization's sessions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from sqlalchemy import or_
from sqlmodel import Session, select

from portal_ui.domain import audit
from portal_ui.domain.clock import utcnow
from portal_ui.domain.contrast import contrast_ratio, readable_accent
from portal_ui.domain.errors import InvalidInput, NotFound
from portal_ui.domain.return_urls import check_http_url, check_origin
from portal_ui.models import Organization, PortalSettingsRow
from portal_ui.settings import Settings, origin_of

ORG_FUNCTIONS = ("details", "billing", "members", "api_keys")
USER_FUNCTIONS = ("profile", "billing", "api_keys")
APPEARANCES = ("light", "dark", "system")
DEFAULT_BRANDING = {"product_name": "Account", "logo_url": None, "accent_color": "#4f46e5", "appearance": "system"}
DEFAULT_ALIAS = "Organization"
MAX_ORIGINS = 50
_HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")

ENV_FIELDS = (
    "return_url", "allowed_return_origins", "org_alias", "org_functions", "user_functions",
    "link_ttl_seconds", "session_idle_seconds", "session_max_seconds", "branding",
)
ORG_FIELDS = ("override_environment", "org_functions", "branding")
PREVIEW_FIELDS = ("org_alias", "org_functions", "user_functions", "branding")
LIMITS = {
    "link_ttl_seconds": (30, 86_400),
    "session_idle_seconds": (60, 86_400),
    "session_max_seconds": (300, 30 * 86_400),
}


@dataclass(frozen=True)
class EffectiveSettings:
    """What applies to one session: the environment's settings with any organization override."""

    return_url: str
    allowed_return_origins: tuple[str, ...]
    org_alias: str
    org_functions: Mapping[str, bool]
    user_functions: Mapping[str, bool]
    link_ttl_seconds: int
    session_idle_seconds: int
    session_max_seconds: int
    branding: Mapping[str, Any] = field(default_factory=dict)
    org_override: bool = False

    @property
    def return_origins(self) -> frozenset[str]:
        """Origins a return URL may point to: the allow-list plus the default return URL's origin."""
        return frozenset(self.allowed_return_origins) | {origin_of(self.return_url)}


# ---- validation ---------------------------------------------------------------------------

def _text(value: Any, name: str, *, max_length: int, allow_empty: bool = False) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"{name}: must be a string")
    value = value.strip()
    if (not value and not allow_empty) or len(value) > max_length:
        raise InvalidInput(f"{name}: must be 1 to {max_length} characters")
    if _CONTROL.search(value):
        raise InvalidInput(f"{name}: must not contain control characters")
    return value


def _switches(value: Any, name: str, keys: tuple[str, ...]) -> dict[str, bool]:
    if not isinstance(value, dict):
        raise InvalidInput(f"{name}: must be an object with boolean fields {', '.join(keys)}")
    out = {}
    for key, flag in value.items():
        if key not in keys:
            raise InvalidInput(f"{name}.{str(key)[:40]}: unknown function; use {', '.join(keys)}")
        if not isinstance(flag, bool):
            raise InvalidInput(f"{name}.{key}: must be true or false")
        out[key] = flag
    return out


def _seconds(value: Any, name: str) -> int:
    low, high = LIMITS[name]
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(f"{name}: must be a whole number of seconds from {low} to {high}")
    return value


def _branding(value: Any, notices: list[str] | None = None) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InvalidInput("branding: must be an object with product_name, logo_url, accent_color, appearance")
    out: dict[str, Any] = {}
    for key, item in value.items():
        if key == "product_name":
            out[key] = _text(item, "branding.product_name", max_length=60)
        elif key == "logo_url":
            out[key] = None if item in (None, "") else check_http_url(item, field="branding.logo_url")
        elif key == "accent_color":
            if not isinstance(item, str) or not _HEX_COLOUR.match(item):
                raise InvalidInput("branding.accent_color: must be a colour like #4f46e5")
            readable = readable_accent(item)
            if readable != item.lower() and notices is not None:
                notices.append(f"branding.accent_color: {item.lower()} has a contrast of "
                               f"{contrast_ratio(item, '#ffffff'):.2f}:1 with white, under the 4.5:1 that text "
                               f"needs; {readable} (the same hue, darker) is used instead.")
            out[key] = readable
        elif key == "appearance":
            if item not in APPEARANCES:
                raise InvalidInput(f"branding.appearance: must be one of {', '.join(APPEARANCES)}")
            out[key] = item
        else:
            raise InvalidInput(f"branding.{str(key)[:40]}: unknown field")
    return out


def _validate(patch: Any, allowed: tuple[str, ...], notices: list[str] | None = None) -> dict[str, Any]:
    if not isinstance(patch, dict):
        raise InvalidInput("The body must be a JSON object")
    unknown = [str(k)[:40] for k in patch if k not in allowed]
    if unknown:
        raise InvalidInput(f"{unknown[0]}: unknown field; use {', '.join(allowed)}")
    out: dict[str, Any] = {}
    for key, value in patch.items():
        if key == "return_url":
            out[key] = check_http_url(value)
        elif key == "allowed_return_origins":
            if not isinstance(value, list) or len(value) > MAX_ORIGINS:
                raise InvalidInput(f"allowed_return_origins: must be a list of at most {MAX_ORIGINS} origins")
            out[key] = list(dict.fromkeys(check_origin(v) for v in value))
        elif key == "org_alias":
            out[key] = _text(value, "org_alias", max_length=40)
        elif key == "org_functions":
            out[key] = _switches(value, key, ORG_FUNCTIONS)
        elif key == "user_functions":
            out[key] = _switches(value, key, USER_FUNCTIONS)
        elif key in LIMITS:
            out[key] = _seconds(value, key)
        elif key == "branding":
            out[key] = _branding(value, notices)
        elif key == "override_environment":
            if not isinstance(value, bool):
                raise InvalidInput("override_environment: must be true or false")
            out[key] = value
    return out


def validate_preview_overrides(overrides: Any) -> dict[str, Any]:
    """Settings a preview tries out before they are saved: validated exactly like a PATCH."""
    return _validate(overrides, PREVIEW_FIELDS, [])


def _merge(stored: Mapping[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    """Stored data with `patch` applied; nested objects (functions, branding) merge field by field."""
    merged = dict(stored)
    for key, value in patch.items():
        if isinstance(value, dict):
            merged[key] = {**merged.get(key, {}), **value}
        else:
            merged[key] = value
    return merged


# ---- reading ------------------------------------------------------------------------------

def _row(session: Session, org_code: str | None) -> PortalSettingsRow | None:
    query = select(PortalSettingsRow)
    query = query.where(PortalSettingsRow.org_code.is_(None)) if org_code is None \
        else query.where(PortalSettingsRow.org_code == org_code)
    return session.exec(query).first()


def _env_and_org_rows(session: Session, org_code: str) -> tuple[PortalSettingsRow | None, PortalSettingsRow | None]:
    """The environment row and `org_code`'s override row, in one query (every link and portal page
    reads both)."""
    rows = session.exec(select(PortalSettingsRow).where(
        or_(PortalSettingsRow.org_code.is_(None), PortalSettingsRow.org_code == org_code))).all()
    env = next((row for row in rows if row.org_code is None), None)
    return env, next((row for row in rows if row.org_code == org_code), None)


def environment_settings(session: Session, settings: Settings) -> dict[str, Any]:
    """The environment's settings as the API shows them: env-variable defaults plus stored fields."""
    return _environment_from(_row(session, None), settings)


def _environment_from(row: PortalSettingsRow | None, settings: Settings) -> dict[str, Any]:
    stored = (row.data if row else None) or {}
    defaults = {
        "return_url": settings.default_return_url,
        "allowed_return_origins": list(settings.allowed_return_origins),
        "org_alias": DEFAULT_ALIAS,
        "org_functions": {k: True for k in ORG_FUNCTIONS},
        "user_functions": {k: True for k in USER_FUNCTIONS},
        "link_ttl_seconds": settings.link_ttl_seconds,
        "session_idle_seconds": settings.session_idle_seconds,
        "session_max_seconds": settings.session_max_seconds,
        "branding": dict(DEFAULT_BRANDING),
    }
    return _merge(defaults, stored)


def organization_settings(session: Session, settings: Settings, org_code: str) -> dict[str, Any]:
    """An organization's settings as the API shows them; without an override they mirror the environment."""
    if session.get(Organization, org_code) is None:
        raise NotFound(f"organization {org_code[:64]!r} not found", code="ORGANIZATION_NOT_FOUND")
    env_row, row = _env_and_org_rows(session, org_code)
    env = _environment_from(env_row, settings)
    stored = row.data if row else {}
    base = {"override_environment": False, "org_functions": env["org_functions"], "branding": env["branding"]}
    return _merge(base, stored)


def effective_settings(session: Session, settings: Settings, org_code: str | None = None) -> EffectiveSettings:
    """The settings that apply to a session in `org_code` (or to the user portal when None)."""
    env_row, row = _env_and_org_rows(session, org_code) if org_code else (_row(session, None), None)
    env = _environment_from(env_row, settings)
    org_functions, branding, override = env["org_functions"], env["branding"], False
    if row and row.data.get("override_environment"):
        override = True
        org_functions = {**org_functions, **row.data.get("org_functions", {})}
        branding = {**branding, **row.data.get("branding", {})}
    return EffectiveSettings(
        return_url=env["return_url"],
        allowed_return_origins=tuple(env["allowed_return_origins"]),
        org_alias=env["org_alias"],
        org_functions=dict(org_functions),
        user_functions=dict(env["user_functions"]),
        link_ttl_seconds=env["link_ttl_seconds"],
        session_idle_seconds=env["session_idle_seconds"],
        session_max_seconds=max(env["session_max_seconds"], env["session_idle_seconds"]),
        branding=dict(branding),
        org_override=override,
    )


# ---- writing ------------------------------------------------------------------------------

_LOCK_KEY = 0x706F7274616C  # "portal": the advisory lock serialising settings writes on PostgreSQL


def _lock_settings(session: Session) -> None:
    """Serialise settings writes for the rest of the transaction, so concurrent PATCHes of
    different fields (a read-modify-write of one JSON row) never lose each other's changes.

    PostgreSQL: a transaction-scoped advisory lock (also covers the very first insert, which no
    row lock could). SQLite: any write statement takes the database's write lock before we read.
    """
    from sqlalchemy import text

    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    else:
        session.execute(text("UPDATE portal_settings SET id = id WHERE 1 = 0"))

def _save(session: Session, org_code: str | None, data: dict[str, Any]) -> tuple[dict, dict]:
    row = _row(session, org_code)
    if row is None:
        row = PortalSettingsRow(org_code=org_code, data={}, updated_on=utcnow())
    before = dict(row.data or {})
    row.data = data
    row.updated_on = utcnow()
    session.add(row)
    session.flush()
    return before, data


def update_environment_settings(session: Session, settings: Settings, patch: Any, actor: audit.Actor,
                                notices: list[str] | None = None) -> dict:
    """Apply a PATCH to the environment's settings; returns the settings as the API shows them.

    Adjustments made to the values (e.g. an accent colour darkened for contrast) are appended to
    `notices`, for the caller to pass on.
    """
    clean = _validate(patch, ENV_FIELDS, notices)
    _lock_settings(session)
    row = _row(session, None)
    merged = _merge(row.data if row else {}, clean)
    current = environment_settings(session, settings)
    idle = merged.get("session_idle_seconds", current["session_idle_seconds"])
    maximum = merged.get("session_max_seconds", current["session_max_seconds"])
    if maximum < idle:
        raise InvalidInput("session_max_seconds: must be at least session_idle_seconds")
    before, after = _save(session, None, merged)
    changed_before, changed_after = audit.changed_fields(before, after)
    if changed_after:
        audit.record(session, actor=actor, action="portal_settings.updated", target_type="environment",
                     target_id="environment", before=changed_before, after=changed_after)
    return environment_settings(session, settings)


def update_organization_settings(session: Session, settings: Settings, org_code: str, patch: Any,
                                 actor: audit.Actor, notices: list[str] | None = None) -> dict:
    """Apply a PATCH to an organization's settings; returns them as the API shows them (see
    `update_environment_settings` for `notices`)."""
    clean = _validate(patch, ORG_FIELDS, notices)
    if session.get(Organization, org_code) is None:
        raise NotFound(f"organization {org_code[:64]!r} not found", code="ORGANIZATION_NOT_FOUND")
    _lock_settings(session)
    row = _row(session, org_code)
    merged = _merge(row.data if row else {}, clean)
    before, after = _save(session, org_code, merged)
    changed_before, changed_after = audit.changed_fields(before, after)
    if changed_after:
        audit.record(session, actor=actor, action="portal_settings.updated", target_type="organization",
                     target_id=org_code, org_code=org_code, before=changed_before, after=changed_after)
    return organization_settings(session, settings, org_code)
