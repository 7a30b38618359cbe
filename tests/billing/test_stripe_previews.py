"""With Stripe (against localstripe): a plan change's preview is the invoice Stripe then issues, to
the cent (an upgrade's invoice at once; a downgrade's or interval change's when the period ends),
and the retention offer puts a Stripe coupon on the Stripe subscription, whose invoices carry it."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest

from portal_ui.billing import stripe_billing
from portal_ui.billing.invoices import list_invoices
from portal_ui.billing.retention import accept_retention_offer, retention_offer
from portal_ui.billing.subscriptions import change_plan, current_plan, get_subscription, preview_cancel, preview_change
from portal_ui.domain.clock import as_utc, shifted
from portal_ui.domain.errors import Conflict
from portal_ui.ui.state.billing_view import change_view

from tests.billing.conftest import ACTOR
from tests.billing.test_retention import COUPON, coupon
from tests.billing.test_stripe import add_stripe_card, post_event, stripe_event, subscribed, world  # noqa: F401

LATER = timedelta(days=9, hours=5, minutes=7)  # the preview, 9 days into the month
READING = timedelta(minutes=40)  # then the person reads it before confirming


def as_invoice(lines):
    return [dict(x) for x in lines]


def newest_invoice(session, owner):
    session.expire_all()
    return list_invoices(session, owner, page_size=1).items[0]


def end_period(client, stripe_api, ref: str, event_id: str):
    """The period ends: Stripe ends the subscription (set to end then) and says so."""
    ended = stripe_api.subscriptions.cancel(ref)
    assert post_event(client, stripe_event(event_id, "customer.subscription.deleted", ended)).json()[
        "outcome"] == "applied"


def renew(client, localstripe_url: str, ref: str, event_id: str) -> dict:
    """The period ends and Stripe renews: the fake's stand-in for its clock (localstripe_server
    `_renewals`), then Stripe's `invoice.paid` webhook for the renewal invoice."""
    invoice = httpx.post(f"{localstripe_url}/_config/subscriptions/{ref}/renew", timeout=10).json()
    assert invoice["status"] == "paid"
    assert post_event(client, stripe_event(event_id, "invoice.paid", invoice)).json()["outcome"] == "applied"
    return invoice


def test_an_upgrade_preview_is_the_invoice_stripe_issues_to_the_cent(subscribed, org, stripe_api):
    session = subscribed
    with shifted(LATER):
        preview = preview_change(session, org, "business")
    assert preview.kind == "upgrade"
    assert [x["description"] for x in preview.lines] == ["Unused time on Pro (monthly)", "Remaining time on Business"]
    credit, charge = (x["amount_minor"] for x in preview.lines)
    assert -1900 * 22 // 30 < credit < -1900 * 21 // 31 and 9900 * 21 // 31 < charge < 9900 * 22 // 30  # 9 days in
    assert preview.amount_due_now == credit + charge
    assert [(x["description"], x["amount_minor"]) for x in preview.next_lines] == [("Business", 9900)]
    view = change_view(preview, as_utc(preview.quoted_at))  # the dialog shows Stripe's lines as they are
    assert [row.description for row in view.lines] == [x["description"] for x in preview.lines]
    with shifted(LATER + READING):
        result = change_plan(session, actor=ACTOR, owner=org, plan_key="business", quoted_at=preview.quoted_at)
    session.commit()
    invoice = result.invoice
    assert invoice.provider == "stripe" and invoice.status == "paid"
    assert invoice.lines == as_invoice(preview.lines) and invoice.amount_minor == preview.amount_due_now
    assert stripe_api.invoices.retrieve(invoice.provider_ref).total == preview.amount_due_now


@pytest.mark.parametrize("first, then, amount", [("business", "pro_monthly", 1900),  # downgrade
                                                 ("pro_monthly", "pro_yearly", 19000),  # monthly -> yearly
                                                 ("pro_yearly", "pro_monthly", 1900)])  # yearly -> monthly
