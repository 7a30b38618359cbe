"""Organization logos: the real type from the bytes, re-encoding, SVG sanitising, storage, audit."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image
from sqlmodel import select

from portal_ui.domain.audit import Actor
from portal_ui.domain.errors import InvalidInput, NotFound
from portal_ui.domain.logos import LOGO_MAX_BYTES, check_logo, current_logo_path, remove_logo, set_logo
from portal_ui.domain.organizations import create_organization
from portal_ui.domain.svg_clean import MAX_TAGS, sanitise_svg
from portal_ui.models import AuditEvent, OrganizationLogo
from tests.hostile_svgs import HOSTILE_SVGS, SVG_OPEN

ACTOR = Actor(type="user", id="kp_admin")


def image_bytes(fmt: str, size=(40, 20), mode="RGBA", **save) -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, (200, 30, 30, 255) if mode == "RGBA" else None).save(out, format=fmt, **save)
    return out.getvalue()


@pytest.fixture
def org(session):
    org = create_organization(session, actor=Actor.system(), name="Acme", code="org_acme")
    session.commit()
    return org


def test_png_is_re_encoded_without_what_was_appended():
    data = image_bytes("PNG") + b"<script>alert(1)</script>"
    logo = check_logo(data)
    assert logo.content_type == "image/png" and (logo.width, logo.height) == (40, 20)
    assert b"script" not in logo.data
    assert Image.open(io.BytesIO(logo.data)).format == "PNG"


def test_jpeg_metadata_is_dropped_and_cmyk_becomes_rgb():
    exif = Image.Exif()
    exif[0x010E] = "secret description"  # ImageDescription
    data = image_bytes("JPEG", mode="CMYK", exif=exif.tobytes())
    logo = check_logo(data)
    assert logo.content_type == "image/jpeg" and b"secret description" not in logo.data
    assert Image.open(io.BytesIO(logo.data)).mode == "RGB"


def test_big_pictures_are_scaled_to_512_pixels():
    logo = check_logo(image_bytes("PNG", size=(2000, 500)))
    assert (logo.width, logo.height) == (512, 128)


@pytest.mark.parametrize("data, message", [
    (b"", "empty"),
    (b"GIF89a" + b"\0" * 20, "PNG, JPEG or SVG"),
    (b"%PDF-1.7", "PNG, JPEG or SVG"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "could not be read"),
    (b"\xff\xd8\xff\xe0" + b"garbage" * 10, "could not be read"),
    (b"x" * (LOGO_MAX_BYTES + 1), "larger than 512 KB"),
    (None, "empty"),
])
def test_bad_files_are_refused_with_a_clear_message(data, message):
    with pytest.raises(InvalidInput, match=message):
        check_logo(data)


def test_the_name_or_claimed_type_does_not_matter_only_the_bytes():
    """A PNG disguised as anything is a PNG; a text file called logo.png is refused (no name is ever read)."""
    assert check_logo(image_bytes("PNG")).content_type == "image/png"
    with pytest.raises(InvalidInput):
        check_logo(b"just text, named logo.png")


def test_a_decompression_bomb_is_refused():
    with pytest.raises(InvalidInput, match="too large"):
        check_logo(image_bytes("PNG", size=(4000, 4000), mode="1"))


EVIL_SVG = b"""<?xml version="1.0"?>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" viewBox="0 0 10 10"
     onload="alert(1)">
  <script>alert(2)</script>
  <style>@import url(https://evil.example/x.css); .a { fill: red }</style>
  <style>.b { fill: url(#g) }</style>
  <defs><linearGradient id="g"><stop offset="0" stop-color="#fff"/></linearGradient></defs>
  <a href="javascript:alert(3)"><rect width="5" height="5"/></a>
  <image href="https://evil.example/track.png" width="1" height="1"/>
  <use xlink:href="#g"/><use href="https://evil.example/sprite.svg#x"/>
  <rect fill="url(#g)" style="fill: url(https://evil.example/)" width="10" height="10" onclick="alert(4)"/>
  <circle r="2" style="fill: blue" FILL="x"/>
  <foreignObject><div xmlns="http://www.w3.org/1999/xhtml" onclick="alert(5)">x</div></foreignObject>
  <set attributeName="href" to="javascript:alert(6)"/>
  <text x="1">Hello <tspan>big</tspan> world</text>
</svg>"""


def test_svg_keeps_drawing_and_loses_scripts_handlers_and_external_references():
    clean = check_logo(EVIL_SVG)
    assert clean.content_type == "image/svg+xml"
    text = clean.data.decode()
    for gone in ("script", "alert", "onload", "onclick", "evil.example", "@import", "foreignObject", "<a", "<image",
                 "<set", "javascript"):
        assert gone not in text, gone
    for kept in ('fill="url(#g)"', '<use href="#g"', "stop-color", "fill: blue", ".b { fill: url(#g) }",
                 "Hello <tspan>big</tspan> world", 'viewBox="0 0 10 10"'):
        assert kept in text, kept
    assert text.startswith("<svg") and 'xmlns="http://www.w3.org/2000/svg"' in text
    assert sanitise_svg(clean.data) == clean.data  # sanitising a sanitised SVG changes nothing


@pytest.mark.parametrize("svg", [
    b'<!DOCTYPE svg [<!ENTITY x "lol">]><svg xmlns="http://www.w3.org/2000/svg">&x;</svg>',
    b'<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg xmlns="http://www.w3.org/2000/svg">&x;</svg>',
    b'<svg><rect/></svg>',  # no SVG namespace: browsers would not draw it
    b'<html><svg xmlns="http://www.w3.org/2000/svg"/></html>',
    b'<svg xmlns="http://www.w3.org/2000/svg"><rect></svg>',
])
def test_svg_that_cannot_be_read_safely_is_refused(svg):
    with pytest.raises(InvalidInput):
        check_logo(svg)


def test_svg_with_an_ordinary_doctype_line_is_accepted():
    svg = (b'<?xml version="1.0"?><!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
           b'"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd"><svg xmlns="http://www.w3.org/2000/svg"><rect/></svg>')
    assert check_logo(svg).data == b'<svg xmlns="http://www.w3.org/2000/svg"><rect /></svg>'


def test_set_replace_and_remove_a_logo_with_audit(session, org):
    assert current_logo_path(session, org.code) == ""
    first_digest = set_logo(session, actor=ACTOR, org_code=org.code, data=image_bytes("PNG")).digest
    session.commit()
    path = current_logo_path(session, org.code)
    assert re.fullmatch(r"/org-logo/org_acme/[0-9a-f]{32}\.png", path) and first_digest[:32] in path
    set_logo(session, actor=ACTOR, org_code=org.code, data=EVIL_SVG)
    session.commit()
    assert current_logo_path(session, org.code).endswith(".svg") and current_logo_path(session, org.code) != path
    assert remove_logo(session, actor=ACTOR, org_code=org.code) is True
    assert remove_logo(session, actor=ACTOR, org_code=org.code) is False
    session.commit()
    assert session.exec(select(OrganizationLogo)).all() == []
    events = session.exec(select(AuditEvent).where(AuditEvent.action.like("organization.logo%"))
                          .order_by(AuditEvent.id)).all()
    assert [e.action for e in events] == ["organization.logo_changed"] * 2 + ["organization.logo_removed"]
    assert events[0].before == {"logo": None} and events[0].after["logo"]["content_type"] == "image/png"
    assert events[1].before["logo"]["sha256"] == first_digest and events[2].after == {"logo": None}
    assert all(e.actor_id == "kp_admin" and e.org_code == org.code for e in events)


def test_a_bad_file_changes_nothing(session, org):
    set_logo(session, actor=ACTOR, org_code=org.code, data=image_bytes("PNG"))
    session.commit()
    before = current_logo_path(session, org.code)
    with pytest.raises(InvalidInput):
        set_logo(session, actor=ACTOR, org_code=org.code, data=b"not an image")
    session.rollback()
    assert current_logo_path(session, org.code) == before


def test_unknown_organization(session):
    with pytest.raises(NotFound):
        set_logo(session, actor=ACTOR, org_code="org_missing", data=image_bytes("PNG"))


def test_refusals_render_in_german():
    with pytest.raises(InvalidInput) as info:
        check_logo(b"GIF89a not a logo")
    assert info.value.message == "logo: use a PNG, JPEG or SVG image"
    assert info.value.localized("de") == "logo: Verwenden Sie ein PNG-, JPEG- oder SVG-Bild"


@pytest.mark.parametrize("name", HOSTILE_SVGS)
def test_hostile_svgs_at_the_size_limit_are_cleaned_or_refused_clearly(name):
    """Each input the worst of its kind at the upload limit: a clean SVG or a clear refusal. How long
    each takes is measured by `make bench BENCH=svg_uploads` (tests never time anything)."""
    svg = HOSTILE_SVGS[name]
    assert len(svg) <= LOGO_MAX_BYTES
    try:
        outcome = check_logo(svg).data
    except InvalidInput as refusal:
        outcome = refusal.message
    if isinstance(outcome, str):
        assert outcome.startswith("logo: ") and "Traceback" not in outcome
    else:
        assert outcome.startswith(b"<svg") and sanitise_svg(outcome) == outcome
        assert b"url(" not in outcome.replace(b"url(#a)", b"") and b"/*" not in outcome


def test_long_values_deep_nesting_and_long_styles_are_refused_with_a_clear_message():
    with pytest.raises(InvalidInput, match=r"^logo: the SVG nests elements more than 100 levels deep"):
        check_logo(SVG_OPEN + b"<g>" * 101 + b"</g>" * 101 + b"</svg>")
    assert check_logo(SVG_OPEN + b"<g>" * 98 + b"<rect/>" + b"</g>" * 98 + b"</svg>").data.count(b"<g>") == 98  # 100 levels with <svg>
    with pytest.raises(InvalidInput, match=r"^logo: the SVG has a style longer than 65536 characters"):
        check_logo(SVG_OPEN + b'<rect style="' + b"fill: red;" * 7000 + b'"/></svg>')
    with pytest.raises(InvalidInput, match=r"^logo: the SVG has an attribute longer than 262144 characters"):
        check_logo(SVG_OPEN + b'<path d="' + b"L 1 1 " * 50_000 + b'"/></svg>')
    with pytest.raises(InvalidInput) as info:
        check_logo(SVG_OPEN + b"<g>" * 101 + b"</g>" * 101 + b"</svg>")
    assert info.value.localized("de").startswith("logo: Die SVG-Datei verschachtelt Elemente mehr als 100 Ebenen")


@pytest.mark.parametrize("value, kept", [
    ("url(#g)", True), ("URL( #g )", True), ("url( ' #g ' )", True), ("url('#g') url(#h)", True),
    ("url(#g", False), ("url(#g) url(https://evil.example/)", False), ("uRl(javascript:alert(1))", False),
    ("url(#g) url(", False), ("url", False), ("url('#g)", False), ("url(#g) expression(1)", False),
])
def test_only_references_inside_the_document_are_kept(value, kept):
    svg = SVG_OPEN + f'<rect fill="{value}" style="stroke: {value}"/></svg>'.encode()
    text = check_logo(svg).data.decode()
    assert ("fill=" in text) is kept and ("style=" in text) is kept


def test_words_around_dropped_elements_in_text_stay_in_order():
    svg = SVG_OPEN + b"<text>a<x/>b<x>no</x>c<tspan>d<x/>e</tspan>f<x/>g</text></svg>"
    assert check_logo(svg).data == SVG_OPEN + b"<text>abc<tspan>de</tspan>fg</text></svg>"


def test_css_comments_go_even_when_one_is_never_closed():
    svg = SVG_OPEN + b"<style>.a { fill: red } /* one */ .b { fill: blue } /* never closed url(x)</style></svg>"
    assert check_logo(svg).data == SVG_OPEN + b"<style>.a { fill: red }  .b { fill: blue } </style></svg>"
