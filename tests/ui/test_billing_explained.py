"""Plan changes that explain themselves, in a real browser on the shared billing_portal:

- the preview of a plan change lists today's invoice and the next one line by line, a downgrade
  or interval change says it waits for the period end, and after confirming, the invoice issued
  is exactly the preview (lines and total, to the cent);
- cancelling asks for a reason and makes the retention offer once; accepting it keeps the plan;
- server side, a viewer's session can neither change billing details nor cancel or take the
  offer through the websocket, whatever it sends (the billing manager's can: the control).
"""

from __future__ import annotations

import sqlite3

import pytest
from playwright.sync_api import Page, expect
from sqlmodel import select

from portal_ui.billing.invoices import list_invoices
from portal_ui.billing.money import format_money
from portal_ui.billing.owner import Owner
from portal_ui.billing.subscriptions import current_plan
from portal_ui.demo.personas import DEMO_ORG_CODE
from portal_ui.domain.portal_settings import update_environment_settings
from portal_ui.domain.sessions import SESSION_COOKIE
from portal_ui.models import AuditEvent
from portal_ui.settings import Settings
from tests.ui.billing_world import ACTOR, billing_rows, db_path, open_billing, portal_db, reset_user_billing, toast, two_widths
from tests.ui.helpers import cookie_over_http
from tests.ui.socket_tab import SocketTab
from tests.ui.test_billing_guards import handler

pytestmark = pytest.mark.browser

BEA, BILL, VIC = "kp_demo_bea", "kp_demo_bill", "kp_demo_vic"
COUPON = {"percent_off": 50, "duration_months": 2, "label": "Half price for two months"}


def _coupon(billing_portal, value) -> None:
    with portal_db(billing_portal) as session:
        update_environment_settings(session, Settings.from_env(billing_portal.env), {"retention_coupon": value}, ACTOR)


@pytest.fixture
def bea_on_pro(billing_portal):
    """Bea on Pro (monthly) with a test Visa; her billing is emptied again afterwards."""
    reset_user_billing(billing_portal, BEA, card=True, plan="pro_monthly")
    yield Owner.user(BEA)
    reset_user_billing(billing_portal, BEA)


@pytest.fixture
def coupon(billing_portal):
    """A retention coupon in the environment settings, removed afterwards (the billing_portal is shared)."""
    _coupon(billing_portal, COUPON)
    yield COUPON
    _coupon(billing_portal, None)


def _lines(page: Page, table: str) -> list[tuple[str, str]]:
    rows = page.locator(f"#{table} .quote-line")
    return [(rows.nth(i).locator("td").nth(0).inner_text(), rows.nth(i).locator("td").nth(1).inner_text())
            for i in range(rows.count())]


def test_the_preview_is_the_invoice_that_follows(page: Page, billing_portal, shot, bea_on_pro):
    open_billing(page, billing_portal, BEA, None, "plan_selection")
    page.locator("[data-plan=pro_yearly] .plan-choose").click()  # an interval change waits for the period end
    dialog = page.locator("#change-dialog")
    expect(page.locator("#change-later")).to_contain_text("takes effect at the end of the current period")
    expect(page.locator("#change-later")).to_contain_text("Nothing is charged today")
    expect(page.locator("#change-today")).to_have_count(0)
    expect(page.locator("#change-next")).to_contain_text("Next invoice")
    expect(page.locator("#change-next .quote-total")).to_have_text("$190.00")
    two_widths(page, shot, "interval-change-preview")
    page.locator("#dialog-back").click()
    expect(dialog).to_have_count(0)

    page.locator("[data-plan=business] .plan-choose").click()  # an upgrade: prorated today
    expect(page.locator("#change-today .quote-line")).to_have_count(2)
    shown = _lines(page, "change-today")
    total = page.locator("#change-today .quote-total").inner_text()
    # The new plan for the time left and the credit for the old one (in the provider's order).
    assert sorted(amount.startswith("-") for _text, amount in shown) == [False, True]
    assert total == page.locator("#change-due").inner_text()
    expect(page.locator("#change-next .quote-total")).to_have_text("$99.00")
    two_widths(page, shot, "upgrade-preview")
    page.locator("#change-confirm").click()
    toast(page, "You are now on Business").to_be_visible()

    with portal_db(billing_portal) as session:
        invoice = list_invoices(session, bea_on_pro, page_size=1).items[0]
    assert [(x["description"], format_money(x["amount_minor"], "USD")) for x in invoice.lines] == shown
    page.locator("#nav-desktop a[data-section=plan_details]").click()
    newest = page.locator(f"#invoice-table tbody tr[data-invoice={invoice.number}]")
    expect(newest).to_contain_text(total)  # the total shown before confirming, to the cent
    assert format_money(invoice.amount_minor, "USD") == total


