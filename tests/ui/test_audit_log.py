"""The audit-log section in a real browser: filters, keyset paging, the CSV export, the profile's
recent activity; and that sessions without org:read:audit_log neither see it, nor export it, nor
read it through a handler called over the websocket."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta, timezone

import pytest
from playwright.sync_api import Browser, Page, expect
from reflex_base.utils.format import format_event_handler
from sqlalchemy import delete, insert

from portal_ui.demo.personas import DEMO_ORG_CODE
from portal_ui.domain.clock import utcnow
from portal_ui.models import AuditEvent, M2MApplication
from portal_ui.ui.state import AuditLogState
from tests.ui.helpers import enter, path_of, review_shot
from tests.ui.portal_db import domain_session, set_user_names
from tests.ui.test_guards import session_cookie
from tests.ui.test_settings_gating import set_environment
from tests.ui.socket_tab import SocketTab

pytestmark = pytest.mark.browser

OLIVIA, VIC, BILL = "kp_demo_olivia", "kp_demo_vic", "kp_demo_bill"
SECTION = "organization_audit_log"
PATH = "/org/audit-log"
T0 = datetime(2020, 1, 10, 8, 0, tzinfo=timezone.utc)  # long before anything the other tests record
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
BOT = "cli_audit_ui_test"
MEMBER_EVENTS = 110


def _row(n: int, **fields) -> dict:
    base = {"occurred_on": T0 + timedelta(minutes=n), "actor_type": "user", "actor_id": OLIVIA,
            "org_code": DEMO_ORG_CODE, "action": "member.added", "target_type": "user", "target_id": f"kp_new_{n:03d}",
            "before": {}, "after": {"roles": ["viewer"]}, "client_ip": "203.0.113.7", "user_agent": FIREFOX}
    return {**base, **fields}


@pytest.fixture
def log_events(portal):
    """Acme's log in January 2020: 110 members added by Olivia, three invitations sent by an M2M
    application, a details change with a formula and secrets in it, and another organization's event."""
    rows = [_row(i) for i in range(MEMBER_EVENTS)]
    rows += [_row(200 + i, actor_type="m2m", actor_id=BOT, action="invitation.created", target_type="invitation",
                  target_id=f"inv_{i}", client_ip="198.51.100.9", user_agent="python-httpx/0.28") for i in range(3)]
    rows += [_row(300, action="organization.updated", target_type="organization", target_id=DEMO_ORG_CODE,
                  before={"name": "Acme"}, after={"name": "=HYPERLINK(\"http://evil\")", "secret": "TOPSECRET-1",
                                                  "webhook": {"signing_secret": "TOPSECRET-2"}}),
             _row(301, org_code="org_elsewhere", action="member.removed")]
    with domain_session(portal) as (session, _settings):
        if session.get(M2MApplication, BOT) is None:
            session.add(M2MApplication(client_id=BOT, name="Provisioning bot", secret_hash="0" * 64, scopes=[],
                                       created_on=utcnow()))
        session.execute(insert(AuditEvent.__table__), rows)
    yield
    with domain_session(portal) as (session, _settings):
        session.execute(delete(AuditEvent).where(AuditEvent.occurred_on < datetime(2021, 1, 1, tzinfo=timezone.utc)))
        session.execute(delete(M2MApplication).where(M2MApplication.client_id == BOT))


def open_log(page: Page, portal, width: int = 1280) -> None:
    page.set_viewport_size({"width": width, "height": 900})
    enter(page, portal.link(OLIVIA, DEMO_ORG_CODE, SECTION))
    expect(page.locator("#audit-filters")).to_be_visible()


def filter_by(page: Page, *, actor_type: str = "any", actor: str = "", action: str = "any",
              date_from: str = "2020-01-10", date_to: str = "2020-01-10") -> None:
    page.select_option("#audit-filters-actor_type", actor_type)
    page.locator("#audit-filters-actor").fill(actor)
    page.select_option("#audit-filters-action", action)
    page.locator("#audit-filters-date_from").fill(date_from)
    page.locator("#audit-filters-date_to").fill(date_to)
    page.locator("#audit-apply").click()


