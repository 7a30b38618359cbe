"""Plan changes (start, upgrade, scheduled, undo), renewals, cancel and resume."""

from datetime import timedelta

import pytest
from sqlmodel import select

from portal_ui.billing.invoices import list_invoices, pay_open_invoices
from portal_ui.billing.owner import Owner
from portal_ui.billing.payment_methods import set_default_payment_method
from portal_ui.billing.periods import add_interval
from portal_ui.billing.plans import create_plan
from portal_ui.billing.provider import CardDeclined
from portal_ui.billing.subscriptions import (cancel_at_period_end, change_plan, current_plan, preview_cancel,
                                             preview_change, resume)
from portal_ui.domain.clock import as_utc, shifted
from portal_ui.domain.errors import Conflict, InvalidInput
from portal_ui.models import Invoice, Subscription

from tests.billing.conftest import ACTOR, CHARGE_DECLINED, VISA, card, events

MONTH = timedelta(days=32)  # past the end of any monthly period


def invoices(session, owner):
    return list_invoices(session, owner, page_size=100).items


def test_start_a_paid_plan_charges_and_invoices(session, org, plans):
    card(session, org)
    preview = preview_change(session, org, "pro_monthly")
    assert (preview.kind, preview.amount_due_now, preview.currency, preview.needs_payment_method,
            preview.has_payment_method) == ("start", 1900, "USD", True, True)
    assert "$19.00" in preview.summary and "today" in preview.summary
    result = change_plan(session, actor=ACTOR, owner=org, plan_key="pro_monthly")
    session.commit()
    sub, invoice = result.subscription, result.invoice
    assert (sub.plan_key, sub.status, sub.org_code, sub.user_id) == ("pro_monthly", "active", "org_acme", None)
    assert as_utc(sub.current_period_end) == add_interval(as_utc(sub.current_period_start), "month")
    assert (invoice.number, invoice.amount_minor, invoice.currency, invoice.status) == ("INV-000001", 1900, "USD",
                                                                                      "paid")
    assert invoice.paid_with == "Visa ending 4242" and invoice.billed_to[0] == "Acme Ltd"
    assert invoice.lines[0]["amount_minor"] == 1900 and invoice.provider == "test"
    [event] = events(session, "subscription.")
    assert event.action == "subscription.started" and event.after["invoice_number"] == "INV-000001"
    assert event.actor_id == ACTOR.id and event.org_code == "org_acme"
    plan = current_plan(session, org)
    assert plan.plan.key == "pro_monthly" and plan.renews_on == as_utc(sub.current_period_end) and plan.ends_on is None


def test_paid_plan_needs_a_card(session, org, plans):
    assert not preview_change(session, org, "pro_monthly").has_payment_method
    with pytest.raises(InvalidInput) as err:
        change_plan(session, actor=ACTOR, owner=org, plan_key="pro_monthly")
    assert err.value.code == "PAYMENT_METHOD_REQUIRED"
    assert session.exec(select(Subscription)).all() == [] and events(session, "subscription.") == []


def test_a_declined_charge_changes_nothing(session, org, plans):
    card(session, org, CHARGE_DECLINED)
    with pytest.raises(CardDeclined):
        change_plan(session, actor=ACTOR, owner=org, plan_key="pro_monthly")
    assert session.exec(select(Subscription)).all() == [] and session.exec(select(Invoice)).all() == []


def test_free_plan_needs_no_card_and_issues_no_invoice(session, org, plans):
    result = change_plan(session, actor=ACTOR, owner=org, plan_key="free")
    assert result.invoice is None and result.subscription.current_period_end is None
    assert current_plan(session, org).plan.key == "free"


def test_upgrade_within_the_interval_is_immediate_and_prorated(session, org, plans):
    card(session, org)
    first = change_plan(session, actor=ACTOR, owner=org, plan_key="pro_monthly").subscription
    end = as_utc(first.current_period_end)
    with shifted(timedelta(days=10)):
        preview = preview_change(session, org, "business")
        assert preview.kind == "upgrade" and preview.effective_on <= end
        result = change_plan(session, actor=ACTOR, owner=org, plan_key="business")
    invoice = result.invoice
    assert invoice.amount_minor == sum(x["amount_minor"] for x in invoice.lines) == preview.amount_due_now
    assert 0 < invoice.amount_minor < 9900 - 1900 and invoice.lines[1]["amount_minor"] < 0
    assert result.subscription.plan_key == "business" and as_utc(result.subscription.current_period_end) == end
    assert events(session, "subscription.")[-1].action == "subscription.plan_changed"


