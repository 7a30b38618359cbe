"""The billing pages' pure helpers: plan card, picker marks, confirmation wording, expiry parsing (no browser)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from portal_ui.billing.subscriptions import ChangePreview, CurrentPlan
from portal_ui.domain.errors import InvalidInput
from portal_ui.models import Invoice, Plan, Subscription
from portal_ui.ui.state.billing import _billing_key, parse_expiry
from portal_ui.ui.state.billing_view import change_view, invoice_rows, plan_choices, plan_view

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=timezone.utc)
END = datetime(2026, 4, 10, 12, 0, tzinfo=timezone.utc)


def plan(key: str, name: str, amount: int, interval: str = "month") -> Plan:
    return Plan(key=key, name=name, amount_minor=amount, currency="USD", interval=interval, features=["A", "B"],
                created_on=NOW)


FREE, PRO, BUSINESS = plan("free", "Free", 0, "none"), plan("pro", "Pro", 1900), plan("business", "Business", 9900)


def current(on: Plan | None, *, pending: Plan | None = None, canceling: bool = False,
            status: str = "active") -> CurrentPlan:
    if on is None:
        return CurrentPlan(None, None, None, "none", None, None, False)
    sub = Subscription(id="sub_1", org_code="org", plan_key=on.key, status=status, current_period_start=NOW,
                       current_period_end=END, created_on=NOW, updated_on=NOW, ended_on=END)
    return CurrentPlan(sub, on, pending, status, NOW, END, canceling)


def test_plan_view_says_what_happens_next():
    assert plan_view(current(None)).status == "none"
    active = plan_view(current(PRO))
    assert (active.status_label, active.next_step) == ("Active", "Renews on 10 Apr 2026 at $19.00 / month.")
    assert active.cancelable and not active.resumable and active.period == "10 Mar 2026 to 10 Apr 2026"
    ending = plan_view(current(PRO, canceling=True))
    assert ending.status == "ending" and ending.status_label == "Ends 10 Apr 2026"
    assert ending.resumable and not ending.cancelable
    assert plan_view(current(BUSINESS, pending=PRO)).next_step == "Changes to Pro on 10 Apr 2026 ($19.00 / month)."
    ended = plan_view(current(PRO, status="canceled"))
    assert (ended.status_label, ended.cancelable, ended.next_step) == ("Ended", False, "Pro ended on 10 Apr 2026.")


def test_picker_marks_the_current_and_the_scheduled_plan():
    plain = {c.key: c for c in plan_choices([FREE, PRO, BUSINESS], current(PRO))}
    assert (plain["pro"].badge, plain["pro"].current, plain["pro"].selectable) == ("Current plan", True, False)
    assert plain["business"].badge == "" and plain["business"].selectable
    scheduled = {c.key: c for c in plan_choices([FREE, PRO, BUSINESS], current(BUSINESS, pending=PRO))}
    assert (scheduled["pro"].badge, scheduled["pro"].pending, scheduled["pro"].selectable) == (
        "Starts 10 Apr 2026", True, False)
    assert (scheduled["business"].action, scheduled["business"].selectable) == ("Keep this plan", True)
    nothing = plan_choices([FREE, PRO], current(None))
    assert all(c.badge == "" and c.selectable for c in nothing)


def _preview(kind: str, due: int, effective: datetime, *, has_card: bool = True) -> ChangePreview:
    return ChangePreview(kind=kind, plan=BUSINESS, current=PRO, effective_on=effective, amount_due_now=due,
                         currency="USD", lines=(), period_start=None, period_end=None, next_charge_on=None,
                         next_charge_amount=0, needs_payment_method=True, has_payment_method=has_card,
                         summary="Summary.")


def test_change_view_shows_what_is_paid_and_when():
    upgrade = change_view(_preview("upgrade", 5400, NOW), NOW)
    assert (upgrade.due_now, upgrade.effective, upgrade.confirm, upgrade.needs_card) == (
        "$54.00", "Today", "Pay $54.00 and switch", False)
    later = change_view(_preview("scheduled", 0, END), NOW)
    assert (later.due_now, later.effective, later.confirm) == ("$0.00", "10 Apr 2026", "Schedule the change")
    assert change_view(_preview("start", 9900, NOW, has_card=False), NOW).needs_card
    assert not change_view(_preview("undo", 0, NOW, has_card=False), NOW).needs_card


def test_invoice_rows_link_to_the_download_route():
    invoice = Invoice(id="in_abc", number="INV-000007", org_code="org", amount_minor=1500, currency="JPY",
                      status="paid", issued_on=NOW - timedelta(days=1))
    [row] = invoice_rows([invoice])
    assert (row.number, row.date, row.amount, row.status_label, row.url) == (
        "INV-000007", "9 Mar 2026", "¥1,500", "Paid", "/billing/invoices/in_abc.pdf")


@pytest.mark.parametrize("text, expected", [("04/30", ("04", "30")), (" 4 / 2031 ", ("4", "2031")),
                                            ("0430", ("04", "30")), ("042031", ("04", "2031"))])
def test_expiry_parses_the_usual_spellings(text, expected):
    assert parse_expiry(text) == expected


@pytest.mark.parametrize("text", ["", "soon", "04-30", "4/", "/30", None, 430, ["04", "30"]])
def test_expiry_refuses_anything_else(text):
    with pytest.raises(InvalidInput):
        parse_expiry(text)


@pytest.mark.parametrize("key, expected", [
    ("plan_selection", "plan_selection"), ("organization_payment_details", "organization_payment_details"),
    ("profile", None), ("organization_details", None), ("organization_api_keys", None), ("", None), (None, None),
    (["plan_details"], None),
])
def test_only_billing_section_keys_count(key, expected):
    assert _billing_key(key) == expected


def test_german_tabs_get_german_amounts_and_dates():
    invoice = Invoice(id="in_abc", number="INV-000008", org_code="org", amount_minor=123456, currency="EUR",
                      status="paid", issued_on=NOW - timedelta(days=1))
    [row] = invoice_rows([invoice], "de")
    assert (row.date, row.amount) == ("9. März 2026", "1.234,56\u00a0€")
    upgrade = change_view(_preview("upgrade", 5400, NOW), NOW, "de")
    assert upgrade.due_now == "54,00\u00a0$" and "54,00\u00a0$" in upgrade.confirm
    assert plan_view(current(PRO), "de").price.startswith("19,00\u00a0$ / ")
