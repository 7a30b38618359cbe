"""A long members list in the browser: search, sort and server-side pages of 25.

Seeds 300 extra members into the test server's database (domain calls against its SQLite file),
named "Zeta Scale 000"… so they sort after the demo personas that other tests look for on page 1.
The 10,000-member case is timed in tests/domain/test_member_list.py; here the point is that the
browser only ever holds one page.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from portal_ui.demo.personas import DEMO_ORG_CODE
from tests.ui.helpers import enter
from tests.ui.members_data import add_many_members, member_count

pytestmark = pytest.mark.browser

SEEDED = 300
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def many_members(portal):
    """Once per server: 300 members "Zeta Scale 000"… (scale-000@bulk.example…)."""
    if member_count(portal) < SEEDED:
        add_many_members(portal, SEEDED, "Zeta", "Scale ", "scale-")
    return member_count(portal)


def rows(page: Page):
    return page.locator("#member-table tbody tr")


def names(page: Page) -> list[str]:
    return [n.split("\n")[0].strip() for n in rows(page).locator("th").all_inner_texts()]


def test_search_sort_and_pages_of_a_long_list(page: Page, portal, many_members, shot):
    frames: list[str] = []
    page.on("websocket", lambda ws: ws.on("framereceived", lambda payload: frames.append(str(payload))))
    enter(page, portal.link("kp_demo_olivia", DEMO_ORG_CODE, "organization_members"))
    expect(page.locator("#members-showing")).to_have_text(f"1–25 of {many_members}")
    expect(rows(page)).to_have_count(25)
    expect(page.locator("#members-page")).to_have_text(f"Page 1 of {-(-many_members // 25)}")
    expect(page.locator("#members-previous")).to_be_disabled()

    page.locator("#member-search").fill("zeta scale")
    expect(page.locator("#members-showing")).to_have_text(f"1–25 of {SEEDED}")
    assert names(page)[0] == "Zeta Scale 000"
    page.locator("#members-next").click()
    expect(page.locator("#members-showing")).to_have_text(f"26–50 of {SEEDED}")
    expect(page.locator("#members-page")).to_have_text("Page 2 of 12")
    assert names(page)[0] == "Zeta Scale 025"
    shot("page-2")

    page.locator("#member-sort").click()
    page.get_by_role("option", name="Name (Z–A)").click()
    expect(page.locator("#members-showing")).to_have_text(f"1–25 of {SEEDED}")  # a new sort starts again
    expect(rows(page).first).to_contain_text("Zeta Scale 299")

    page.locator("#member-search").fill("scale-12")  # by email: scale-120 … scale-129
    expect(page.locator("#members-showing")).to_have_text("1–10 of 10")
    expect(page.locator("#members-next")).to_have_count(0)  # one page: no paging buttons
    expect(rows(page).first).to_contain_text("scale-129@bulk.example")

    page.locator("#member-search").fill("nobody-by-this-name")
    expect(page.locator("#members-none")).to_have_text("No members match your search.")

    # The browser was only ever sent pages: no update carried more than 25 member rows.
    assert frames
    for frame in frames:
        assert frame.count("@bulk.example") <= 25, "a websocket update carried more than one page"


def test_long_list_on_a_phone(page: Page, portal, many_members, shot):
    page.set_viewport_size(PHONE)
    enter(page, portal.link("kp_demo_olivia", DEMO_ORG_CODE, "organization_members"))
    page.locator("#member-search").fill("zeta")
    expect(page.locator("#members-showing")).to_have_text(f"1–25 of {SEEDED}")
    page.locator("#members-next").click()
    expect(page.locator("#members-page")).to_have_text("Page 2 of 12")
    scroll_width = page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= PHONE["width"], f"the page scrolls sideways ({scroll_width}px)"
    shot("phone")
