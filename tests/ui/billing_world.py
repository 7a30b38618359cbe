"""Helpers for the billing browser tests: the portal's database, persona setups, screenshots at two
widths, and card entry; each for the portal's billing provider (the suite runs against the built-in
test provider and against Stripe on localstripe: `billing_portal` in tests/ui/conftest.py).

With Stripe, a setup made here goes through Stripe as the portal's own would: a card is a SetupIntent
confirmed with the card (as Stripe's element does in the browser), a plan is a Stripe subscription.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

from playwright.sync_api import Locator, Page, expect
from sqlmodel import Session, select

from portal_ui.billing import stripe_billing
from portal_ui.billing.owner import Owner
from portal_ui.billing.payment_methods import add_card
from portal_ui.billing.subscriptions import change_plan
from portal_ui.db import engine_for
from portal_ui.demo.billing_seed import DEMO_ORG_PLAN
from portal_ui.demo.personas import DEMO_ORG_CODE
from portal_ui.domain.audit import Actor
from portal_ui.domain.clock import utcnow
from portal_ui.models import Subscription
from portal_ui.settings import Settings, get_settings
from tests.billing.conftest import STRIPE_SECRET, confirm_in_browser
from tests.ui.helpers import enter

ACTOR = Actor.system("browser-test")
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
BILLING_TABLES = ("invoices", "subscriptions", "payment_methods")
PROVIDER_SETTINGS = ("PORTAL_BILLING_PROVIDER", "STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY",
                     "STRIPE_WEBHOOK_SECRET", "STRIPE_API_BASE")
VISA = "4242424242424242"


def on_stripe(portal) -> bool:
    return portal.provider == "stripe"


@contextmanager
def provider_settings(portal) -> Iterator[None]:
    """The portal's billing provider settings in this test process's environment for the block, so
    that domain calls made here (`portal_db`) bill through the same provider as the portal."""
    saved = {key: os.environ.get(key) for key in PROVIDER_SETTINGS}
    for key in PROVIDER_SETTINGS:
        if key in portal.env:
            os.environ[key] = portal.env[key]
        else:
            os.environ.pop(key, None)
    get_settings.cache_clear()
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        get_settings.cache_clear()


def db_path(portal) -> Path:
    return Path(urlsplit(portal.env["REFLEX_DB_URL"]).path)


@contextmanager
def portal_db(portal) -> Iterator[Session]:
    """A domain session on the running portal's database (committed on success), billing through
    the portal's provider."""
    with provider_settings(portal), \
            Session(engine_for(Settings.from_env(portal.env).db_url), expire_on_commit=False) as session:
        yield session
        session.commit()


def stripe_api(portal):
    """The official Stripe client on the portal's fake Stripe, to look at (or put back) what the portal did there."""
    import stripe

    return stripe.StripeClient(STRIPE_SECRET, base_addresses={"api": portal.stripe_url}).v1


def give_card(portal, session: Session, owner: Owner, number: str = VISA, *, exp_month: int = 12,
              exp_year: int | None = None, cvc: str = "123"):
    """A card for `owner` as its payer would add it: the test provider takes the number; with Stripe
    a SetupIntent is confirmed with the card at Stripe, and the portal keeps what Stripe reports."""
    exp_year = exp_year or utcnow().year + 3
    if not on_stripe(portal):
        return add_card(session, actor=ACTOR, owner=owner, number=number, exp_month=exp_month, exp_year=exp_year,
                        cvc=cvc)
    setup = stripe_billing.begin_card_setup(session, owner)
    confirmed = confirm_in_browser(portal.stripe_url, setup, number=number, exp_month=exp_month, exp_year=exp_year,
                                   cvc=cvc)
    assert confirmed.get("status") == "succeeded", confirmed
    return stripe_billing.complete_card_setup(session, actor=ACTOR, owner=owner, setup_intent_id=setup.id)


def seed_acme_on_stripe(portal) -> None:
    """What the demo seed gives Acme with the test provider (a Visa ending 4242, Pro (monthly) and its
    paid invoice), made through Stripe: the demo seed leaves it out with Stripe (cards reach Stripe from
    a browser only), the Acme tests need it."""
    owner = Owner.org(DEMO_ORG_CODE)
    with portal_db(portal) as session:
        give_card(portal, session, owner)
    with portal_db(portal) as session:
        change_plan(session, actor=ACTOR, owner=owner, plan_key=DEMO_ORG_PLAN)


def billing_rows(portal, *, user_id: str | None = None, org_code: str | None = None) -> dict[str, list[tuple]]:
    """Every billing row of one owner, as stored: to show that something did (not) change."""
    column, value = ("user_id", user_id) if user_id else ("org_code", org_code)
    with sqlite3.connect(db_path(portal)) as conn:
        return {table: sorted(conn.execute(f"SELECT * FROM {table} WHERE {column} = ?", (value,)).fetchall())
                for table in BILLING_TABLES}


def reset_user_billing(portal, user_id: str, *, card: bool = False, plan: str | None = None) -> None:
    """Start `user_id`'s own billing from nothing (test data only), optionally with a Visa ending 4242
    and a plan. With Stripe the user also gets a new Stripe customer (the old one stays in the fake)."""
    with sqlite3.connect(db_path(portal)) as conn:
        for table in (*BILLING_TABLES, "stripe_customers"):
            conn.execute(f"DELETE FROM {table} WHERE user_id = ?", (user_id,))
    if card or plan:
        owner = Owner.user(user_id)
        with portal_db(portal) as session:
            give_card(portal, session, owner)
        if plan:
            with portal_db(portal) as session:
                change_plan(session, actor=ACTOR, owner=owner, plan_key=plan)


