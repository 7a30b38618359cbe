"""Billing in a real browser with PORTAL_BILLING_PROVIDER=stripe, against localstripe: where the card goes.

The Stripe portal of the billing suite (`stripe_portal`, tests/ui/conftest.py), pointed at a localstripe
on loopback whose fake Stripe.js stands in for Stripe's card element (plain inputs in the page
instead of Stripe's frame; the same `elements().create("card")` and `confirmCardSetup` calls).
The rest of the billing suite runs on this portal too (`billing_portal`); this test looks at files.
Bea adds a card through the element, subscribes, and finds the invoice in her billing history
with its Stripe link, also after the portal lost its copy (the page lists Stripe's invoices when it
opens). Afterwards the card number and the security code, and the SetupIntent's client secret,
are in none of the portal's files: its database, its server log, its Reflex state files.
"""

from __future__ import annotations

import re
import sqlite3
import time
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from portal_ui.ui import routes
from tests.ui.billing_world import db_path, reset_user_billing, stripe_api, toast
from tests.ui.helpers import enter, review_shot

pytestmark = pytest.mark.browser

BEA = "kp_demo_bea"
NUMBER, CVC = "5555555555554444", "868"
STATE_WRITE_DELAY = 3.5  # Reflex's disk state manager writes changed states after a 2 s debounce


def card_traces(data: bytes) -> list[str]:
    """The ways the card number or CVC would show in a file: the number anywhere (also grouped),
    the CVC as a stored value (quoted, form-encoded, a pickled string) or under its name."""
    text = data.lower()
    found = [n for n in (NUMBER, " ".join(NUMBER[i:i + 4] for i in range(0, 16, 4))) if n.encode() in data]
    found += [repr(p) for p in (b'"%s"' % CVC.encode(), b"'%s'" % CVC.encode(), b"=%s" % CVC.encode(),
                                b"\x8c\x03" + CVC.encode(), b"cvc") if p in text]
    return found


def test_a_card_through_stripes_element_pays_for_a_plan_and_never_reaches_the_portal(
        page: Page, stripe_portal, request):
    portal = stripe_portal
    reset_user_billing(portal, BEA)
    enter(page, portal.link(BEA, None, "payment_details"))
    expect(page.locator("#stripe-note")).to_be_visible()
    expect(page.locator("#card_number")).to_have_count(0)  # the test provider's own form is not there
    element = page.locator("#stripe-card-element")
    expect(element).to_have_attribute("data-state", "ready")
    fields = {name: element.locator(f"input[placeholder={name}]")
              for name in ("number", "exp_month", "exp_year", "cvc", "postal_code")}
    for name, value in (("number", NUMBER), ("exp_month", "12"), ("exp_year", "34"), ("cvc", CVC),
                        ("postal_code", "10115")):
        fields[name].fill(value)
    review_shot(page, request, "stripe-card-form")
    page.locator("#card-submit").click()
    toast(page, "ending 4444 added.").to_be_visible()  # the brand is the fake's guess
    expect(page.locator(".card-label")).to_have_text([re.compile(r"^\w+ ending 4444$")])
    expect(page.locator("#card-error")).to_have_count(0)
    expect(fields["number"]).to_have_value("")  # a fresh element for the next card

    page.goto(portal.url + routes.PLANS)
    page.locator("[data-plan=pro_monthly] .plan-choose").click()
    expect(page.locator("#change-due")).to_have_text("$19.00")
    page.locator("#change-confirm").click()
    toast(page, "You are now on Pro (monthly).").to_be_visible()

    with sqlite3.connect(db_path(portal)) as conn:
        (customer,) = conn.execute("SELECT customer_id FROM stripe_customers WHERE user_id = ?", (BEA,)).fetchone()
    (invoice,) = [i for i in stripe_api(portal).invoices.list(params={"limit": 100}).data if i.customer == customer]
    assert (invoice.status, invoice.total) == ("paid", 1900)
    page.goto(portal.url + routes.PLAN)
    expect(page.locator("#plan-name")).to_have_text("Pro (monthly)")
    hosted = page.locator(".invoice-hosted")
    expect(hosted).to_have_attribute("href", invoice.hosted_invoice_url)
    expect(hosted).to_have_attribute("target", "_blank")
    review_shot(page, request, "stripe-billing-history")

    # The portal loses its copy; opening the page lists the invoice from Stripe again.
    with sqlite3.connect(db_path(portal)) as conn:
        assert conn.execute("DELETE FROM invoices WHERE user_id = ?", (BEA,)).rowcount == 1
    page.reload()
    expect(page.locator(".invoice-hosted")).to_have_attribute("href", invoice.hosted_invoice_url)
    expect(page.locator("#invoice-table tbody tr")).to_have_count(1)
    expect(page.locator("#invoices-note")).to_have_count(0)

    time.sleep(STATE_WRITE_DELAY)  # the tab's last states are on disk
    states = {p: p.read_bytes() for p in Path(portal.env["REFLEX_STATES_WORKDIR"]).rglob("*") if p.is_file()}
    assert any(b"ending 4444" in data for data in states.values())  # the files read hold the page
    database = db_path(portal)  # with SQLite's WAL and journal, where the newest rows may be
    stored = {path: path.read_bytes() for path in database.parent.glob(database.name + "*")}
    assert b"pm_" in b"".join(stored.values())  # the card row is there, by Stripe's id
    files = {portal.log: portal.log.read_bytes(), **stored, **states}
    holding = {path.name: found for path, data in files.items() if (found := card_traces(data))}
    assert holding == {}, f"card data in the portal's files: {holding}"
    # Nor the SetupIntent's client secret, which went to the browser in a script call only.
    (setup,) = [i for i in stripe_api(portal).setup_intents.list(params={"limit": 100}).data if i.customer == customer]
    assert setup.status == "succeeded" and setup.client_secret.startswith(setup.id + "_secret_")
    assert [path.name for path, data in files.items() if setup.client_secret.encode() in data] == []
