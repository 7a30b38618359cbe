"""Accent colours keep text readable: WCAG contrast, and darkening a colour that fails."""

import pytest

from portal_ui.domain.audit import Actor
from portal_ui.domain.contrast import contrast_ratio, readable_accent
from portal_ui.domain import portal_settings as ps


def test_contrast_ratio_matches_wcag_reference_values():
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


@pytest.mark.parametrize("colour", ["#ffff00", "#7fffd4", "#ff99cc", "#4f46e5", "#0f766e"])
def test_readable_accent_reaches_aa_and_keeps_good_colours(colour):
    readable = readable_accent(colour)
    assert contrast_ratio(readable, "#ffffff") >= 4.5
    if contrast_ratio(colour, "#ffffff") >= 4.5:
        assert readable == colour


def test_settings_say_when_they_adjust_a_colour(settings, session):
    notices: list[str] = []
    data = ps.update_environment_settings(session, settings, {"branding": {"accent_color": "#FFFF00"}},
                                          Actor(type="m2m", id="t"), notices)
    assert data["branding"]["accent_color"] != "#ffff00"
    assert contrast_ratio(data["branding"]["accent_color"], "#ffffff") >= 4.5
    assert len(notices) == 1 and "#ffff00" in notices[0] and "4.5:1" in notices[0]