@contextmanager
def subscription_restored(portal, *, org_code: str) -> Iterator[None]:
    """Put the organization's subscription row back as it was (the demo's plan) when the block ends,
    so that other tests on the same portal find Acme as the demo seeded it; with Stripe, Stripe's
    subscription too (its plan, without proration, and not ending)."""
    with sqlite3.connect(db_path(portal)) as conn:
        saved = conn.execute("SELECT * FROM subscriptions WHERE org_code = ?", (org_code,)).fetchall()
    try:
        yield
    finally:
        with sqlite3.connect(db_path(portal)) as conn:
            conn.execute("DELETE FROM subscriptions WHERE org_code = ?", (org_code,))
            for row in saved:
                conn.execute(f"INSERT INTO subscriptions VALUES ({', '.join('?' * len(row))})", row)
        if on_stripe(portal):
            with portal_db(portal) as session:
                sub = session.exec(select(Subscription).where(Subscription.org_code == org_code)).one()
                api = stripe_api(portal)
                item = api.subscriptions.retrieve(sub.provider_ref)["items"]["data"][0]
                api.subscriptions.update(sub.provider_ref, params={
                    "items": [{"id": item["id"], "plan": f"portal_{sub.plan_key}"}],
                    "proration_behavior": "none", "cancel_at_period_end": False})


def open_billing(page: Page, portal, user: str, org: str | None, sub_nav: str) -> None:
    enter(page, portal.link(user, org, sub_nav))
    expect(page.locator("#section-title")).to_be_visible()


def two_widths(page: Page, shot, name: str) -> None:
    """Screenshots at 1280 px and 390 px wide; the page is left at 1280 px."""
    page.set_viewport_size(DESKTOP)
    shot(f"{name}-1280")
    page.set_viewport_size(PHONE)
    page.wait_for_timeout(150)
    shot(f"{name}-390")
    page.set_viewport_size(DESKTOP)


def card_number_input(page: Page, portal) -> Locator:
    """Where the card number is typed: the portal's own form, or Stripe's card element."""
    if on_stripe(portal):
        return page.locator("#stripe-card-element input[placeholder=number]")
    return page.locator("#card_number")


def fill_card(page: Page, portal, number: str, expiry: str = "12/30", cvc: str = "123") -> None:
    """Type a card into the payment methods page's form (the test provider's own fields, or Stripe's
    card element once it is ready), without submitting it."""
    if not on_stripe(portal):
        page.locator("#card_number").fill(number)
        page.locator("#card_expiry").fill(expiry)
        page.locator("#card_cvc").fill(cvc)
        return
    element = page.locator("#stripe-card-element")
    expect(element).to_have_attribute("data-state", "ready")
    month, year = expiry.split("/")
    for name, value in (("number", number.replace(" ", "")), ("exp_month", month), ("exp_year", year),
                        ("cvc", cvc), ("postal_code", "10115")):
        element.locator(f"input[placeholder={name}]").fill(value)


def expect_card_form_empty(page: Page, portal) -> None:
    """After a card was added the form is empty again, ready for the next card."""
    if on_stripe(portal):
        expect(card_number_input(page, portal)).to_have_value("")
        return
    for field in ("#card_number", "#card_expiry", "#card_cvc"):
        expect(page.locator(field)).to_have_value("")


def provider_note(page: Page, portal) -> Locator:
    """The payment methods page's note on where cards go: Stripe's, or the test provider's."""
    return page.locator("#stripe-note" if on_stripe(portal) else "#test-provider-note")


def download_invoice(page: Page, portal, row: Locator, number: str) -> None:
    """Download the invoice of a billing history row: the portal's own PDF, named after the number;
    with Stripe, Stripe's PDF of that invoice, where the portal sends the browser."""
    said: list[str] = []  # the page's console: Reflex says so when it drops its connection on an unload
    page.on("console", lambda message: said.append(message.text))
    _download(page, portal, row, number)
    page.wait_for_timeout(300)
    assert not [line for line in said if "Disconnect websocket" in line], said


def _download(page: Page, portal, row: Locator, number: str) -> None:
    if on_stripe(portal):  # in a tab of its own, which fetches Stripe's PDF (seen on its way here)
        with sqlite3.connect(db_path(portal)) as conn:
            (pdf_url,) = conn.execute("SELECT pdf_url FROM invoices WHERE number = ?", (number,)).fetchone()
        assert pdf_url.startswith(portal.stripe_url)
        fetched: list[tuple[str, bytes]] = []  # (where the portal's download led, what came)

        def fetch(route) -> None:
            response = route.fetch()  # following the portal's redirect
            fetched.append((response.url, response.body()))
            route.fulfill(response=response)

        download = portal.url + "/billing/invoices/*.pdf"
        page.context.route(download, fetch)
        with page.expect_popup():
            row.locator(".invoice-download").click()
        expect(page.locator("#section-title")).to_be_visible()  # this tab stays as it was
        for _ in range(100):
            if fetched:
                break
            page.wait_for_timeout(100)
        page.context.unroute(download)
        assert [(url, body[:5]) for url, body in fetched] == [(pdf_url, b"%PDF-")]
        return
    with page.expect_download() as info:
        row.locator(".invoice-download").click()
    download = info.value
    assert download.suggested_filename == f"{number}.pdf"
    assert open(download.path(), "rb").read(5) == b"%PDF-"


def toast(page: Page, words: str):
    return expect(page.locator("[data-sonner-toast]").filter(has_text=words).first)