def test_downgrade_is_scheduled_for_the_period_end(session, org, plans):
    card(session, org)
    sub = change_plan(session, actor=ACTOR, owner=org, plan_key="business").subscription
    end = as_utc(sub.current_period_end)
    preview = preview_change(session, org, "pro_monthly")
    assert (preview.kind, preview.amount_due_now, preview.effective_on) == ("scheduled", 0, end)
    assert preview.next_charge_on == end and preview.next_charge_amount == 1900 and "Nothing to pay now" in preview.summary
    result = change_plan(session, actor=ACTOR, owner=org, plan_key="pro_monthly")
    assert result.invoice is None
    now = current_plan(session, org)
    assert now.plan.key == "business" and now.pending_plan.key == "pro_monthly"
    with pytest.raises(Conflict) as err:
        change_plan(session, actor=ACTOR, owner=org, plan_key="pro_monthly")
    assert err.value.code == "CHANGE_ALREADY_SCHEDULED"
    with shifted(MONTH):
        later = current_plan(session, org)
    assert later.plan.key == "pro_monthly" and later.pending_plan is None and later.period_start == end
    renewal = invoices(session, org)[0]
    assert (renewal.amount_minor, renewal.status, renewal.plan_key) == (1900, "paid", "pro_monthly")
    event = events(session, "subscription.")[-1]
    assert (event.action, event.actor_type, event.actor_id) == ("subscription.plan_changed", "system", "billing")


def test_interval_change_waits_for_the_period_end(session, org, plans):
    card(session, org)
    change_plan(session, actor=ACTOR, owner=org, plan_key="pro_monthly")
    assert preview_change(session, org, "pro_yearly").kind == "scheduled"
    change_plan(session, actor=ACTOR, owner=org, plan_key="pro_yearly")
    with shifted(MONTH):
        plan = current_plan(session, org)
    assert plan.plan.key == "pro_yearly" and plan.period_end == add_interval(plan.period_start, "year")
    assert invoices(session, org)[0].amount_minor == 19000


def test_choosing_the_current_plan(session, org, plans):
    card(session, org)
    change_plan(session, actor=ACTOR, owner=org, plan_key="business")
    with pytest.raises(Conflict) as err:
        preview_change(session, org, "business")
    assert err.value.code == "ALREADY_ON_PLAN"
    change_plan(session, actor=ACTOR, owner=org, plan_key="free")
    preview = preview_change(session, org, "business")
    assert preview.kind == "undo" and preview.amount_due_now == 0 and "dropped" in preview.summary
    change_plan(session, actor=ACTOR, owner=org, plan_key="business")
    assert current_plan(session, org).pending_plan is None
    assert events(session, "subscription.")[-1].action == "subscription.change_undone"


def test_cancel_and_resume(session, org, plans):
    card(session, org)
    sub = change_plan(session, actor=ACTOR, owner=org, plan_key="pro_monthly").subscription
    change_plan(session, actor=ACTOR, owner=org, plan_key="free")  # a scheduled change is dropped by cancelling
    confirm = preview_cancel(session, org)
    assert confirm.ends_on == as_utc(sub.current_period_end) and "undo" in confirm.summary
    cancel_at_period_end(session, actor=ACTOR, owner=org)
    plan = current_plan(session, org)
    assert plan.status == "active" and plan.cancel_at_period_end and plan.ends_on == confirm.ends_on
    assert plan.renews_on is None and plan.pending_plan is None
    with pytest.raises(Conflict) as err:
        cancel_at_period_end(session, actor=ACTOR, owner=org)
    assert err.value.code == "ALREADY_CANCELED"
    resume(session, actor=ACTOR, owner=org)
    assert not current_plan(session, org).cancel_at_period_end
    with pytest.raises(Conflict) as err:
        resume(session, actor=ACTOR, owner=org)
    assert err.value.code == "NOT_CANCELED"
    assert [e.action for e in events(session, "subscription.")][-2:] == ["subscription.cancel_scheduled",
                                                                          "subscription.resumed"]


