"""The message catalogue: complete in every language, placeholders intact, every used key known."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from portal_ui import i18n
from portal_ui.settings import ConfigError, Settings

PACKAGE = Path(i18n.__file__).resolve().parents[1]
# t("area.key"...) in components, self._t("area.key"...) / _say(..., "area.key") in states and text,
# say("area.key", ...) in the domain's refusals (portal_ui.domain.errors).
USED_KEY = re.compile(r"""\b(?:t|_t|translate|say)\(\s*(?:[\w.]+,\s*)?["']([a-z_]+\.[\w.]+)["']""")


def _placeholders(text: str) -> set[str]:
    return {name for _literal, name, _spec, _conv in string.Formatter().parse(text) if name}


def test_english_and_german_are_shipped():
    assert i18n.languages()[:1] == ("en",)
    assert "de" in i18n.languages()


@pytest.mark.parametrize("lang", [lang for lang in i18n.languages() if lang != "en"])
def test_every_language_has_every_english_message_with_the_same_placeholders(lang):
    english, other = i18n.catalogue("en"), i18n.catalogue(lang)
    missing = sorted(set(english) - set(other))
    assert not missing, f"{lang} lacks {missing[:10]}"
    extra = sorted(set(other) - set(english))
    assert not extra, f"{lang} has keys English does not: {extra[:10]}"
    for key, text in english.items():
        assert _placeholders(other[key]) == _placeholders(text), key
        if key != "meta.language_name" and len(text) > 12:
            # A message left in English by mistake (short ones like "API" may be the same word).
            assert other[key] != text or not re.search(r"[a-z]{4,} [a-z]{4,}", text), f"{lang}: {key} is untranslated"


def test_every_key_the_code_uses_exists_in_english():
    english = i18n.catalogue("en")
    used: dict[str, str] = {}
    for path in PACKAGE.rglob("*.py"):
        for key in USED_KEY.findall(path.read_text(encoding="utf-8")):
            used.setdefault(key, str(path.relative_to(PACKAGE)))
    assert len(used) > 50  # the pattern still finds the calls
    unknown = {key: where for key, where in used.items() if key not in english and "{" not in key}
    assert not unknown, f"keys used but not in the English catalogue: {unknown}"


def test_translate_fills_placeholders_and_falls_back_to_english():
    assert i18n.translate("de", "shell.page_of", page=2, pages=5) == "Seite 2 von 5"
    assert i18n.translate("xx", "shell.page_of", page=2, pages=5) == "Page 2 of 5"
    with pytest.raises(KeyError):
        i18n.translate("en", "shell.no_such_message")


@pytest.mark.parametrize("header, default, expected", [
    ("de-DE,de;q=0.9,en;q=0.8", "en", "de"),
    ("en-GB,en;q=0.9,de;q=0.8", "en", "en"),
    ("fr-FR, de;q=0.5", "en", "de"),  # French is not shipped: the next choice
    ("fr-FR, ja", "de", "de"),  # nothing shipped: the configured default
    ("de;q=0, en", "de", "en"),  # q=0 means "not this one"
    ("*", "de", "de"),
    ("", "en", "en"),
    (None, "de", "de"),
    ("de;q=abc, en;q=2", "en", "en"),  # nonsense weights are ignored, not fatal
    (";;;,,,=", "en", "en"),
    ("x" * 10_000, "en", "en"),
])
def test_negotiate_follows_accept_language(header, default, expected):
    assert i18n.negotiate(header, default) == expected


def test_alias_replaces_the_word_for_organization_in_each_language():
    assert i18n.aliased("Your organizations", "Workspace", "en") == "Your workspaces"
    assert i18n.aliased("Organization details", "Team", "en") == "Team details"
    assert i18n.aliased("Die Organisationen, denen Sie angehören", "Team", "de") == "Die Teams, denen Sie angehören"
    assert i18n.aliased("Name der Organisation", "Workspace", "de") == "Name der Workspace"
    assert i18n.aliased("Organization", "", "en") == "Organization"


def test_default_language_setting_is_checked():
    assert Settings.from_env({"PORTAL_DEFAULT_LANGUAGE": "DE"}).default_language == "de"
    assert Settings.from_env({}).default_language == "en"
    with pytest.raises(ConfigError, match="PORTAL_DEFAULT_LANGUAGE"):
        Settings.from_env({"PORTAL_DEFAULT_LANGUAGE": "klingon"})


def test_the_alias_replaces_the_message_words_never_the_values_filled_in():
    text = i18n.translate_aliased("en", "shell.read_only", "Team", where="Organization Bot Ltd", section="Members")
    assert "Organization Bot Ltd" in text
    assert i18n.translate_aliased("en", "shell.this_organization", "Team") == "this team"


def test_dates_read_as_each_language_writes_them():
    from datetime import datetime, timedelta, timezone

    from portal_ui.domain.errors import say

    late_evening = datetime(2026, 3, 7, 23, 30, tzinfo=timezone(timedelta(hours=-5)))  # 8 March in UTC
    assert i18n.format_date(late_evening, "en") == "8 Mar 2026"
    assert i18n.format_date(late_evening, "de") == "8. März 2026"
    assert i18n.format_date(None, "de") == ""
    # A date inside a domain message follows the language the message is shown in.
    text = say("billing_rules.summary.ends_later", plan="Pro", date=datetime(2026, 12, 1))
    assert "1 Dec 2026" in str(text)
    assert "1. Dez. 2026" in text.render("de")
