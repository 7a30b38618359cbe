"""The portal's message catalogue: every word the portal shows, per language.

One folder per language under `portal_ui/i18n/` (`en/`, `de/`...), each holding JSON files named
after the part of the portal they serve (`shell.json`, `members.json`...). A message's key is
"<file>.<name>", e.g. "shell.exit". English is complete by definition; another language may
leave a message out, and English shows in its place. Adding a language is adding a folder (and,
for the organization alias, a rule in `ALIAS_RULES`); no component changes.

Messages use `str.format` placeholders: "Page {page} of {pages}".

Plain Python: the HTTP layer, the Reflex UI and the tests all use it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timezone
from functools import lru_cache
from pathlib import Path

from babel import dates as babel_dates

HERE = Path(__file__).resolve().parent
FALLBACK = "en"
_TAG = re.compile(r"^[a-z]{2,3}$")


@lru_cache(maxsize=None)
def languages() -> tuple[str, ...]:
    """The languages with a catalogue, English first."""
    found = sorted(p.name for p in HERE.iterdir() if p.is_dir() and _TAG.match(p.name))
    return (FALLBACK, *[lang for lang in found if lang != FALLBACK])


@lru_cache(maxsize=None)
def catalogue(lang: str) -> dict[str, str]:
    """Every message of `lang` by key ("<file>.<name>"); {} for a language without a folder."""
    if lang not in languages():
        return {}
    messages: dict[str, str] = {}
    for path in sorted((HERE / lang).glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for name, message in data.items():
            if not isinstance(message, str):
                raise ValueError(f"{path}: {name} is not a string")
            messages[f"{path.stem}.{name}"] = message
    return messages


def message(lang: str, key: str) -> str:
    """The raw message for `key` in `lang`, or in English when `lang` has none.

    An unknown key is a programming error (KeyError), so a typo fails the tests, not a page."""
    found = catalogue(lang).get(key)
    if found is not None:
        return found
    return catalogue(FALLBACK)[key]


def translate(lang: str, key: str, /, **values: object) -> str:
    """The message for `key` in `lang`, with its placeholders filled."""
    text = message(lang, key)
    return text.format(**values) if values else text


def translate_aliased(lang: str, key: str, alias: str, /, **values: object) -> str:
    """`translate` with the organization alias applied to the message, not to the values filled in
    (a member called "Organization Bot" keeps their name)."""
    text = aliased(message(lang, key), alias, lang)
    return text.format(**values) if values else text


def format_date(value: date | None, lang: str = FALLBACK) -> str:
    """A day as the portal shows it: "7 Mar 2026" in English, "7. März 2026" in German ("" for None).

    Babel writes it with the language's CLDR month names, after the catalogue's pattern
    (`meta.date_pattern`, a CLDR date pattern). Datetimes are shown as their UTC day."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = (value if value.tzinfo is None else value.astimezone(timezone.utc)).date()
    return babel_dates.format_date(value, message(lang, "meta.date_pattern"), locale=lang)


def language_name(lang: str) -> str:
    return translate(lang, "meta.language_name")


# ---- choosing a language ----------------------------------------------------------------------

def negotiate(accept_language: str | None, default: str = FALLBACK) -> str:
    """The best catalogue for an Accept-Language header (RFC 9110 §12.5.4), else `default`.

    >>> negotiate("de-CH, fr;q=0.8, en;q=0.5")
    'de'
    >>> negotiate("ja, *;q=0.1", default="de")
    'de'
    """
    available = languages()
    default = default if default in available else FALLBACK
    choices: list[tuple[float, int, str]] = []
    for index, part in enumerate((accept_language or "")[:512].split(",")[:32]):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip().lower()
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if not tag or quality <= 0 or not (0 < quality <= 1):
            continue
        choices.append((-quality, index, tag))
    for _quality, _index, tag in sorted(choices):
        if tag == "*":
            return default
        primary = tag.split("-", 1)[0]
        if primary in available:
            return primary
    return default


# ---- the organization alias -------------------------------------------------------------------

@dataclass(frozen=True)
class AliasRule:
    """How a language writes "organization", so the configured alias can replace it."""

    pattern: re.Pattern  # group 1: the first letter (keeps its case); group 2: the plural ending
    plural: str  # appended to the alias for a plural
    keep_case: bool  # English lower-cases the alias mid-sentence; German keeps nouns capitalised


ALIAS_RULES: dict[str, AliasRule] = {
    "en": AliasRule(re.compile(r"\b([Oo])rganization(s?)\b"), "s", keep_case=False),
    "de": AliasRule(re.compile(r"\b([Oo])rganisation(en)?\b"), "s", keep_case=True),
}


def aliased(text: str, alias: str, lang: str = FALLBACK) -> str:
    """`text` with the word for "organization" replaced by the alias (README "Portal settings", `org_alias`).

    >>> aliased("Organization details", "Workspace")
    'Workspace details'
    >>> aliased("your organizations", "Team")
    'your teams'
    >>> aliased("Details der Organisation", "Workspace", "de")
    'Details der Workspace'
    """
    rule = ALIAS_RULES.get(lang)
    alias = alias.strip()
    if rule is None or not alias:
        return text

    def swap(match: re.Match) -> str:
        if rule.keep_case or match.group(1).isupper():
            word = alias[0].upper() + alias[1:]
        else:
            word = alias[0].lower() + alias[1:]
        return word + (rule.plural if match.group(2) else "")

    return rule.pattern.sub(swap, text)


def mentions_organization(text: str) -> bool:
    """True when `text` holds a word the alias must replace (in any language's rule)."""
    return any(rule.pattern.search(text) for rule in ALIAS_RULES.values())
