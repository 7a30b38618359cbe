"""Portal settings (README "Portal settings"): the environment's, an organization's override, and the result.

Storage: one `portal_settings` row with `org_code` NULL for the environment and one row per
organization that has its own settings. A row stores only the fields that were set through the
settings API; every other field falls back to the environment variables (README "Configuration"). So the
environment variables seed the settings, and once a field is set through the API the API wins.

An organization override (`override_environment: true`) replaces the environment's enabled
organization functions and branding for that organization's sessions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from sqlalchemy import or_
from sqlmodel import Session, select

from portal_ui.domain import audit
from portal_ui.domain.clock import utcnow
from portal_ui.domain.errors import InvalidInput, NotFound
from portal_ui.domain.settings_models import (  # noqa: F401 (the constants are re-exported)
    APPEARANCES, LIMITS, MAX_ORIGINS, ORG_FUNCTIONS, USER_FUNCTIONS, EnvironmentSettingsPatch,
    OrganizationSettingsPatch, PreviewOverrides, parse_patch)
from portal_ui.models import Organization, PortalSettingsRow
from portal_ui.settings import Settings, origin_of

DEFAULT_BRANDING = {"product_name": "Account", "logo_url": None, "accent_color": "#4f46e5", "appearance": "system"}
DEFAULT_SELLER = {"name": "", "address": [], "email": "", "tax_id": ""}
DEFAULT_ALIAS = "Organization"

ENV_FIELDS = tuple(EnvironmentSettingsPatch.model_fields)
ORG_FIELDS = tuple(OrganizationSettingsPatch.model_fields)
PREVIEW_FIELDS = tuple(PreviewOverrides.model_fields)


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
# The bodies are pydantic models (portal_ui/domain/settings_models.py); `parse_patch` returns the
# fields a body names, cleaned, or raises InvalidInput naming the bad field.

def validate_preview_overrides(overrides: Any) -> dict[str, Any]:
    """Settings a preview tries out before they are saved: validated exactly like a PATCH."""
    return parse_patch(PreviewOverrides, overrides, [])


def _merge(stored: Mapping[str, Any], patch: Mapping[str, Any]) -> dict[str, Any]:
    """Stored data with `patch` applied; nested objects (functions, branding) merge field by field."""
    merged = dict(stored)
    for key, value in patch.items():
        if isinstance(value, dict):
            merged[key] = {**(merged.get(key) or {}), **value}
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
        "seller": dict(DEFAULT_SELLER),
        "retention_coupon": None,
    }
    return _merge(defaults, stored)


def seller_details(session: Session) -> dict[str, Any]:
    """The seller printed on invoices (environment settings `seller`): name, address lines, email, tax ID."""
    row = _row(session, None)
    return {**DEFAULT_SELLER, **((row.data if row else None) or {}).get("seller", {})}


def retention_coupon(session: Session) -> dict[str, Any] | None:
    """The coupon offered to someone who cancels (environment settings `retention_coupon`): percent
    off, duration in months and label; None when there is none."""
    row = _row(session, None)
    coupon = ((row.data if row else None) or {}).get("retention_coupon")
    return dict(coupon) if isinstance(coupon, dict) else None


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
    clean = parse_patch(EnvironmentSettingsPatch, patch, notices)
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
    clean = parse_patch(OrganizationSettingsPatch, patch, notices)
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