def test_a_scheduled_change_preview_is_the_invoice_stripe_issues_when_the_period_ends(world, org, client,
                                                                                     localstripe_url, stripe_api,
                                                                                     first, then, amount):
    session = world
    add_stripe_card(session, org, localstripe_url)
    change_plan(session, actor=ACTOR, owner=org, plan_key=first)
    session.commit()
    preview = preview_change(session, org, then)
    assert preview.kind == "scheduled" and preview.lines == () and preview.amount_due_now == 0
    assert preview.next_charge_amount == amount
    result = change_plan(session, actor=ACTOR, owner=org, plan_key=then, quoted_at=preview.quoted_at)
    session.commit()
    assert result.invoice is None
    end_period(client, stripe_api, get_subscription(session, org).provider_ref, f"evt_end_{first}_{then}")
    invoice = newest_invoice(session, org)
    assert invoice.provider == "stripe" and invoice.plan_key == then
    assert invoice.lines == as_invoice(preview.next_lines) and invoice.amount_minor == preview.next_charge_amount


def test_keeping_the_plan_after_all_previews_stripes_renewal(subscribed, org, client, localstripe_url):
    from portal_ui.billing.subscriptions import cancel_at_period_end

    session = subscribed
    cancel_at_period_end(session, actor=ACTOR, owner=org)
    session.commit()
    preview = preview_change(session, org, "pro_monthly")
    assert preview.kind == "undo" and preview.lines == ()
    change_plan(session, actor=ACTOR, owner=org, plan_key="pro_monthly", quoted_at=preview.quoted_at)
    session.commit()
    renew(client, localstripe_url, get_subscription(session, org).provider_ref, "evt_renewal_undo_1")
    invoice = newest_invoice(session, org)
    assert invoice.lines == as_invoice(preview.next_lines) and invoice.amount_minor == preview.next_charge_amount == 1900


def test_without_stripes_price_there_is_no_preview(subscribed, org, env, localstripe_url):
    """Stripe does not answer: the dialog says so, rather than showing prices Stripe would not charge."""
    from tests.billing.conftest import STRIPE_PUBLISHABLE, STRIPE_SECRET, STRIPE_WEBHOOK_SECRET
    from tests.billing.localstripe_server import _free_port

    session = subscribed
    env(PORTAL_BILLING_PROVIDER="stripe", STRIPE_SECRET_KEY=STRIPE_SECRET, STRIPE_PUBLISHABLE_KEY=STRIPE_PUBLISHABLE,
        STRIPE_WEBHOOK_SECRET=STRIPE_WEBHOOK_SECRET, STRIPE_API_BASE=f"http://127.0.0.1:{_free_port()}")  # nobody there
    with pytest.raises(Conflict) as err:
        preview_change(session, org, "business")
    assert err.value.code == "PREVIEW_UNAVAILABLE" and "try again" in err.value.message
    assert get_subscription(session, org).plan_key == "pro_monthly"


# --- the retention offer -------------------------------------------------------------------------------

def test_the_retention_offer_puts_a_stripe_coupon_on_the_subscription(subscribed, org, user, client, localstripe_url,
                                                                      stripe_api):
    session = subscribed
    coupon(session)
    offer = preview_cancel(session, org).offer
    assert (offer.percent_off, offer.duration_months, offer.label) == (50, 2, "Half price for two months")
    sub = accept_retention_offer(session, actor=ACTOR, owner=org, reason="too_expensive")
    session.commit()
    remote = stripe_api.subscriptions.retrieve(sub.provider_ref, params={"expand": ["discounts"]})
    [discount] = remote.discounts
    assert discount.coupon.id == stripe_billing.retention_coupon_id(50, 2, "Half price for two months")
    assert (discount.coupon.percent_off, discount.coupon.duration, discount.coupon.duration_in_months) == (
        50, "repeating", 2)
    assert (sub.discount_percent, sub.discount_label) == (50, "Half price for two months")
    assert as_utc(sub.discount_ends_on).timestamp() == discount.end  # as long as Stripe discounts
    assert retention_offer(session, org) is None  # offered once
    with pytest.raises(Conflict):
        accept_retention_offer(session, actor=ACTOR, owner=org, reason="too_expensive")
    # Another subscription gets the same coupon, not a new one.
    add_stripe_card(session, user, localstripe_url)
    change_plan(session, actor=ACTOR, owner=user, plan_key="pro_monthly")
    other = accept_retention_offer(session, actor=ACTOR, owner=user, reason="unused")
    session.commit()
    again = stripe_api.subscriptions.retrieve(other.provider_ref, params={"expand": ["discounts"]})
    assert again.discounts[0].coupon.id == discount.coupon.id
    assert len([c for c in stripe_api.coupons.list().data if c.id == discount.coupon.id]) == 1
    # The renewal Stripe issues carries the discount, as a line like the portal's own.
    renew(client, localstripe_url, sub.provider_ref, "evt_renewal_discount_1")
    invoice = newest_invoice(session, org)
    assert [(x["description"], x["amount_minor"]) for x in invoice.lines] == [
        ("Pro (monthly)", 1900), ("Half price for two months (50% off)", -950)]
    assert invoice.amount_minor == 950 and invoice.status == "paid"


