"""The organization logo in a real browser: upload (PNG, SVG), the header, refusals, removal."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from playwright.sync_api import Page, expect

from portal_ui.demo.personas import DEMO_ORG_CODE
from tests.ui.helpers import enter
from tests.ui.portal_db import audit_actions, delete_logo, logo_digest

pytestmark = pytest.mark.browser

WIDTHS = {"phone": 390, "desktop": 1280}
EVIL_SVG = b"""<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 120 40" onload="alert(1)">
  <script>alert(2)</script>
  <rect width="120" height="40" rx="8" fill="#0d9488"/>
  <image href="https://app.example/track.png" width="1" height="1"/>
  <text x="60" y="27" font-size="20" font-family="sans-serif" fill="#fff" text-anchor="middle">ACME</text>
</svg>"""


def png_logo(size=(300, 100), colour=(13, 148, 136)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def open_details(page: Page, portal, user: str = "kp_demo_olivia", width: int = 1280) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    enter(page, portal.link(user, DEMO_ORG_CODE, "organization_details"))
    expect(page.locator("#logo-card")).to_be_visible()


def choose(page: Page, name: str, mime: str, data: bytes) -> None:
    page.locator("#logo-card input[type=file]").set_input_files(files=[{"name": name, "mimeType": mime,
                                                                        "buffer": data}])


@pytest.fixture
def no_logo(portal):
    delete_logo(portal)
    yield
    delete_logo(portal)


def natural_width(page: Page, selector: str) -> int:
    return page.locator(selector).evaluate("img => img.complete ? img.naturalWidth : 0")


@pytest.mark.parametrize("width", WIDTHS.values(), ids=WIDTHS.keys())
def test_owner_uploads_a_png_logo_and_the_header_shows_it(page: Page, portal, shot, no_logo, width):
    open_details(page, portal, width=width)
    expect(page.locator("#logo-none")).to_be_visible()
    expect(page.locator("#brand-mark")).to_be_visible()  # the product's mark until there is a logo
    choose(page, "acme.png", "image/png", png_logo())
    expect(page.get_by_text("Logo updated.")).to_be_visible()
    preview = page.locator("#logo-preview")
    expect(preview).to_have_attribute("src", f"/org-logo/{DEMO_ORG_CODE}/{logo_digest(portal)[:32]}.png")
    expect(page.locator("#brand-logo")).to_have_attribute("src", preview.get_attribute("src"))
    expect(page.locator("#brand-mark")).to_have_count(0)
    page.wait_for_function("document.querySelector('#brand-logo').complete")
    assert natural_width(page, "#brand-logo") == 300  # served to this session through the cookie
    shot("uploaded")
    assert audit_actions(portal, "organization.logo")[-1] == ("organization.logo_changed", "kp_demo_olivia")
    # Every page of the session shows it, also after a reload, and to the other members.
    page.reload()
    expect(page.locator("#brand-logo")).to_have_attribute("src", preview.get_attribute("src"))


def test_other_members_see_the_logo_in_the_header(page: Page, portal, no_logo):
    open_details(page, portal)
    choose(page, "acme.png", "image/png", png_logo())
    expect(page.locator("#logo-preview")).to_be_visible()
    enter(page, portal.link("kp_demo_vic", DEMO_ORG_CODE, "profile"))
    expect(page.locator("#brand-logo")).to_have_attribute("src", f"/org-logo/{DEMO_ORG_CODE}/"
                                                          f"{logo_digest(portal)[:32]}.png")
    page.wait_for_function("document.querySelector('#brand-logo').complete")
    assert natural_width(page, "#brand-logo") == 300
    enter(page, portal.link("kp_demo_bea", None, "profile"))  # no organization: the product's mark
    expect(page.locator("#brand-mark")).to_be_visible()


def test_svg_logo_is_stored_without_its_script(page: Page, portal, shot, no_logo):
    page.on("dialog", lambda dialog: pytest.fail(f"a script ran: {dialog.message}"))
    open_details(page, portal)
    choose(page, "acme.svg", "image/svg+xml", EVIL_SVG)
    expect(page.get_by_text("Logo updated.")).to_be_visible()
    src = page.locator("#logo-preview").get_attribute("src")
    assert src.endswith(".svg")
    response = page.request.get(portal.url + src)
    assert response.status == 200
    body = response.text()
    assert "script" not in body and "onload" not in body and "app.example" not in body and "ACME" in body
    assert response.headers["content-security-policy"].startswith("default-src 'none'")
    page.wait_for_function("document.querySelector('#brand-logo').complete")
    assert natural_width(page, "#brand-logo") > 0
    shot("svg")


@pytest.mark.parametrize("name, mime, data, message", [
    ("logo.png", "image/png", b"this is not a picture", "Use a PNG, JPEG or SVG image."),
    ("logo.png", "image/png", b"\x89PNG\r\n\x1a\n" + b"\0" * 200, "could not be read"),
    ("big.png", "image/png", b"\x89PNG\r\n\x1a\n" + b"\0" * (600 * 1024), "larger than 512 KB"),  # refused in the browser
    ("logo.gif", "image/gif", b"GIF89a" + b"\0" * 50, "Use a PNG, JPEG or SVG image."),  # refused in the browser
], ids=["text-as-png", "broken-png", "too-big", "gif"])
def test_files_that_are_not_a_usable_logo_are_refused_clearly(page: Page, portal, shot, no_logo, name, mime, data,
                                                              message):
    open_details(page, portal)
    choose(page, name, mime, data)
    expect(page.locator("#logo-error")).to_contain_text(message)
    expect(page.locator("#logo-none")).to_be_visible()
    assert logo_digest(portal) is None
    shot()


def test_owner_removes_the_logo_after_confirming(page: Page, portal, shot, no_logo):
    open_details(page, portal)
    choose(page, "acme.png", "image/png", png_logo())
    expect(page.locator("#brand-logo")).to_be_visible()
    page.locator("#logo-remove").click()
    expect(page.get_by_role("alertdialog")).to_contain_text("Remove the logo?")
    shot("confirm")
    page.locator("#logo-remove-confirm").click()
    expect(page.get_by_text("Logo removed.")).to_be_visible()
    expect(page.locator("#logo-none")).to_be_visible()
    expect(page.locator("#brand-mark")).to_be_visible()
    assert logo_digest(portal) is None
    assert audit_actions(portal, "organization.logo")[-1] == ("organization.logo_removed", "kp_demo_olivia")


@pytest.mark.parametrize("user", ["kp_demo_bill", "kp_demo_vic"])
def test_read_only_members_cannot_upload_or_remove(page: Page, portal, user, no_logo):
    open_details(page, portal)
    choose(page, "acme.png", "image/png", png_logo())
    expect(page.locator("#logo-preview")).to_be_visible()
    open_details(page, portal, user)
    expect(page.locator("#logo-preview")).to_be_visible()
    expect(page.locator("#logo-choose")).to_be_disabled()
    expect(page.locator("#logo-remove")).to_be_disabled()
    expect(page.locator("#logo-card input[type=file]")).to_have_count(0)  # no drop zone at all
