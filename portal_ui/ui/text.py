"""The portal's words: the organization alias, section labels, page titles and notices.

Pure functions over domain values, so they are tested without a browser. The alias replaces the
word "organization" in every text the portal shows (contract §6, `org_alias`).
"""

from __future__ import annotations

import re

from portal_ui.domain.sections import ALIASES, BY_KEY, Section

ACCOUNT_GROUP = "Your account"

# One sentence per section saying what it holds; "organization" is aliased on display.
DESCRIPTIONS: dict[str, str] = {
    "profile": "Your name, email address and the organizations you belong to.",
    "plan_details": "The plan your account is on and what it includes.",
    "plan_selection": "The plans you can move your account to.",
    "payment_details": "The payment methods your account is billed to.",
    "api_keys": "Keys that let your scripts and integrations call the API as you.",
    "organization_details": "The organization's name and business details.",
    "organization_members": "Who belongs to the organization, and their roles.",
    "organization_plan_details": "The plan the organization is on and what it includes.",
    "organization_plan_selection": "The plans the organization can move to.",
    "organization_payment_details": "The payment methods the organization is billed to.",
    "organization_api_keys": "Keys that let the organization's integrations call the API.",
}
_ORGANIZATION = re.compile(r"\b([Oo])rganization(s?)\b")


def aliased(text: str, alias: str) -> str:
    """`text` with "organization(s)" replaced by the alias, keeping the first letter's case.

    >>> aliased("Organization details", "Workspace")
    'Workspace details'
    >>> aliased("your organizations", "Team")
    'your teams'
    """
    alias = alias.strip() or "Organization"

    def swap(match: re.Match) -> str:
        word = alias[0].upper() + alias[1:] if match.group(1) == "O" else alias[0].lower() + alias[1:]
        return word + match.group(2)

    return _ORGANIZATION.sub(swap, text)


def section_title(section: Section, alias: str) -> str:
    """The title shown in navigation and headings."""
    return aliased(section.title, alias)


def group_title(section: Section, alias: str) -> str:
    """The navigation group a section belongs to: "Your account" or the alias."""
    return ACCOUNT_GROUP if section.portal == "user" else aliased("Organization", alias)


def section_description(section: Section, alias: str) -> str:
    return aliased(DESCRIPTIONS.get(section.key, ""), alias)


def section_label(section: Section, alias: str) -> str:
    """A title that is unambiguous on its own ("Plan" exists for users and organizations)."""
    title = section_title(section, alias)
    group = group_title(section, alias)
    if section.portal == "user" or group.lower() in title.lower():
        return title
    return f"{title} ({group})"


def page_title(section: Section, alias: str, product_name: str) -> str:
    """The browser tab title, e.g. "Members · Workspace · Nimbus"."""
    return " · ".join(part for part in (section_title(section, alias), group_title(section, alias),
                                        product_name.strip()) if part)


def unavailable_notice(requested: str | None, landed: Section, alias: str) -> str:
    """The notice for a page reached instead of a hidden section; "" for anything unrecognised.

    `requested` comes from the address bar: it is only ever used as a key into the section
    table, never shown.
    """
    if not requested:
        return ""
    wanted = BY_KEY.get(ALIASES.get(requested, requested))
    if wanted is None or wanted.key == landed.key:
        return ""
    return (f"{section_label(wanted, alias)} is not available to you here, "
            f"so you are seeing {section_label(landed, alias)} instead.")


def read_only_note(section: Section, alias: str, org_name: str) -> str:
    """Why a read-only section's controls are disabled."""
    where = org_name or aliased("this organization", alias)
    return (f"View only: your role in {where} lets you see {section_title(section, alias)} but not make "
            f"changes. Ask an administrator of {where} if something needs changing.")


def person_name(given: str, family: str, email: str | None) -> str:
    """A user's display name, falling back to their email address."""
    name = f"{given} {family}".strip()
    return name or (email or "")
