"""The text of a PDF made by fpdf2 with its core fonts, for assertions: every content stream
inflated, and the strings drawn with Tj joined (Latin-1, escapes undone, no-break spaces as spaces)."""

from __future__ import annotations

import re
import zlib

_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.DOTALL)
_SHOWN = re.compile(rb"\(((?:[^()\\]|\\.)*)\)\s*Tj", re.DOTALL)


def pdf_text(data: bytes) -> str:
    """The strings a PDF draws, one per line, in drawing order."""
    out: list[str] = []
    for raw in _STREAM.findall(data):
        try:
            content = zlib.decompress(raw)
        except zlib.error:
            content = raw
        for shown in _SHOWN.findall(content):
            text = re.sub(rb"\\(.)", rb"\1", shown)
            out.append(text.decode("latin-1").replace("\u00a0", " "))  # no-break spaces as spaces
    return "\n".join(out)
