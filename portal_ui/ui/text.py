"""The portal's words: the organization alias, section labels, page titles and notices.

Pure functions over domain values, so they are tested without a browser. The alias replaces the
word "organization" in every text the portal shows (README "Portal settings", `org_alias`).
"""

from __future__ import annotations

from portal_ui import i18n
from portal_ui.domain.errors import DomainError
from portal_ui.domain.sections import ALIASES, BY_KEY, Section


def aliased(text: str, alias: str, lang: str = i18n.FALLBACK) -> str:
    """`text` with "organization(s)" replaced by the alias, keeping the first letter's case.

    >>> aliased("Organization details", "Workspace")
    'Workspace details'
    >>> aliased("your organizations", "Team")
    'your teams'
    """
    return i18n.aliased(text, alias, lang)


def refusal(exc: DomainError, alias: str, lang: str = i18n.FALLBACK) -> str:
    """A domain refusal as the portal shows it: in `lang` (catalogue messages; others as raised),
    "organization" in the alias's words."""
    return i18n.aliased(exc.localized(lang), alias, lang)


def _say(lang: str, alias: str, key: str, **values: str) -> str:
    return i18n.translate_aliased(lang, key, alias, **values)


def section_title(section: Section, alias: str, lang: str = i18n.FALLBACK) -> str:
    """The title shown in navigation and headings."""
    return _say(lang, alias, f"shell.section.{section.key}")


def group_title(section: Section, alias: str, lang: str = i18n.FALLBACK) -> str:
    """The navigation group a section belongs to: "Your account" or the alias."""
    return _say(lang, alias, "shell.your_account" if section.portal == "user" else "shell.organization")


def section_description(section: Section, alias: str, lang: str = i18n.FALLBACK) -> str:
    return _say(lang, alias, f"shell.description.{section.key}")


def section_label(section: Section, alias: str, lang: str = i18n.FALLBACK) -> str:
    """A title that is unambiguous on its own ("Plan" exists for users and organizations)."""
    title = section_title(section, alias, lang)
    group = group_title(section, alias, lang)
    if section.portal == "user" or group.lower() in title.lower():
        return title
    return i18n.translate(lang, "shell.label_in_group", title=title, group=group)


def page_title(section: Section, alias: str, product_name: str, lang: str = i18n.FALLBACK) -> str:
    """The browser tab title, e.g. "Members · Workspace · Nimbus"."""
    return " · ".join(part for part in (section_title(section, alias, lang), group_title(section, alias, lang),
                                        product_name.strip()) if part)


def unavailable_notice(requested: str | None, landed: Section, alias: str, lang: str = i18n.FALLBACK) -> str:
    """The notice for a page reached instead of a hidden section; "" for anything unrecognised.

    `requested` comes from the address bar: it is only ever used as a key into the section
    table, never shown.
    """
    if not requested:
        return ""
    wanted = BY_KEY.get(ALIASES.get(requested, requested))
    if wanted is None or wanted.key == landed.key:
        return ""
    return i18n.translate(lang, "shell.unavailable", wanted=section_label(wanted, alias, lang),
                          landed=section_label(landed, alias, lang))


def read_only_note(section: Section, alias: str, org_name: str, lang: str = i18n.FALLBACK) -> str:
    """Why a read-only section's controls are disabled."""
    where = org_name or _say(lang, alias, "shell.this_organization")
    return i18n.translate(lang, "shell.read_only", where=where, section=section_title(section, alias, lang))


def person_name(given: str, family: str, email: str | None) -> str:
    """A user's display name, falling back to their email address."""
    name = f"{given} {family}".strip()
    return name or (email or "")