def test_with_the_coupon_an_upgrade_and_the_next_invoice_are_as_previewed(subscribed, org, client, localstripe_url):
    session = subscribed
    coupon(session, COUPON)
    accept_retention_offer(session, actor=ACTOR, owner=org, reason="too_expensive")
    session.commit()
    preview = preview_change(session, org, "business")
    assert preview.lines[-1]["description"] == preview.next_lines[-1]["description"] == \
        "Half price for two months (50% off)"
    assert [x["amount_minor"] for x in preview.next_lines] == [9900, -4950] and preview.next_charge_amount == 4950
    result = change_plan(session, actor=ACTOR, owner=org, plan_key="business", quoted_at=preview.quoted_at)
    session.commit()
    assert result.invoice.lines == as_invoice(preview.lines) and result.invoice.amount_minor == preview.amount_due_now
    renew(client, localstripe_url, get_subscription(session, org).provider_ref, "evt_renewal_discount_2")
    invoice = newest_invoice(session, org)
    assert invoice.lines == as_invoice(preview.next_lines) and invoice.amount_minor == preview.next_charge_amount
    assert current_plan(session, org).plan.key == "business"


def test_a_scheduled_change_takes_the_accepted_discount_along(world, org, client, localstripe_url, stripe_api):
    """A downgrade starts a new Stripe subscription at the period end: the discount accepted on the
    old one goes on for the months left of it, as previewed, and stops when they are over."""
    session = world
    add_stripe_card(session, org, localstripe_url)
    change_plan(session, actor=ACTOR, owner=org, plan_key="business")
    session.commit()
    coupon(session, COUPON)
    accept_retention_offer(session, actor=ACTOR, owner=org, reason="too_expensive")
    session.commit()
    preview = preview_change(session, org, "pro_monthly")
    assert preview.kind == "scheduled"
    assert [(x["description"], x["amount_minor"]) for x in preview.next_lines] == [
        ("Pro (monthly)", 1900), ("Half price for two months (50% off)", -950)]
    change_plan(session, actor=ACTOR, owner=org, plan_key="pro_monthly", quoted_at=preview.quoted_at)
    session.commit()
    end_period(client, stripe_api, get_subscription(session, org).provider_ref, "evt_end_discount_carried")
    invoice = newest_invoice(session, org)
    assert invoice.plan_key == "pro_monthly"
    assert invoice.lines == as_invoice(preview.next_lines) and invoice.amount_minor == 950
    sub = get_subscription(session, org)
    [discount] = stripe_api.subscriptions.retrieve(sub.provider_ref, params={"expand": ["discounts"]}).discounts
    assert (discount.coupon.percent_off, discount.coupon.duration_in_months) == (50, 2)
    assert as_utc(sub.discount_ends_on).timestamp() == discount.end
    # The next renewal is still discounted; the one after that is not.
    renew(client, localstripe_url, sub.provider_ref, "evt_renewal_carried_1")
    assert newest_invoice(session, org).amount_minor == 950
    renew(client, localstripe_url, sub.provider_ref, "evt_renewal_carried_2")
    assert [(x["description"], x["amount_minor"]) for x in newest_invoice(session, org).lines] == [
        ("Pro (monthly)", 1900)]
