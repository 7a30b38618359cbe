"""Branding from the portal settings, turned into what the theme needs.

Radix Themes knows 26 named accent scales; settings allow any #rrggbb. The portal picks the
nearest named scale (for tints, borders and text) and overrides the solid steps with the exact
colour (buttons, indicators), so the brand colour appears as given.
"""

from __future__ import annotations

from typing import Any, Mapping

# Step 9 (the solid colour) of each Radix accent scale, light appearance (@radix-ui/themes 3).
RADIX_STEP_9: dict[str, str] = {
    "tomato": "#e54d2e", "red": "#e5484d", "ruby": "#e54666", "crimson": "#e93d82", "pink": "#d6409f",
    "plum": "#ab4aba", "purple": "#8e4ec6", "violet": "#6e56cf", "iris": "#5b5bd6", "indigo": "#3e63dd",
    "blue": "#0090ff", "cyan": "#00a2c7", "teal": "#12a594", "jade": "#29a383", "green": "#30a46c",
    "grass": "#46a758", "brown": "#ad7f58", "orange": "#f76b15", "sky": "#7ce2fe", "mint": "#86ead4",
    "lime": "#bdee63", "yellow": "#ffe629", "amber": "#ffc53d", "gold": "#978365", "bronze": "#a18072",
    "gray": "#8d8d8d",
}
FALLBACK_ACCENT = "#4f46e5"
APPEARANCE_CLASS = {"light": "light", "dark": "dark", "system": ""}


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    value = hex_colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _linear(channel: int) -> float:
    c = channel / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def _oklab(hex_colour: str) -> tuple[float, float, float]:
    r, g, b = (_linear(c) for c in _rgb(hex_colour))
    l_ = (0.4122214708 * r + 0.5363325363 * g + 0.0514459929 * b) ** (1 / 3)
    m_ = (0.2119034982 * r + 0.6806995451 * g + 0.1073969566 * b) ** (1 / 3)
    s_ = (0.0883024619 * r + 0.2817188376 * g + 0.6299787005 * b) ** (1 / 3)
    return (0.2104542553 * l_ + 0.7936177850 * m_ - 0.0040720468 * s_,
            1.9779984951 * l_ - 2.4285922050 * m_ + 0.4505937099 * s_,
            0.0259040371 * l_ + 0.7827717662 * m_ - 0.8086757660 * s_)


def nearest_radix_accent(hex_colour: str) -> str:
    """The Radix accent scale whose solid colour is closest (in OKLab) to `hex_colour`."""
    target = _oklab(hex_colour)
    return min(RADIX_STEP_9, key=lambda name: sum((a - b) ** 2 for a, b in zip(_oklab(RADIX_STEP_9[name]), target)))


def contrast_text(hex_colour: str) -> str:
    """White or near-black, whichever reads better on `hex_colour` (WCAG relative luminance)."""
    r, g, b = (_linear(c) for c in _rgb(hex_colour))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "#ffffff" if (1.05 / (luminance + 0.05)) >= ((luminance + 0.05) / 0.05) else "#111111"


def accent_overrides(hex_colour: str) -> dict[str, str]:
    """CSS custom properties that put the exact brand colour on Radix's solid accent steps."""
    return {
        "--accent-9": hex_colour,
        "--accent-10": f"color-mix(in oklab, {hex_colour} 88%, black)",
        "--accent-contrast": contrast_text(hex_colour),
        "--accent-indicator": hex_colour,
        "--accent-track": hex_colour,
    }


def clean_branding(branding: Mapping[str, Any]) -> dict[str, str]:
    """Branding values ready for the UI; anything missing or odd falls back to a neutral default.

    The settings API validated these already; this only guards the rendering.
    """
    accent = str(branding.get("accent_color") or FALLBACK_ACCENT).lower()
    if len(accent) != 7 or not accent.startswith("#") or any(c not in "0123456789abcdef" for c in accent[1:]):
        accent = FALLBACK_ACCENT
    logo = branding.get("logo_url") or ""
    logo = logo if isinstance(logo, str) and logo.startswith(("https://", "http://")) else ""
    return {
        "product_name": str(branding.get("product_name") or "Account"),
        "logo_url": logo,
        "accent_color": accent,
        "accent_contrast": contrast_text(accent),
        "radix_accent": nearest_radix_accent(accent),
        "appearance_class": APPEARANCE_CLASS.get(str(branding.get("appearance") or "system"), ""),
    }