def test_cancel_asks_why_and_makes_the_offer_once(page: Page, billing_portal, shot, bea_on_pro, coupon):
    open_billing(page, billing_portal, BEA, None, "plan_details")
    page.locator("#cancel-plan").click()
    page.locator("#cancel-confirm").click()  # no reason yet
    expect(page.locator("#cancel-error")).to_contain_text("Choose why you are cancelling")
    page.locator("#cancel-reason").select_option("too_expensive")
    page.locator("#cancel-comment").fill("Our budget was cut")
    two_widths(page, shot, "cancel-reason")
    page.locator("#cancel-confirm").click()
    expect(page.locator("#offer-title")).to_have_text("Half price for two months")
    expect(page.locator("#offer-text")).to_contain_text("50% off your invoices for the next 2 month(s)")
    two_widths(page, shot, "retention-offer")
    page.locator("#offer-accept").click()
    toast(page, "the discount applies to your next invoices").to_be_visible()
    expect(page.locator("#plan-status")).to_have_text("Active")
    expect(page.locator("#plan-discount")).to_contain_text("Half price for two months: 50% off invoices")
    with portal_db(billing_portal) as session:
        sub = current_plan(session, bea_on_pro).subscription
        assert (sub.discount_percent, sub.cancel_at_period_end) == (50, False)
        event = session.exec(select(AuditEvent).where(AuditEvent.action == "subscription.retention_accepted",
                                                      AuditEvent.target_id == sub.id)).one()
        assert (event.after["cancel_reason"], event.after["cancel_comment"]) == ("too_expensive", "Our budget was cut")

    page.locator("#cancel-plan").click()  # the second time: no offer, the reason cancels
    page.locator("#cancel-reason").select_option("switched_service")
    page.locator("#cancel-confirm").click()
    toast(page, "Your plan is set to end").to_be_visible()
    expect(page.locator("#retention-offer")).to_have_count(0)
    expect(page.locator("#plan-status")).to_contain_text("Ends ")
    with portal_db(billing_portal) as session:
        assert current_plan(session, bea_on_pro).subscription.cancel_reason == "switched_service"


def _profile_rows(billing_portal) -> list[tuple]:
    with sqlite3.connect(db_path(billing_portal)) as conn:
        return conn.execute("SELECT * FROM billing_profiles WHERE org_code = ?", (DEMO_ORG_CODE,)).fetchall()


def test_a_viewer_cannot_change_billing_details_or_cancel_through_the_socket(billing_portal, coupon):
    key, path = "organization_plan_details", "/org/billing"
    form = {"name": "Hijacked Ltd", "email": "x@example.com", "country": "DE"}
    events = [(handler("save_details"), {"key": key, "form": form}),
              (handler("add_tax_id"), {"key": key, "form": {"tax_type": "eu_vat", "tax_number": "DE136695976"}}),
              (handler("remove_tax_id"), {"key": key, "tax_type": "eu_vat", "value": "DE136695976"}),
              (handler("start_cancel"), {"key": key}),
              (handler("confirm_cancel"), {"key": key, "form": {"reason": "other", "comment": ""}}),
              (handler("accept_offer"), {"key": key}),
              (handler("decline_offer"), {"key": key})]
    before, profiles = billing_rows(billing_portal, org_code=DEMO_ORG_CODE), _profile_rows(billing_portal)
    cookie = cookie_over_http(billing_portal.link(VIC, DEMO_ORG_CODE, key))
    with SocketTab(billing_portal.url, f"{SESSION_COOKIE}={cookie}") as tab:
        tab.send(handler("load_billing"), {"key": key}, path)
        answers = [str(tab.send(name, payload, path)) for name, payload in events]
    for (name, _), answer in zip(events, answers):
        assert "You do not have permission to change this." in answer, name
    assert billing_rows(billing_portal, org_code=DEMO_ORG_CODE) == before and _profile_rows(billing_portal) == profiles

    cookie = cookie_over_http(billing_portal.link(BILL, DEMO_ORG_CODE, key))  # the control: the billing manager can
    try:
        with SocketTab(billing_portal.url, f"{SESSION_COOKIE}={cookie}") as tab:
            tab.send(handler("load_billing"), {"key": key}, path)
            saved = str(tab.send(handler("save_details"), {"key": key, "form": form}, path))
            added = str(tab.send(handler("add_tax_id"), {"key": key, "form": events[1][1]["form"]}, path))
        assert "Billing details saved." in saved and "Tax ID DE136695976 added." in added
        assert [row[3] for row in _profile_rows(billing_portal)] == ["Hijacked Ltd"]
    finally:
        with sqlite3.connect(db_path(billing_portal)) as conn:
            conn.execute("DELETE FROM billing_profiles WHERE org_code = ?", (DEMO_ORG_CODE,))
