"""The worst SVG uploads of their kind at the size limit, for tests/domain/test_logos.py (each is cleaned
or refused clearly) and bench/svg_uploads.py (how long the sanitiser takes on each)."""

from __future__ import annotations

from portal_ui.domain.logos import LOGO_MAX_BYTES
from portal_ui.domain.svg_clean import MAX_TAGS

SVG_OPEN = b'<svg xmlns="http://www.w3.org/2000/svg">'


def at_size_limit(head: bytes, unit: bytes, tail: bytes = b"", *, each: int = 0, between: bytes = b"") -> bytes:
    """An SVG as close to LOGO_MAX_BYTES as `unit` repeats allow: `head`, units, `tail`.

    With `each`, the units come in runs of that many, every run wrapped in `head`…`tail`
    (`between` separating them), as many runs as fit: many values each just under a cap.
    """
    room = LOGO_MAX_BYTES - len(SVG_OPEN) - len(b"</svg>")
    if not each:
        return SVG_OPEN + head + unit * ((room - len(head) - len(tail)) // len(unit)) + tail + b"</svg>"
    run = head + unit * each + tail + between
    return SVG_OPEN + run * (room // len(run)) + b"</svg>"


def padded(count: int, unit: bytes, head: bytes = b"", tail: bytes = b"") -> bytes:
    """`head`, `unit` `count` times, `tail`: with `{pad}` in `unit` widened to fill LOGO_MAX_BYTES."""
    room = LOGO_MAX_BYTES - len(SVG_OPEN) - len(b"</svg>") - len(head) - len(tail)
    width = room // count - len(unit.replace(b"{pad}", b""))
    return SVG_OPEN + head + unit.replace(b"{pad}", b"w" * width) * count + tail + b"</svg>"


def nested(name: bytes, depth: int, *, close: bool = True) -> bytes:
    """`depth` elements `name`, each inside the one before, padded to fill LOGO_MAX_BYTES."""
    end = b"</%s>" % name * depth if close else b""
    return padded(depth, b'<%s class="{pad}">' % name, b"", end)


TAGS = MAX_TAGS - 10  # as many tags as the sanitiser reads: each of these inputs is walked in full
CSS_RUN = 64 * 1024 // 5 - 10  # units of at most 5 bytes, keeping each style under 64 KiB
HOSTILE_SVGS = {
    "unclosed url( in style attributes": at_size_limit(b'<rect style="', b"url(", b'"/>', each=CSS_RUN),
    "unclosed url(' in style attributes": at_size_limit(b'<rect style="', b"url('", b'"/>', each=CSS_RUN),
    "unclosed url( in <style> elements": at_size_limit(b"<style>", b"url(", b"</style>", each=CSS_RUN),
    "url( spelt with character references": at_size_limit(b"<style>", b"&#x75;rl(", b"</style>", each=6000),
    "unclosed url( in drawing attributes": at_size_limit(b'<rect fill="', b"url( ", b'"/>', each=50_000),
    "url(#id) then one bad url(": at_size_limit(b'<rect fill="', b"url(#a)", b'url("/>', each=30_000),
    "unclosed comments in <style> elements": at_size_limit(b"<style>", b"/* ", b"</style>", each=CSS_RUN),
    "one style attribute as big as the file": at_size_limit(b'<rect style="', b"url(", b'"/>'),
    "one <style> as big as the file": at_size_limit(b"<style>", b"url(", b"</style>"),
    "one attribute as big as the file": at_size_limit(b'<rect fill="', b"url(", b'"/>'),
    "more tags than the parser is given": at_size_limit(b"", b"<x/>"),
    "thousands of nested <g>": nested(b"g", TAGS // 2),
    "thousands of nested <g>, never closed": nested(b"g", TAGS, close=False),
    "thousands of nested dropped elements": nested(b"x", TAGS // 2),
    "thousands of elements": padded(TAGS, b'<g class="{pad}"/>'),
    "thousands of dropped elements": padded(TAGS, b'<x a="{pad}"/>'),
    "words between dropped elements in a <text>": padded(TAGS - 2, b"<x/>{pad} ", b"<text>", b"</text>"),
    "tens of thousands of attributes": SVG_OPEN + b"<rect" + b"".join(
        b' a%d="url("' % i for i in range(37_000)) + b"/></svg>",
    "entity expansion": b'<!DOCTYPE svg [<!ENTITY a "url(url(url(url(">' + b"".join(
        b'<!ENTITY a%d "&a;&a;&a;&a;">' % i for i in range(1000)) + b"]>" + SVG_OPEN + b"&a999;</svg>",
}
