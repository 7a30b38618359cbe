"""Helpers for the billing browser tests: the portal's database, persona setups, screenshots at two widths."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator
from urllib.parse import urlsplit

from playwright.sync_api import Page, expect
from sqlmodel import Session

from portal_ui.billing.owner import Owner
from portal_ui.billing.payment_methods import add_card
from portal_ui.billing.subscriptions import change_plan
from portal_ui.db import engine_for
from portal_ui.domain.audit import Actor
from portal_ui.domain.clock import utcnow
from portal_ui.settings import Settings
from tests.ui.helpers import enter

ACTOR = Actor.system("browser-test")
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
BILLING_TABLES = ("invoices", "subscriptions", "payment_methods")


def db_path(portal) -> Path:
    return Path(urlsplit(portal.env["REFLEX_DB_URL"]).path)


@contextmanager
def portal_db(portal) -> Iterator[Session]:
    """A domain session on the running portal's database (committed on success)."""
    with Session(engine_for(Settings.from_env(portal.env).db_url), expire_on_commit=False) as session:
        yield session
        session.commit()


def billing_rows(portal, *, user_id: str | None = None, org_code: str | None = None) -> dict[str, list[tuple]]:
    """Every billing row of one owner, as stored: to show that something did (not) change."""
    column, value = ("user_id", user_id) if user_id else ("org_code", org_code)
    with sqlite3.connect(db_path(portal)) as conn:
        return {table: sorted(conn.execute(f"SELECT * FROM {table} WHERE {column} = ?", (value,)).fetchall())
                for table in BILLING_TABLES}


def reset_user_billing(portal, user_id: str, *, card: bool = False, plan: str | None = None) -> None:
    """Start `user_id`'s own billing from nothing (test data only), optionally with a test Visa and a plan."""
    with sqlite3.connect(db_path(portal)) as conn:
        for table in BILLING_TABLES:
            conn.execute(f"DELETE FROM {table} WHERE user_id = ?", (user_id,))
    if card or plan:
        with portal_db(portal) as session:
            owner = Owner.user(user_id)
            add_card(session, actor=ACTOR, owner=owner, number="4242424242424242", exp_month=12,
                     exp_year=utcnow().year + 3, cvc="123")
            if plan:
                change_plan(session, actor=ACTOR, owner=owner, plan_key=plan)


@contextmanager
def subscription_restored(portal, *, org_code: str) -> Iterator[None]:
    """Put the organization's subscription row back as it was (the demo's plan) when the block ends,
    so that other tests on the same portal find Acme as the demo seeded it."""
    with sqlite3.connect(db_path(portal)) as conn:
        saved = conn.execute("SELECT * FROM subscriptions WHERE org_code = ?", (org_code,)).fetchall()
    try:
        yield
    finally:
        with sqlite3.connect(db_path(portal)) as conn:
            conn.execute("DELETE FROM subscriptions WHERE org_code = ?", (org_code,))
            for row in saved:
                conn.execute(f"INSERT INTO subscriptions VALUES ({', '.join('?' * len(row))})", row)


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


def toast(page: Page, words: str):
    return expect(page.locator("[data-sonner-toast]").filter(has_text=words).first)