def test_the_owner_filters_pages_and_reads_the_log(page: Page, portal, log_events, shot):
    open_log(page, portal)
    expect(page.locator("#section-title")).to_have_text("Audit log")
    expect(page.locator(f"a[data-section={SECTION}]:visible")).to_have_text("Audit log")
    assert page.title().startswith("Audit log · Workspace")
    expect(page.locator("#read-only-note")).to_have_count(0)  # nothing here to change: no "view only" note

    filter_by(page)
    expect(page.locator("#audit-showing")).to_have_text(f"Events 1–50 of {MEMBER_EVENTS + 4}")
    expect(page.locator(".audit-row")).to_have_count(50)
    first = page.locator(".audit-row").first
    expect(first).to_have_attribute("data-action", "organization.updated")
    expect(first).to_contain_text("Organization details changed".replace("Organization", "Workspace"))
    expect(first).to_contain_text("name: Acme → =HYPERLINK")
    expect(first).to_contain_text("Olivia Owens")
    expect(first).to_contain_text("203.0.113.7")
    expect(first).to_contain_text("Firefox on Windows")
    assert "TOPSECRET" not in page.content()
    shot("page-1")

    page.locator("#audit-next").click()
    expect(page.locator("#audit-showing")).to_have_text(f"Events 51–100 of {MEMBER_EVENTS + 4}")
    expect(page.locator("#audit-page")).to_have_text("Page 2 of 3")
    page.locator("#audit-next").click()
    expect(page.locator("#audit-showing")).to_have_text(f"Events 101–{MEMBER_EVENTS + 4} of {MEMBER_EVENTS + 4}")
    expect(page.locator(".audit-row").last).to_contain_text("kp_new_000")  # the oldest, last
    page.locator("#audit-previous").click()
    expect(page.locator("#audit-showing")).to_have_text(f"Events 51–100 of {MEMBER_EVENTS + 4}")
    expect(page.locator(".audit-row").first).to_contain_text(f"kp_new_{MEMBER_EVENTS - 1 - 46:03d}")

    filter_by(page, actor_type="m2m")
    expect(page.locator(".audit-row")).to_have_count(3)
    expect(page.locator(".audit-row").first).to_contain_text("Provisioning bot")
    expect(page.locator(".audit-row").first).to_contain_text(f"M2M client {BOT}")
    expect(page.locator(".audit-row").first).to_contain_text("M2M application")
    expect(page.locator("#audit-page")).to_have_count(0)  # one page: no paging controls

    filter_by(page, actor="Olivia@ACME.example", action="organization.*")  # addresses match in any case
    expect(page.locator(".audit-row")).to_have_count(1)
    filter_by(page, action="member.added", date_from="2020-01-11", date_to="2020-01-11")
    expect(page.locator("#audit-none")).to_have_text("No events match these filters.")
    shot("no-match")
    page.locator("#audit-clear").click()
    expect(page.locator("#audit-filters-date_from")).to_have_value("")
    expect(page.locator("#audit-showing")).not_to_have_text("")


def test_bad_filters_say_what_is_wrong(page: Page, portal, log_events, shot):
    open_log(page, portal)
    filter_by(page, actor="nobody@example.com")
    expect(page.locator("#audit-error")).to_have_text("No user has the email address nobody@example.com.")
    filter_by(page, date_from="2020-01-12", date_to="2020-01-10")
    expect(page.locator("#audit-error")).to_contain_text("To: must not be before From")
    expect(page.locator("#audit-filters-date_from")).to_have_value("2020-01-12")  # kept, to be corrected
    shot()


def test_the_export_downloads_the_filtered_view(page: Page, portal, log_events, shot):
    open_log(page, portal)
    filter_by(page, action="member.*")
    expect(page.locator("#audit-showing")).to_have_text(f"Events 1–50 of {MEMBER_EVENTS}")
    with page.expect_download() as info:
        page.locator("#audit-export").click()
    download = info.value
    assert download.suggested_filename.startswith("audit-log-org_demo_acme-")
    rows = list(csv.DictReader(io.StringIO(open(download.path(), encoding="utf-8-sig").read())))
    assert len(rows) == MEMBER_EVENTS
    assert {r["action"] for r in rows} == {"member.added"}
    assert rows[0]["target_id"] == f"kp_new_{MEMBER_EVENTS - 1:03d}" and rows[-1]["target_id"] == "kp_new_000"
    assert rows[0]["actor_name"] == "Olivia Owens" and rows[0]["client_ip"] == "203.0.113.7"

    filter_by(page, action="organization.updated")
    # The link exports the view in force: wait until the new filter is, as a reader would.
    expect(page.locator("#audit-showing")).to_have_text("Events 1–1 of 1")
    with page.expect_download() as info:
        page.locator("#audit-export").click()
    text = open(info.value.path(), encoding="utf-8-sig").read()
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["changes"] == 'name: Acme → =HYPERLINK("http://evil")'  # starts with "name": no formula
    assert row["after"].startswith('{"name": "=HYPERLINK')
    assert "TOPSECRET" not in text
    shot()


