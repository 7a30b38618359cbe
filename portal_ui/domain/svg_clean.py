"""SVG logos, sanitised: only drawing is kept; scripts, event handlers, links and external references go.

An SVG is an XML document that can carry scripts, event-handler attributes, links, external
images, fonts and style sheets. The portal shows a logo with <img> (where browsers run no
script and fetch nothing) and serves it with a CSP of `default-src 'none'`; this module is the
third layer, so a stored logo is harmless even if one of the other two is lost.

The document is parsed with defusedxml (a DOCTYPE line is allowed; entity declarations and
external references are not) and rebuilt from an allow-list of drawing elements and attributes.
Anything not on the list is dropped with its children. References may only point inside the document (`#id`, `url(#id)`).
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
_URL = re.compile(r"url\(\s*(['\"]?)(.*?)\1\s*\)", re.IGNORECASE | re.DOTALL)
_LOCAL_REF = re.compile(r"^#[A-Za-z_][\w.:-]*$")
_CSS_COMMENT = re.compile(r"/\*.*?\*/", re.DOTALL)
# CSS that could load something, run something, or hide either behind an escape.
_CSS_FORBIDDEN = re.compile(r"[@\\<]|expression|javascript|behavio|binding|image-set|image\(|cross-fade|element\(|src\(",
                            re.IGNORECASE)


def _safe_value(value: str) -> bool:
    """No url() other than url(#id), and nothing that could load or run anything."""
    if any(not _LOCAL_REF.match(target.strip()) for _quote, target in _URL.findall(value)):
        return False
    rest = _URL.sub("", value)
    return "url" not in rest.lower() and not _CSS_FORBIDDEN.search(rest)


def _safe_css(css: str) -> str | None:
    """`css` without comments if it only styles (see _safe_value); None when it must go."""
    css = _CSS_COMMENT.sub("", css)
    return css if _safe_value(css) else None


def _local_name(tag: str) -> tuple[str | None, str]:
    if tag.startswith("{"):
        namespace, _, name = tag[1:].partition("}")
        return namespace, name
    return None, tag


def _copy(source: ET.Element, count: list[int]) -> ET.Element | None:
    namespace, name = _local_name(source.tag) if isinstance(source.tag, str) else (None, "")
    if namespace != SVG_NS or name not in ELEMENTS:
        return None
    count[0] += 1
    if count[0] > MAX_ELEMENTS:
        raise InvalidInput(say("orgs.svg_too_many_elements", field="logo", max=MAX_ELEMENTS))
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
        if attr == "href":
            if _LOCAL_REF.match(value.strip()):
                out.set("href", value.strip())
            continue
        if attr == "style":
            css = _safe_css(value)
            if css is not None:
                out.set("style", css)
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
    keeps_text = name in ("text", "tspan")
    for child in source:
        copied = _copy(child, count)
        if copied is not None:
            copied.tail = child.tail if keeps_text else None
            out.append(copied)
        elif keeps_text and child.tail:  # the words after a dropped child stay
            if len(out):
                out[-1].tail = (out[-1].tail or "") + child.tail
            else:
                out.text = (out.text or "") + child.tail
    return out


def sanitise_svg(data: bytes) -> bytes:
    """The SVG rebuilt from safe parts only; InvalidInput when it cannot be read as an SVG image."""
    try:
        root = fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except (DefusedXmlException, ET.ParseError, ValueError):
        raise InvalidInput(say("orgs.svg_unreadable", field="logo")) from None
    if root.tag != f"{{{SVG_NS}}}svg":
        raise InvalidInput(say("orgs.svg_not_svg", field="logo"))
    clean = _copy(root, [0])
    assert clean is not None  # the root is an allowed <svg>
    clean.set("xmlns", SVG_NS)
    return ET.tostring(clean, encoding="utf-8", xml_declaration=False)
