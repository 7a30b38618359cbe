"""The UI's pure helpers: alias wording, titles, notices and brand colours (no browser)."""

from __future__ import annotations

import pytest

from portal_ui.domain.sections import BY_KEY, SECTIONS
from portal_ui.ui import branding, text
from portal_ui.ui.routes import unavailable_redirect


@pytest.mark.parametrize("source, alias, expected", [
    ("Organization details", "Workspace", "Workspace details"),
    ("The organization's name", "Team", "The team's name"),
    ("your organizations", "Workspace", "your workspaces"),
    ("Reorganization", "Team", "Reorganization"),  # only the whole word
])
def test_alias_replaces_the_word_organization(source, alias, expected):
    assert text.aliased(source, alias) == expected


def test_no_section_text_keeps_the_word_organization():
    for section in SECTIONS:
        shown = [text.section_title(section, "Team"), text.section_description(section, "Team"),
                 text.page_title(section, "Team", "Nimbus"), text.section_label(section, "Team")]
        assert not any("rganization" in item for item in shown), section.key


def test_page_titles():
    assert text.page_title(BY_KEY["organization_members"], "Workspace", "Nimbus") == "Members · Workspace · Nimbus"
    assert text.page_title(BY_KEY["profile"], "Workspace", "Nimbus") == "Profile · Your account · Nimbus"


def test_unavailable_notice_only_names_known_sections():
    landed = BY_KEY["profile"]
    assert "Members (Team)" in text.unavailable_notice("organization_members", landed, "Team")
    assert text.unavailable_notice("<script>", landed, "Team") == ""
    assert text.unavailable_notice("profile", landed, "Team") == ""
    assert text.unavailable_notice(None, landed, "Team") == ""
    assert unavailable_redirect("/profile", "<script>") == "/profile"
    assert unavailable_redirect("/profile", "organization_members") == "/profile?unavailable=organization_members"


@pytest.mark.parametrize("colour, nearest", [
    ("#3e63dd", "indigo"), ("#e5484d", "red"), ("#30a46c", "green"), ("#4f46e5", "iris"), ("#ffc53d", "amber"),
])
def test_nearest_radix_accent(colour, nearest):
    assert branding.nearest_radix_accent(colour) == nearest


def test_contrast_text_reads_on_the_accent():
    assert branding.contrast_text("#4f46e5") == "#ffffff"
    assert branding.contrast_text("#ffe629") == "#111111"


def test_clean_branding_falls_back_on_odd_values():
    clean = branding.clean_branding({"accent_color": "red; background: url(x)", "logo_url": "javascript:alert(1)",
                                     "appearance": "dark", "product_name": "Nimbus"})
    assert clean["accent_color"] == branding.FALLBACK_ACCENT
    assert clean["logo_url"] == ""
    assert clean["appearance_class"] == "dark"
    assert branding.clean_branding({})["product_name"] == "Account"
