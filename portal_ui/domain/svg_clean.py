"""SVG logos, sanitised: only drawing is kept; scripts, event handlers, links and external references go.

An SVG is an XML document that can carry scripts, event-handler attributes, links, external
images, fonts and style sheets. The portal shows a logo with <img> (where browsers run no
script and fetch nothing) and serves it with a CSP of `default-src 'none'`; this module is the
third layer, so a stored logo is harmless even if one of the other two is lost.

The document is parsed with defusedxml (a DOCTYPE line is allowed; entity declarations and
external references are not) and rebuilt from an allow-list of drawing elements and attributes.
Anything not on the list is dropped with its children. References may only point inside the document (`#id`, `url(#id)`).

The work is linear in the size of the file: every check is a forward scan that never revisits
text (no pattern that backtracks over attacker-controlled text), values and style sheets have a
length cap, and the tree is walked with an explicit stack, so deep nesting is refused with a
message instead of exhausting Python's recursion limit (ElementTree serialises recursively).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from portal_ui.domain.errors import InvalidInput, say

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
XML_NS = "http://www.w3.org/XML/1998/namespace"
MAX_ELEMENTS = 5000
# Every tag, comment and processing instruction starts with '<' (in XML a raw '<' appears nowhere
# else but in CDATA), so counting them bounds the parser's work before it starts: room for
# MAX_ELEMENTS kept elements, their end tags and as much again of what is dropped.
MAX_TAGS = 4 * MAX_ELEMENTS
MAX_DEPTH = 100  # kept elements nested deeper than this are refused (serialising recurses once per level)
MAX_VALUE_CHARS = 256 * 1024  # one attribute value, e.g. a long path's `d`
MAX_CSS_CHARS = 64 * 1024  # one style attribute or <style> element

ELEMENTS = frozenset({
    "svg", "g", "defs", "title", "desc", "symbol", "use", "path", "rect", "circle", "ellipse", "line",
    "polyline", "polygon", "text", "tspan", "linearGradient", "radialGradient", "stop", "clipPath", "mask",
    "pattern", "marker", "style", "filter", "feGaussianBlur", "feOffset", "feBlend", "feColorMatrix",
    "feComposite", "feFlood", "feMerge", "feMergeNode", "feDropShadow", "feMorphology",
})
ATTRIBUTES = frozenset({
    "id", "class", "style", "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx", "ry", "fx", "fy", "fr",
    "width", "height", "d", "points", "transform", "viewBox", "preserveAspectRatio", "version", "fill",
    "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-linecap", "stroke-linejoin",
    "stroke-miterlimit", "stroke-dasharray", "stroke-dashoffset", "stroke-opacity", "opacity", "color",
    "display", "visibility", "overflow", "clip-path", "clip-rule", "mask", "filter", "font-family", "font-size",
    "font-weight", "font-style", "font-variant", "text-anchor", "dominant-baseline", "alignment-baseline",
    "baseline-shift", "letter-spacing", "word-spacing", "text-decoration", "dx", "dy", "rotate", "textLength",
    "lengthAdjust", "offset", "stop-color", "stop-opacity", "gradientUnits", "gradientTransform",
    "spreadMethod", "patternUnits", "patternContentUnits", "patternTransform", "clipPathUnits", "maskUnits",
    "maskContentUnits", "filterUnits", "primitiveUnits", "in", "in2", "result", "stdDeviation", "mode",
    "type", "values", "operator", "k1", "k2", "k3", "k4", "radius", "flood-color", "flood-opacity",
    "markerWidth", "markerHeight", "markerUnits", "refX", "refY", "orient", "marker-start", "marker-mid",
    "marker-end", "isolation", "mix-blend-mode", "vector-effect", "shape-rendering", "paint-order",
    "color-interpolation-filters", "href",
})
_URL_WORD = re.compile(r"url", re.IGNORECASE)
# url(#id), url("#id") or url('#id') at one position. Each quantifier runs over a character class
# that the next token cannot start with, so a match attempt reads forward once and never backtracks.
_LOCAL_URL = re.compile(
    r"""url\(\s*(?:#[A-Za-z_][\w.:-]*|"\s*#[A-Za-z_][\w.:-]*\s*"|'\s*#[A-Za-z_][\w.:-]*\s*')\s*\)""",
    re.IGNORECASE)
_LOCAL_REF = re.compile(r"#[A-Za-z_][\w.:-]*")
# CSS that could load something, run something, or hide either behind an escape.
_CSS_FORBIDDEN = re.compile(r"[@\\<]|expression|javascript|behavio|binding|image-set|image\(|cross-fade|element\(|src\(",
                            re.IGNORECASE)


def _is_local_ref(value: str) -> bool:
    return _LOCAL_REF.fullmatch(value.strip()) is not None


def _safe_value(value: str) -> bool:
    """No url() other than url(#id), and nothing that could load or run anything.

    One forward scan: every "url" must open a url(#id), which is cut out before the rest is
    checked; the first one that does not (unclosed, external, or a bare word) fails the value.
    """
    rest: list[str] = []
    position = 0
    while (found := _URL_WORD.search(value, position)) is not None:
        local = _LOCAL_URL.match(value, found.start())
        if local is None:
            return False
        rest.append(value[position:found.start()])
        position = local.end()
    rest.append(value[position:])
    return _CSS_FORBIDDEN.search("".join(rest)) is None


def _strip_css_comments(css: str) -> str:
    """`css` without /* comments */ (an unclosed one runs to the end, as in CSS); one forward scan."""
    kept: list[str] = []
    position = 0
    while (start := css.find("/*", position)) != -1:
        kept.append(css[position:start])
        end = css.find("*/", start + 2)
        if end == -1:
            return "".join(kept)
        position = end + 2
    kept.append(css[position:])
    return "".join(kept)


def _safe_css(css: str) -> str | None:
    """`css` without comments if it only styles (see _safe_value); None when it must go."""
    if len(css) > MAX_CSS_CHARS:
        raise InvalidInput(say("orgs.svg_css_too_long", field="logo", max=MAX_CSS_CHARS))
    css = _strip_css_comments(css)
    return css if _safe_value(css) else None


def _local_name(tag: str) -> tuple[str | None, str]:
    if tag.startswith("{"):
        namespace, _, name = tag[1:].partition("}")
        return namespace, name
    return None, tag


def _copy_element(source: ET.Element, name: str) -> ET.Element | None:
    """`source` as an allowed element `name` with its safe attributes and text, without children."""
    out = ET.Element(name)  # unqualified: the root's xmlns puts every element in the SVG namespace
    for key, value in source.attrib.items():
        attr_ns, attr = _local_name(key)
        if attr_ns == XML_NS and attr == "space" and value in ("default", "preserve"):
            out.set(key, value)
            continue
        if attr_ns == XLINK_NS and attr == "href":
            attr_ns = None  # SVG 2 spells xlink:href as href
        if attr_ns is not None or attr not in ATTRIBUTES:
            continue  # includes every on* event handler
        if attr == "style":
            css = _safe_css(value)
            if css is not None:
                out.set("style", css)
            continue
        if len(value) > MAX_VALUE_CHARS:
            raise InvalidInput(say("orgs.svg_value_too_long", field="logo", max=MAX_VALUE_CHARS))
        if attr == "href":
            if _is_local_ref(value):
                out.set("href", value.strip())
            continue
        if _safe_value(value):
            out.set(attr, value)
    if name == "style":
        css = _safe_css(source.text or "")
        if css is None:
            return None
        out.text = css
    elif name in ("text", "tspan", "title", "desc"):
        out.text = source.text
    return out


def _allowed_name(source: ET.Element) -> str | None:
    namespace, name = _local_name(source.tag) if isinstance(source.tag, str) else (None, "")
    return name if namespace == SVG_NS and name in ELEMENTS else None


class _Open:
    """An element being rebuilt: where its source children are, and the text still to join.

    In <text> and <tspan> the words after a dropped child stay: they are collected in `words`
    and joined once (into the text, or the tail of the last kept child) when the next child is
    kept or the element ends, so many dropped children cost linear time.
    """

    __slots__ = ("children", "out", "keeps_text", "last", "words")

    def __init__(self, source: ET.Element, out: ET.Element, name: str):
        self.children = iter(source)
        self.out = out
        self.keeps_text = name in ("text", "tspan")
        self.last: ET.Element | None = None  # the last kept child; None: words join the text
        self.words: list[str] = [out.text] if self.keeps_text and out.text else []

    def flush(self) -> None:
        if not self.keeps_text:
            return
        joined = "".join(self.words) or None
        if self.last is None:
            self.out.text = joined
        else:
            self.last.tail = joined


def _rebuild(root: ET.Element) -> ET.Element:
    """The allowed part of the tree under `root` (an allowed <svg>), walked without recursion."""
    clean = _copy_element(root, "svg")
    assert clean is not None  # only <style> can be dropped whole
    count = 1
    stack = [_Open(root, clean, "svg")]
    while stack:
        parent = stack[-1]
        child = next(parent.children, None)
        if child is None:
            parent.flush()
            stack.pop()
            continue
        name = _allowed_name(child)
        copied = _copy_element(child, name) if name is not None else None
        if copied is None:
            if parent.keeps_text and child.tail:
                parent.words.append(child.tail)
            continue
        count += 1
        if count > MAX_ELEMENTS:
            raise InvalidInput(say("orgs.svg_too_many_elements", field="logo", max=MAX_ELEMENTS))
        if len(stack) >= MAX_DEPTH:
            raise InvalidInput(say("orgs.svg_too_deep", field="logo", max=MAX_DEPTH))
        parent.out.append(copied)
        if parent.keeps_text:
            parent.flush()
            parent.last = copied
            parent.words = [child.tail] if child.tail else []
        stack.append(_Open(child, copied, name))  # type: ignore[arg-type]  # name is set when copied is
    return clean


def sanitise_svg(data: bytes) -> bytes:
    """The SVG rebuilt from safe parts only; InvalidInput when it cannot be read as an SVG image."""
    if data.count(b"<") > MAX_TAGS:
        raise InvalidInput(say("orgs.svg_too_many_elements", field="logo", max=MAX_ELEMENTS))
    try:
        root = fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except (DefusedXmlException, ET.ParseError, ValueError):
        raise InvalidInput(say("orgs.svg_unreadable", field="logo")) from None
    if root.tag != f"{{{SVG_NS}}}svg":
        raise InvalidInput(say("orgs.svg_not_svg", field="logo"))
    clean = _rebuild(root)
    clean.set("xmlns", SVG_NS)
    return ET.tostring(clean, encoding="utf-8", xml_declaration=False)