def test_cancellation_takes_effect_at_the_period_end(session, org, plans):
    card(session, org)
    change_plan(session, actor=ACTOR, owner=org, plan_key="pro_monthly")
    cancel_at_period_end(session, actor=ACTOR, owner=org)
    with shifted(MONTH):
        plan = current_plan(session, org)
        assert plan.status == "canceled" and not plan.is_live and plan.renews_on is None
        assert len(invoices(session, org)) == 1  # no renewal
        with pytest.raises(Conflict) as err:
            resume(session, actor=ACTOR, owner=org)
        assert err.value.code == "PLAN_ENDED"
        with pytest.raises(Conflict):
            cancel_at_period_end(session, actor=ACTOR, owner=org)
        again = change_plan(session, actor=ACTOR, owner=org, plan_key="pro_monthly")
    assert again.preview.kind == "start" and again.invoice is not None
    assert len(session.exec(select(Subscription)).all()) == 1
    assert events(session, "subscription.ended")[0].actor_id == "billing"


def test_cancel_a_plan_without_period_ends_now(session, org, plans):
    change_plan(session, actor=ACTOR, owner=org, plan_key="free")
    assert preview_cancel(session, org).ends_on is None
    cancel_at_period_end(session, actor=ACTOR, owner=org)
    assert current_plan(session, org).status == "canceled"
    with pytest.raises(Conflict) as err:
        cancel_at_period_end(session, actor=ACTOR, owner=org)
    assert err.value.code == "NO_ACTIVE_PLAN"


def test_renewals_invoice_each_period(session, org, plans):
    card(session, org)
    change_plan(session, actor=ACTOR, owner=org, plan_key="pro_monthly")
    with shifted(MONTH):
        current_plan(session, org)
        assert len(invoices(session, org)) == 2
    with shifted(timedelta(days=63)):
        plan = current_plan(session, org)
    listed = invoices(session, org)
    assert [i.number for i in listed] == ["INV-000003", "INV-000002", "INV-000001"]
    assert all(i.status == "paid" and i.amount_minor == 1900 for i in listed) and plan.status == "active"
    assert listed[0].period_start == listed[1].period_end


def test_failed_renewal_is_past_due_until_paid(session, org, plans):
    good = card(session, org, VISA)
    change_plan(session, actor=ACTOR, owner=org, plan_key="pro_monthly")
    card(session, org, CHARGE_DECLINED, make_default=True)
    with shifted(MONTH):
        assert current_plan(session, org).status == "past_due"
        open_invoice = invoices(session, org)[0]
        assert open_invoice.status == "open" and open_invoice.paid_on is None
        assert pay_open_invoices(session, actor=ACTOR, owner=org) == []
        set_default_payment_method(session, actor=ACTOR, owner=org, payment_method_id=good.id)
        assert [i.id for i in pay_open_invoices(session, actor=ACTOR, owner=org)] == [open_invoice.id]
        assert current_plan(session, org).status == "active" and open_invoice.status == "paid"
    assert events(session, "invoice.paid")[0].after["number"] == open_invoice.number


def test_plans_no_longer_offered_cannot_be_chosen(session, org, plans):
    create_plan(session, actor=ACTOR, key="legacy", name="Legacy", amount_minor=500, currency="USD",
                interval="month", active=False)
    with pytest.raises(InvalidInput) as err:
        preview_change(session, org, "legacy")
    assert err.value.code == "PLAN_NOT_AVAILABLE"


def test_user_and_org_billing_are_separate(session, org, user, plans):
    card(session, user)
    change_plan(session, actor=ACTOR, owner=user, plan_key="pro_yearly")
    assert current_plan(session, org).status == "none"
    assert current_plan(session, user).plan.key == "pro_yearly"
    [invoice] = invoices(session, user)
    assert invoice.user_id == "kp_payer" and invoice.org_code is None and invoice.billed_to[0] == "Pat Payer"
    assert invoices(session, org) == [] and events(session, "subscription.")[0].org_code is None
    with pytest.raises(Exception):
        Owner(user_id="kp_payer", org_code="org_acme")