def test_the_page_fits_a_phone(page: Page, portal, log_events, shot):
    open_log(page, portal, width=390)
    filter_by(page)
    expect(page.locator(".audit-row")).to_have_count(50)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    shot()


def test_the_log_speaks_german(browser: Browser, portal, log_events, request):
    context = browser.new_context(locale="de-DE", extra_http_headers={"Accept-Language": "de-DE,de;q=0.9"})
    try:
        page = context.new_page()
        page.set_viewport_size({"width": 1280, "height": 900})
        enter(page, portal.link(OLIVIA, DEMO_ORG_CODE, SECTION))
        expect(page.locator("#section-title")).to_have_text("Protokoll")
        filter_by(page, actor_type="m2m")
        expect(page.locator(".audit-row").first).to_contain_text("Einladung verschickt")
        expect(page.locator("#audit-apply")).to_have_text("Filter anwenden")
        review_shot(page, request)
    finally:
        context.close()


@pytest.mark.parametrize("user", [VIC, BILL])
def test_hidden_and_refused_without_the_permission(page: Page, portal, log_events, shot, user):
    page.set_viewport_size({"width": 1280, "height": 900})
    enter(page, portal.link(user, DEMO_ORG_CODE, SECTION))
    assert path_of(page) != PATH  # landed on a section the session may see instead, and says so
    expect(page.locator("#unavailable-notice")).to_contain_text("Audit log (Workspace) is not available")
    expect(page.locator(f"a[data-section={SECTION}]")).to_have_count(0)
    page.goto(portal.url + PATH)
    expect(page.locator("#section-title")).to_be_visible()
    assert path_of(page) != PATH
    refused = page.request.get(portal.url + "/org/audit-log/export.csv?action=member.*")
    assert refused.status == 403
    assert "Olivia" not in refused.text() and "kp_new_" not in refused.text()
    shot()


def handler(name: str) -> str:
    return format_event_handler(AuditLogState.event_handlers[name])


def test_handlers_over_the_websocket_refuse_sessions_without_the_permission(portal, log_events):
    """A tab that calls the audit log's handlers itself, with Vic's session, gets no event at all;
    the owner's session, the control, gets them."""
    calls = [(handler("load_audit_log"), {}),
             (handler("apply_audit_filters"), {"form": {"actor_type": "user", "date_from": "2020-01-10",
                                                        "date_to": "2020-01-10"}}),
             (handler("older_audit_events"), {}), (handler("clear_audit_filters"), {})]
    answers = {}
    for user in (VIC, OLIVIA):
        cookie = session_cookie(portal, user, DEMO_ORG_CODE, "profile")
        with SocketTab(portal.url, f"portal_session={cookie}") as tab:
            answers[user] = "".join(str(tab.send(name, payload, PATH)) for name, payload in calls)
    assert "kp_new_" not in answers[VIC] and "Olivia Owens" not in answers[VIC]
    assert "You do not have permission" in answers[VIC]
    assert "kp_new_" in answers[OLIVIA]


def test_the_profile_shows_the_users_own_recent_activity(page: Page, portal, log_events, shot):
    page.set_viewport_size({"width": 1280, "height": 900})
    enter(page, portal.link("kp_demo_bea", None, "profile"))
    items = page.locator("#profile-activity .activity-item")
    expect(items.first).to_contain_text("Portal opened")  # this very visit
    expect(items.first).to_contain_text("Your account")
    page.locator("#profile-given_name").fill("Beatrix")
    try:
        page.locator("#profile-save").click()
        expect(page.get_by_text("Profile saved.")).to_be_visible()
        expect(items.first).to_contain_text("Profile changed")
    finally:
        set_user_names(portal, "kp_demo_bea", "Bea", "Chen")
    expect(page.locator("#profile-activity")).not_to_contain_text("Member added")  # Olivia's, not Bea's
    shot()


def test_hidden_when_the_function_is_off(page: Page, portal, shot):
    set_environment(portal, {"org_functions": {"audit_log": False}})
    try:
        enter(page, portal.link(OLIVIA, DEMO_ORG_CODE, SECTION))
        assert path_of(page) != PATH
        expect(page.locator("#unavailable-notice")).to_contain_text("Audit log (Workspace) is not available")
        expect(page.locator(f"a[data-section={SECTION}]")).to_have_count(0)
        assert page.request.get(portal.url + "/org/audit-log/export.csv").status == 403
        shot()
    finally:
        set_environment(portal, {"org_functions": {"audit_log": True}})
