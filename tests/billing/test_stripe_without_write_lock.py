"""No write lock is held while the billing domain waits for Stripe: within one transaction, every
call to Stripe comes before the first write. On SQLite a write holds the database-wide write lock
until commit, so otherwise every other tab and worker could not write while Stripe answers. A
fake Stripe (tests/billing/blocking_stripe.py) tries a write through a second connection during
each call."""

from __future__ import annotations

import pytest
from sqlmodel import select

from portal_ui.billing import stripe_billing
from portal_ui.billing.payment_methods import (keep_card, list_payment_methods, remove_payment_method,
                                               set_default_payment_method)
from portal_ui.billing.plans import create_plan
from portal_ui.billing.provider import CardDetails
from portal_ui.billing.subscriptions import change_plan, get_subscription
from portal_ui.domain.clock import utcnow
from portal_ui.models import Plan, StripeCustomer
from tests.billing.blocking_stripe import install
from tests.billing.conftest import ACTOR, card


@pytest.fixture
def stripe(monkeypatch, env, engine, session, org):
    return install(monkeypatch, env, engine)


def _stripe_card(session, owner, ref: str):
    method = keep_card(session, actor=ACTOR, owner=owner, card=CardDetails(
        provider="stripe", ref=ref, brand="visa", last4="4242", exp_month=12, exp_year=utcnow().year + 2))
    session.commit()
    return method


def _customer(session, owner, cid: str = "cus_known") -> str:
    session.add(StripeCustomer(customer_id=cid, **owner.columns(), created_on=utcnow()))
    session.commit()
    return cid


def test_a_new_customers_card_setup_writes_only_after_stripe_answered(stripe, session, org):
    setup = stripe_billing.begin_card_setup(session, org)
    session.commit()
    assert stripe.writer.made() == ["create_customer", "create_setup_intent"]
    assert stripe.writer.blocked() == []
    assert stripe_billing.find_customer(session, org) == stripe.setups[setup.id]  # the customer is kept


def test_completing_a_card_setup_asks_stripe_before_keeping_the_card(stripe, session, org):
    cid = _customer(session, org)
    stripe.setups["seti_done"] = cid
    method = stripe_billing.complete_card_setup(session, actor=ACTOR, owner=org, setup_intent_id="seti_done")
    session.commit()
    assert "set_default_payment_method" in stripe.writer.made()
    assert stripe.writer.blocked() == []
    assert method.is_default and [m.id for m in list_payment_methods(session, org)] == [method.id]


def test_making_a_card_the_default_and_removing_one_ask_stripe_before_writing(stripe, session, org):
    _customer(session, org)
    first, second = _stripe_card(session, org, "pm_first"), _stripe_card(session, org, "pm_second")
    set_default_payment_method(session, actor=ACTOR, owner=org, payment_method_id=second.id)
    session.commit()
    remove_payment_method(session, actor=ACTOR, owner=org, payment_method_id=second.id)
    session.commit()
    assert stripe.writer.made() == ["set_default_payment_method", "detach_payment_method",
                                    "set_default_payment_method"]
    assert stripe.writer.blocked() == []
    assert [(m.id, m.is_default) for m in list_payment_methods(session, org)] == [(first.id, True)]


def test_an_upgrade_moved_to_stripe_writes_only_after_stripe_answered(session, org, plans, monkeypatch, env,
                                                                      engine):
    card(session, org)  # a plan the portal runs itself (the test provider), before Stripe was switched on
    change_plan(session, actor=ACTOR, owner=org, plan_key="pro_monthly")
    session.commit()
    stripe = install(monkeypatch, env, engine)
    change_plan(session, actor=ACTOR, owner=org, plan_key="business")
    session.commit()
    assert stripe.writer.made() == ["create_customer", "ensure_plan", "create_subscription"]
    assert stripe.writer.blocked() == []
    sub = get_subscription(session, org)
    assert (sub.plan_key, sub.provider) == ("business", "stripe")
    assert session.exec(select(StripeCustomer).where(StripeCustomer.org_code == org.org_code)).one()


def test_a_new_paid_plan_is_linked_with_stripe_before_its_row_is_written(stripe, session):
    create_plan(session, actor=ACTOR, key="team", name="Team", amount_minor=4900, currency="USD", interval="month")
    session.commit()
    assert stripe.writer.made() == ["ensure_plan"]
    assert stripe.writer.blocked() == []
    assert session.get(Plan, "team") is not None


def test_billing_details_ask_stripe_before_writing(stripe, session, org):
    from portal_ui.billing.profile import add_tax_id, billing_details, remove_tax_id, save_billing_details

    _customer(session, org)
    save_billing_details(session, actor=ACTOR, owner=org, values={"name": "Acme Trading", "city": "Leeds"})
    session.commit()
    add_tax_id(session, actor=ACTOR, owner=org, tax_type="gb_vat", number="GB980780684")
    session.commit()
    remove_tax_id(session, actor=ACTOR, owner=org, tax_type="gb_vat", value="980780684")
    session.commit()
    assert stripe.writer.made() == ["update_customer", "list_tax_ids", "create_tax_id", "list_tax_ids",
                                    "delete_tax_id"]
    assert stripe.writer.blocked() == []
    assert billing_details(session, org).city == "Leeds" and stripe.tax_ids["cus_known"] == []
