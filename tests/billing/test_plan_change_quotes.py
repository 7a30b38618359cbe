"""The plan change preview equals the invoice that follows, to the cent: upgrade (today's invoice),
downgrade and interval change (the invoice at the period end), with and without a discount."""

from datetime import timedelta

import pytest

from portal_ui.billing.invoices import list_invoices
from portal_ui.billing.subscriptions import change_plan, current_plan, preview_change
from portal_ui.domain.clock import as_utc, shifted, utcnow
from portal_ui.domain.errors import Conflict
from portal_ui.models import Subscription

from tests.billing.conftest import ACTOR, card


def newest_invoice(session, owner):
    return list_invoices(session, owner, page_size=1).items[0]


def as_invoice(lines):
    return [dict(x) for x in lines]


def test_upgrade_preview_is_the_invoice_even_when_confirmed_later(session, org, plans):
    card(session, org)
    change_plan(session, actor=ACTOR, owner=org, plan_key="pro_monthly")
    with shifted(timedelta(days=9, hours=5, minutes=7)):
        preview = preview_change(session, org, "business")
        assert preview.kind == "upgrade" and [x["amount_minor"] < 0 for x in preview.lines] == [False, True]
        assert preview.next_lines and preview.next_charge_amount == 9900
    with shifted(timedelta(days=9, hours=5, minutes=47)):  # 40 minutes of reading later: same prices
        result = change_plan(session, actor=ACTOR, owner=org, plan_key="business", quoted_at=preview.quoted_at)
    invoice = result.invoice
    assert invoice.lines == as_invoice(preview.lines) and invoice.amount_minor == preview.amount_due_now
    with shifted(timedelta(days=40)):
        current_plan(session, org)  # the renewal: the preview's "next invoice"
    renewal = newest_invoice(session, org)
    assert renewal.lines == as_invoice(preview.next_lines) and renewal.amount_minor == preview.next_charge_amount
    assert as_utc(renewal.issued_on).date() >= preview.next_charge_on.date()


@pytest.mark.parametrize("first, then, amount", [("business", "pro_monthly", 1900),  # downgrade
                                                 ("pro_monthly", "pro_yearly", 19000),  # monthly -> yearly
                                                 ("pro_yearly", "pro_monthly", 1900)])  # yearly -> monthly
def test_scheduled_change_preview_is_the_invoice_at_the_period_end(session, org, plans, first, then, amount):
    card(session, org)
    end = as_utc(change_plan(session, actor=ACTOR, owner=org, plan_key=first).subscription.current_period_end)
    preview = preview_change(session, org, then)
    assert preview.kind == "scheduled" and preview.takes_effect_later and preview.effective_on == end
    assert preview.amount_due_now == 0 and preview.lines == () and preview.next_charge_on == end
    assert preview.next_charge_amount == amount
    result = change_plan(session, actor=ACTOR, owner=org, plan_key=then, quoted_at=preview.quoted_at)
    assert result.invoice is None
    with shifted(end - utcnow() + timedelta(minutes=1)):
        current_plan(session, org)
    invoice = newest_invoice(session, org)
    assert invoice.plan_key == then and invoice.lines == as_invoice(preview.next_lines)
    assert invoice.amount_minor == preview.next_charge_amount == amount


def test_a_discount_is_in_the_preview_and_in_the_invoice(session, org, plans):
    card(session, org)
    sub = change_plan(session, actor=ACTOR, owner=org, plan_key="pro_monthly").subscription
    sub.discount_percent, sub.discount_label = 25, "Stay with us"
    sub.discount_ends_on = as_utc(sub.current_period_end) + timedelta(days=45)
    session.add(sub)
    session.commit()
    preview = preview_change(session, org, "pro_yearly")
    assert [x["amount_minor"] for x in preview.next_lines] == [19000, -4750]
    assert preview.next_lines[1]["description"] == "Stay with us (25% off)"
    change_plan(session, actor=ACTOR, owner=org, plan_key="pro_yearly", quoted_at=preview.quoted_at)
    with shifted(timedelta(days=32)):
        current_plan(session, org)
    invoice = newest_invoice(session, org)
    assert invoice.lines == as_invoice(preview.next_lines) and invoice.amount_minor == 14250


def test_a_stale_preview_is_refused(session, org, plans):
    card(session, org)
    change_plan(session, actor=ACTOR, owner=org, plan_key="pro_monthly")
    preview = preview_change(session, org, "business")
    with shifted(timedelta(hours=2)), pytest.raises(Conflict) as err:
        change_plan(session, actor=ACTOR, owner=org, plan_key="business", quoted_at=preview.quoted_at)
    assert err.value.code == "PREVIEW_EXPIRED"
    assert session.get(Subscription, current_plan(session, org).subscription.id).plan_key == "pro_monthly"
    future = preview.quoted_at + timedelta(minutes=5)
    with pytest.raises(Conflict):
        change_plan(session, actor=ACTOR, owner=org, plan_key="business", quoted_at=future)
