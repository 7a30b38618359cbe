"""Colour contrast (WCAG 2.x): relative luminance, contrast ratio, and an accent colour that reads.

A branding accent colour is used for text and controls on a white page. One whose contrast with
white is under 4.5:1 (WCAG AA for normal text) is darkened, keeping its hue, until it reaches it.
"""

from __future__ import annotations

AA_TEXT = 4.5


def _channel(value: int) -> float:
    c = value / 255
    return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4


def luminance(hex_colour: str) -> float:
    r, g, b = (int(hex_colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _channel(r) + 0.7152 * _channel(g) + 0.0722 * _channel(b)


def contrast_ratio(a: str, b: str) -> float:
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def readable_accent(hex_colour: str, background: str = "#ffffff", minimum: float = AA_TEXT) -> str:
    """`hex_colour` (lower-case) if it reaches `minimum` against `background`, else the same hue
    darkened step by step until it does."""
    colour = hex_colour.lower()
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    factor = 1.0
    while contrast_ratio(colour, background) < minimum and factor > 0:
        factor = round(factor - 0.02, 2)
        colour = "#{:02x}{:02x}{:02x}".format(*(max(0, int(c * factor)) for c in (r, g, b)))
    return colour
