"""Cancelling with a reason (stored, audited, sent as a webhook) and the retention coupon offered once."""

from datetime import timedelta

import pytest
from sqlmodel import select

from portal_ui.billing.invoices import list_invoices
from portal_ui.billing.retention import accept_retention_offer, retention_offer
from portal_ui.billing.subscriptions import cancel_at_period_end, change_plan, current_plan, preview_cancel, resume
from portal_ui.domain.clock import shifted, utcnow
from portal_ui.domain.errors import Conflict, InvalidInput
from portal_ui.domain.portal_settings import environment_settings, update_environment_settings
from portal_ui.models import WebhookEndpoint, WebhookEvent
from portal_ui.settings import get_settings

from tests.billing.conftest import ACTOR, card, events

COUPON = {"percent_off": 50, "duration_months": 2, "label": "Half price for two months"}


def coupon(session, value=COUPON):
    update_environment_settings(session, get_settings(), {"retention_coupon": value}, ACTOR)
    session.commit()


def subscribed(session, owner, plan="pro_monthly"):
    card(session, owner)
    return change_plan(session, actor=ACTOR, owner=owner, plan_key=plan).subscription


def test_cancel_needs_a_reason_from_the_list_and_a_short_comment(session, org, plans):
    subscribed(session, org)
    for reason, comment in (("bored", ""), ("", ""), (None, "x"), ("other", "x" * 501), ("other", 5)):
        with pytest.raises(InvalidInput):
            cancel_at_period_end(session, actor=ACTOR, owner=org, reason=reason or "", comment=comment)
    assert current_plan(session, org).cancel_at_period_end is False
    sub = cancel_at_period_end(session, actor=ACTOR, owner=org, reason="too_expensive", comment="  Budget cut  ")
    assert (sub.cancel_reason, sub.cancel_comment, sub.cancel_at_period_end) == ("too_expensive", "Budget cut", True)
    [event] = events(session, "subscription.cancel")
    assert event.after["cancel_reason"] == "too_expensive" and event.after["cancel_comment"] == "Budget cut"


def test_the_reason_goes_out_as_a_webhook(session, org, plans):
    now = utcnow()
    session.add(WebhookEndpoint(id="webhook_1", name="Backend", endpoint="https://app.example/hooks",
                                event_types=["subscription.cancel_scheduled"], secret="whsec_x", created_on=now,
                                updated_on=now))
    subscribed(session, org)
    cancel_at_period_end(session, actor=ACTOR, owner=org, reason="missing_features", comment="SSO")
    session.commit()
    sent = [e for e in session.exec(select(WebhookEvent)).all() if e.type == "subscription.cancel_scheduled"]
    assert sent and sent[-1].payload["data"]["changes"]["after"]["cancel_reason"] == "missing_features"


def test_the_coupon_is_offered_once_and_discounts_the_next_invoices(session, org, plans):
    subscribed(session, org)
    assert preview_cancel(session, org).offer is None  # none configured
    coupon(session)
    offer = preview_cancel(session, org).offer
    assert (offer.percent_off, offer.duration_months, offer.label) == (50, 2, "Half price for two months")
    sub = accept_retention_offer(session, actor=ACTOR, owner=org, reason="too_expensive", comment="")
    session.commit()
    assert not sub.cancel_at_period_end and sub.discount_percent == 50
    assert retention_offer(session, org) is None and preview_cancel(session, org).offer is None
    with pytest.raises(Conflict) as err:
        accept_retention_offer(session, actor=ACTOR, owner=org, reason="too_expensive")
    assert err.value.code == "OFFER_UNAVAILABLE"
    [event] = events(session, "subscription.retention_accepted")
    assert event.after["cancel_reason"] == "too_expensive" and event.after["discount_percent"] == 50
    with shifted(timedelta(days=95)):  # three renewals: two discounted months, then the full price
        current_plan(session, org)
    amounts = [i.amount_minor for i in reversed(list_invoices(session, org, page_size=10).items)]
    assert amounts == [1900, 950, 950, 1900]


def test_declining_uses_up_the_offer(session, org, plans):
    coupon(session)
    subscribed(session, org)
    assert preview_cancel(session, org).offer is not None
    cancel_at_period_end(session, actor=ACTOR, owner=org, reason="unused")
    resume(session, actor=ACTOR, owner=org)
    assert preview_cancel(session, org).offer is None
    with pytest.raises(Conflict):
        accept_retention_offer(session, actor=ACTOR, owner=org, reason="unused")


def test_the_coupon_setting_is_checked_and_can_be_turned_off(session):
    for bad in ({"percent_off": 0, "duration_months": 1, "label": "x"},
                {"percent_off": 10, "duration_months": 25, "label": "x"},
                {"percent_off": 10, "duration_months": 1, "label": ""},
                {"percent_off": 10, "duration_months": 1}):
        with pytest.raises(InvalidInput) as err:
            coupon(session, bad)
        assert "retention_coupon" in str(err.value.message)
    coupon(session)
    assert environment_settings(session, get_settings())["retention_coupon"] == COUPON
    coupon(session, None)
    assert environment_settings(session, get_settings())["retention_coupon"] is None
