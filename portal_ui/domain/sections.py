"""The portal's sections, the sub_nav values that open them (README "Where a link lands"), and who may see them.

Pure rules: callers pass in the effective portal settings' function switches and the session's
system permissions; nothing here touches the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Literal, Mapping

from portal_ui.domain.errors import InvalidInput

Access = Literal["hidden", "read", "write"]


@dataclass(frozen=True)
class Section:
    key: str  # the canonical sub_nav value
    portal: Literal["user", "organization"]
    function: str  # key in user_functions / org_functions
    title: str  # English title; "organization" is replaced by the alias at display time
    path: str  # the portal page
    read_permission: str | None = None  # organization sections only
    write_permission: str | None = None


SECTIONS: tuple[Section, ...] = (
    Section("profile", "user", "profile", "Profile", "/profile"),
    Section("plan_details", "user", "billing", "Plan", "/billing/plan"),
    Section("plan_selection", "user", "billing", "Change plan", "/billing/plans"),
    Section("payment_details", "user", "billing", "Payment methods", "/billing/payment"),
    Section("api_keys", "user", "api_keys", "API keys", "/api-keys"),
    Section("organization_details", "organization", "details", "Organization details", "/org/details",
            "org:read:details", "org:write:details"),
    # Domains belong to the organization's details: the same function switch and permissions.
    Section("organization_domains", "organization", "details", "Domains", "/org/domains",
            "org:read:details", "org:write:details"),
    Section("organization_members", "organization", "members", "Members", "/org/members",
            "org:read:members", "org:write:members"),
    Section("organization_plan_details", "organization", "billing", "Plan", "/org/billing/plan",
            "org:read:billing", "org:write:billing"),
    Section("organization_plan_selection", "organization", "billing", "Change plan", "/org/billing/plans",
            "org:read:billing", "org:write:billing"),
    Section("organization_payment_details", "organization", "billing", "Payment methods", "/org/billing/payment",
            "org:read:billing", "org:write:billing"),
    Section("organization_api_keys", "organization", "api_keys", "API keys", "/org/api-keys",
            "read:org:authentication", "write:org:authentication"),
    # Read-only by nature: nothing in it can be changed, so it has no write permission.
    Section("organization_audit_log", "organization", "audit_log", "Audit log", "/org/audit-log",
            "org:read:audit_log", None),
)
BY_KEY: dict[str, Section] = {s.key: s for s in SECTIONS}
BY_PATH: dict[str, Section] = {s.path: s for s in SECTIONS}

# sub_nav spellings that name the same section as another value.
ALIASES: dict[str, str] = {"user_api_keys": "api_keys"}
SUB_NAV_VALUES: frozenset[str] = frozenset(BY_KEY) | frozenset(ALIASES)
DEFAULT_SUB_NAV = "profile"


def parse_sub_nav(value: str | None) -> str:
    """The canonical sub_nav for `value` (None or "" means the default); unknown -> InvalidInput."""
    if value is None or value == "":
        return DEFAULT_SUB_NAV
    if value not in SUB_NAV_VALUES:
        raise InvalidInput(f"sub_nav: unknown value {value[:64]!r}; use one of {', '.join(sorted(SUB_NAV_VALUES))}",
                           code="INVALID_SUBNAV")
    return ALIASES.get(value, value)


def section_access(
    section: Section,
    *,
    user_functions: Mapping[str, bool],
    org_functions: Mapping[str, bool],
    permissions: Iterable[str],
    has_org: bool,
    only: str | None = None,
) -> Access:
    """What this session may do in `section`: hidden, read (view only) or write.

    User sections need only the function switched on: people manage their own account.
    Organization sections need a session with an organization, the function on, and the
    read (or write) permission; write implies read. A session limited to one section (`only`,
    a focused flow's) sees no other.
    """
    if only is not None and section.key != only:
        return "hidden"
    if section.portal == "user":
        return "write" if user_functions.get(section.function, False) else "hidden"
    if not has_org or not org_functions.get(section.function, False):
        return "hidden"
    held = set(permissions)
    if section.write_permission in held:
        return "write"
    if section.read_permission in held:
        return "read"
    return "hidden"


def visible_sections(**context) -> list[tuple[Section, Access]]:
    """Every section the session may see, in navigation order, with its access level."""
    out = []
    for section in SECTIONS:
        access = section_access(section, **context)
        if access != "hidden":
            out.append((section, access))
    return out


def landing_section(requested: str, **context) -> tuple[Section | None, bool]:
    """The section to open for a requested sub_nav: (section, was_redirected).

    A hidden section falls back to the first visible one; (None, True) when nothing is visible.
    """
    key = ALIASES.get(requested, requested)
    wanted = BY_KEY.get(key)
    if wanted and section_access(wanted, **context) != "hidden":
        return wanted, False
    visible = visible_sections(**context)
    return (visible[0][0] if visible else None), True
