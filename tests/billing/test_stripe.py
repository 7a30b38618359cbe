"""The Stripe provider against localstripe (a stateful fake of Stripe's API): customers, cards
through a SetupIntent, subscriptions, plan changes, cancelling, invoices, and Stripe's webhooks."""

from __future__ import annotations

import json

import pytest
from sqlmodel import select

from portal_ui.billing import stripe_billing
from portal_ui.billing.invoices import list_invoices
from portal_ui.billing.payment_methods import add_card, list_payment_methods, remove_payment_method
from portal_ui.billing.provider import CardDeclined
from portal_ui.billing.subscriptions import (cancel_at_period_end, change_plan, current_plan, get_subscription,
                                             preview_change, resume)
from portal_ui.domain import audit
from portal_ui.domain.errors import InvalidInput, NotFound
from portal_ui.models import Invoice, StripeCustomer, StripeEvent

from tests.billing.conftest import ACTOR, VISA, confirm_in_browser, events, sign_webhook


@pytest.fixture
def world(stripe_mode, session, org, plans):
    return session


def add_stripe_card(session, owner, localstripe_url, payment_method="pm_card_visa", **kwargs):
    setup = stripe_billing.begin_card_setup(session, owner)
    confirm_in_browser(localstripe_url, setup, payment_method=payment_method)
    method = stripe_billing.complete_card_setup(session, actor=ACTOR, owner=owner, setup_intent_id=setup.id, **kwargs)
    session.commit()
    return method


def stripe_sub(stripe_api, session, owner):
    return stripe_api.subscriptions.retrieve(get_subscription(session, owner).provider_ref)


# --- customers and cards ------------------------------------------------------------------------------

def test_each_owner_gets_one_customer(world, org, user, stripe_api):
    session = world
    org_customer = stripe_billing.customer_id(session, org)
    assert stripe_billing.customer_id(session, org) == org_customer
    user_customer = stripe_billing.customer_id(session, user)
    assert user_customer != org_customer
    session.commit()
    found = stripe_api.customers.retrieve(org_customer)
    assert (found.name, found.email, found.metadata["portal_owner"]) == ("Acme Ltd", "billing@acme.example",
                                                                        "org:org_acme")
    assert stripe_api.customers.retrieve(user_customer).email == "pat@example.com"
    assert len(session.exec(select(StripeCustomer)).all()) == 2


def test_a_customer_set_up_from_a_german_tab_gets_stripes_invoices_and_emails_in_german(world, org, user,
                                                                                          stripe_api):
    german = stripe_billing.customer_id(world, org, lang="de")
    unknown = stripe_billing.customer_id(world, user, lang="xx")  # no such language: Stripe's default
    world.commit()
    assert stripe_api.customers.retrieve(german).preferred_locales == ["de"]
    assert not stripe_api.customers.retrieve(unknown).preferred_locales
    assert stripe_billing.customer_id(world, org, lang="en") == german  # an existing customer is kept as it is
    assert stripe_api.customers.retrieve(german).preferred_locales == ["de"]


def test_a_card_confirmed_with_stripe_is_kept_by_brand_last4_and_becomes_the_default(world, org, localstripe_url,
                                                                                     stripe_api):
    session = world
    setup = stripe_billing.begin_card_setup(session, org)
    assert setup.client_secret.startswith(setup.id + "_secret_")
    with pytest.raises(InvalidInput) as err:  # the browser has not confirmed it yet
        stripe_billing.complete_card_setup(session, actor=ACTOR, owner=org, setup_intent_id=setup.id)
    assert err.value.code == "SETUP_NOT_CONFIRMED"
    confirm_in_browser(localstripe_url, setup, payment_method="pm_card_visa")
    method = stripe_billing.complete_card_setup(session, actor=ACTOR, owner=org, setup_intent_id=setup.id)
    session.commit()
    assert (method.provider, method.brand, method.last4, method.is_default) == ("stripe", "visa", "4242", True)
    assert method.provider_ref.startswith("pm_")
    again = stripe_billing.complete_card_setup(session, actor=ACTOR, owner=org, setup_intent_id=setup.id)
    assert again.id == method.id and len(list_payment_methods(session, org)) == 1
    customer = stripe_api.customers.retrieve(stripe_billing.find_customer(session, org))
    assert customer.invoice_settings.default_payment_method == method.provider_ref
    assert stripe_api.payment_methods.retrieve(method.provider_ref).customer == customer.id
    assert [e.action for e in events(session, "payment_method")] == ["payment_method.added"]


def test_another_owners_setup_intent_is_not_found(world, org, user, localstripe_url):
    session = world
    setup = stripe_billing.begin_card_setup(session, user)
    confirm_in_browser(localstripe_url, setup, payment_method="pm_card_visa")
    with pytest.raises(NotFound):
        stripe_billing.complete_card_setup(session, actor=ACTOR, owner=org, setup_intent_id=setup.id)
    with pytest.raises(InvalidInput):
        stripe_billing.complete_card_setup(session, actor=ACTOR, owner=org, setup_intent_id="pm_not_a_setup")


def test_card_numbers_are_refused_with_stripe(world, org):
    with pytest.raises(InvalidInput) as err:
        add_card(world, actor=ACTOR, owner=org, number=VISA, exp_month=12, exp_year=2035, cvc="123")
    assert err.value.code == "CARD_INPUT_NOT_ACCEPTED" and VISA not in str(err.value)
    assert list_payment_methods(world, org) == []


def test_default_card_and_removal_reach_stripe(world, org, localstripe_url, stripe_api):
    session = world
    first = add_stripe_card(session, org, localstripe_url)
    second = add_stripe_card(session, org, localstripe_url)
    assert not second.is_default
    from portal_ui.billing.payment_methods import set_default_payment_method

    set_default_payment_method(session, actor=ACTOR, owner=org, payment_method_id=second.id)
    session.commit()
    customer_id = stripe_billing.find_customer(session, org)
    assert stripe_api.customers.retrieve(customer_id).invoice_settings.default_payment_method == second.provider_ref
    remove_payment_method(session, actor=ACTOR, owner=org, payment_method_id=second.id)
    session.commit()
    assert stripe_api.payment_methods.retrieve(second.provider_ref).customer is None  # detached
    assert stripe_api.customers.retrieve(customer_id).invoice_settings.default_payment_method == first.provider_ref


# --- plans, subscriptions, invoices -------------------------------------------------------------------

def test_subscribing_starts_a_stripe_subscription_and_mirrors_its_paid_invoice(world, org, localstripe_url,
                                                                              stripe_api):
    session = world
    assert stripe_api.plans.retrieve("portal_pro_monthly").amount == 1900  # linked when the plan was created
    card = add_stripe_card(session, org, localstripe_url)
    result = change_plan(session, actor=ACTOR, owner=org, plan_key="pro_monthly")
    session.commit()
    sub = get_subscription(session, org)
    assert (sub.provider, sub.status, sub.plan_key) == ("stripe", "active", "pro_monthly")
    remote = stripe_api.subscriptions.retrieve(sub.provider_ref)
    assert remote.status == "active" and remote["items"].data[0].plan.id == "portal_pro_monthly"
    assert remote.customer == stripe_billing.find_customer(session, org)
    invoice = result.invoice
    assert (invoice.provider, invoice.status, invoice.amount_minor, invoice.currency) == ("stripe", "paid", 1900, "USD")
    assert invoice.paid_with == "Visa ending 4242" and invoice.plan_key == "pro_monthly"
    remote_invoice = stripe_api.invoices.retrieve(invoice.provider_ref)
    assert remote_invoice.status == "paid"
    assert (invoice.hosted_url, invoice.pdf_url) == (remote_invoice.hosted_invoice_url, remote_invoice.invoice_pdf)
    plan = current_plan(session, org)
    assert plan.renews_on is not None and plan.renews_on.timestamp() == pytest.approx(
        remote.to_dict()["current_period_end"], abs=1)
    assert [e.action for e in events(session, "subscription")] == ["subscription.started"]
    assert card.is_default


def test_a_declined_card_starts_nothing(world, org, localstripe_url):
    session = world
    add_stripe_card(session, org, localstripe_url, payment_method="pm_card_chargeCustomerFail")
    with pytest.raises(CardDeclined):
        change_plan(session, actor=ACTOR, owner=org, plan_key="pro_monthly")
    session.rollback()
    assert get_subscription(session, org) is None
    assert events(session, "subscription") == []


def live_stripe_subscriptions(stripe_api, session, owner) -> list[str]:
    customer = stripe_billing.find_customer(session, owner)
    return [s.id for s in stripe_api.subscriptions.list(params={"customer": customer, "limit": 100}).data
            if s.status == "active"]


def test_confirming_the_same_preview_again_after_a_failure_charges_once(world, org, localstripe_url, stripe_api,
                                                                        monkeypatch):
    """Stripe started the subscription but the portal failed to keep it: the person confirms the
    same preview again and gets that subscription, paid once, not a second one."""
    session = world
    add_stripe_card(session, org, localstripe_url)
    quoted_at = preview_change(session, org, "pro_monthly").quoted_at
    session.rollback()
    record = audit.record

    def fail_once(*args, **kwargs):
        monkeypatch.setattr(audit, "record", record)
        raise RuntimeError("the database went away")

    monkeypatch.setattr(audit, "record", fail_once)
    with pytest.raises(RuntimeError):
        change_plan(session, actor=ACTOR, owner=org, plan_key="pro_monthly", quoted_at=quoted_at)
    session.rollback()
    assert get_subscription(session, org) is None
    result = change_plan(session, actor=ACTOR, owner=org, plan_key="pro_monthly", quoted_at=quoted_at)
    session.commit()
    assert live_stripe_subscriptions(stripe_api, session, org) == [get_subscription(session, org).provider_ref]
    customer = stripe_billing.find_customer(session, org)
    assert [i.total for i in stripe_api.invoices.list(params={"customer": customer, "limit": 100}).data] == [1900]
    assert result.invoice.amount_minor == 1900 and [i.amount_minor for i in list_invoices(session, org).items] == [1900]


def test_after_a_decline_and_a_new_card_the_same_preview_goes_through(world, org, localstripe_url, stripe_api):
    session = world
    add_stripe_card(session, org, localstripe_url, payment_method="pm_card_chargeCustomerFail")
    quoted_at = preview_change(session, org, "pro_monthly").quoted_at
    session.rollback()
    with pytest.raises(CardDeclined):
        change_plan(session, actor=ACTOR, owner=org, plan_key="pro_monthly", quoted_at=quoted_at)
    session.rollback()
    add_stripe_card(session, org, localstripe_url, make_default=True)
    result = change_plan(session, actor=ACTOR, owner=org, plan_key="pro_monthly", quoted_at=quoted_at)
    session.commit()
    assert result.invoice.status == "paid" and result.invoice.paid_with == "Visa ending 4242"
    assert live_stripe_subscriptions(stripe_api, session, org) == [get_subscription(session, org).provider_ref]


def test_an_upgrade_is_prorated_and_charged_by_stripe_at_once(subscribed, org, localstripe_url, stripe_api):
    session = subscribed
    result = change_plan(session, actor=ACTOR, owner=org, plan_key="business")
    session.commit()
    assert result.preview.kind == "upgrade"
    sub = get_subscription(session, org)
    assert sub.plan_key == "business"
    assert stripe_sub(stripe_api, session, org)["items"].data[0].plan.id == "portal_business"
    invoice = result.invoice
    assert invoice.status == "paid"
    credit, charge = sorted(line["amount_minor"] for line in invoice.lines)
    assert -1900 <= credit < -1800 and 9400 < charge <= 9900  # almost the whole month is left
    assert invoice.amount_minor == credit + charge == pytest.approx(result.preview.amount_due_now, abs=5)


def test_cancel_and_resume_go_to_stripe(subscribed, org, localstripe_url, stripe_api):
    session = subscribed
    cancel_at_period_end(session, actor=ACTOR, owner=org)
    session.commit()
    assert stripe_sub(stripe_api, session, org).cancel_at_period_end is True
    assert current_plan(session, org).ends_on is not None
    resume(session, actor=ACTOR, owner=org)
    session.commit()
    assert stripe_sub(stripe_api, session, org).cancel_at_period_end is False
    assert current_plan(session, org).renews_on is not None


def test_invoices_are_listed_from_stripe(world, org, localstripe_url, stripe_api):
    session = world
    add_stripe_card(session, org, localstripe_url)
    change_plan(session, actor=ACTOR, owner=org, plan_key="pro_monthly")
    change_plan(session, actor=ACTOR, owner=org, plan_key="business")
    session.commit()
    for row in session.exec(select(Invoice)).all():  # as if the portal had never seen them
        session.delete(row)
    session.commit()
    mirrored = stripe_billing.sync_invoices(session, org)
    session.commit()
    assert len(mirrored) == 2
    listed = list_invoices(session, org).items
    assert sorted(i.amount_minor for i in listed) == sorted(
        x.total for x in stripe_api.invoices.list(params={"customer": stripe_billing.find_customer(session, org)}).data)
    assert {i.provider for i in listed} == {"stripe"}
    assert stripe_billing.sync_invoices(session, org) and len(list_invoices(session, org).items) == 2  # no copies


# --- webhooks -----------------------------------------------------------------------------------------

def post_event(client, event: dict, *, secret=None):
    payload = json.dumps(event).encode()
    signature = sign_webhook(payload) if secret is None else sign_webhook(payload, secret)
    return client.post("/webhooks/stripe", content=payload,
                       headers={"Stripe-Signature": signature, "Content-Type": "application/json"})


def stripe_event(event_id: str, kind: str, obj) -> dict:
    data = obj.to_dict() if hasattr(obj, "to_dict") else obj
    return {"id": event_id, "object": "event", "type": kind, "created": 1_790_000_000, "livemode": False,
            "data": {"object": data}, "api_version": "2026-10-28.endive"}


@pytest.fixture
def subscribed(world, org, localstripe_url):
    add_stripe_card(world, org, localstripe_url)
    change_plan(world, actor=ACTOR, owner=org, plan_key="pro_monthly")
    world.commit()
    return world


def test_a_webhook_with_a_bad_signature_changes_nothing(subscribed, org, client, stripe_api):
    session = subscribed
    remote = stripe_api.subscriptions.cancel(get_subscription(session, org).provider_ref)
    event = stripe_event("evt_bad_signature", "customer.subscription.deleted", remote)
    answer = post_event(client, event, secret="whsec_someone_else")
    assert answer.status_code == 400 and answer.json()["errors"][0]["code"] == "INVALID_SIGNATURE"
    unsigned = client.post("/webhooks/stripe", content=json.dumps(event).encode())
    assert unsigned.status_code == 400
    session.expire_all()
    assert get_subscription(session, org).status == "active"
    assert session.get(StripeEvent, "evt_bad_signature") is None


def test_subscription_deleted_ends_the_plan_once(subscribed, org, client, stripe_api, localstripe_url):
    session = subscribed
    ref = get_subscription(session, org).provider_ref
    stripe_api.subscriptions.cancel(ref)
    # The event as localstripe itself recorded it (Stripe's list of events).
    found = [e for e in stripe_api.events.list(params={"type": "customer.subscription.deleted", "limit": 100}).data
             if e.data.object.id == ref]
    assert len(found) == 1
    event = found[0].to_dict()
    first = post_event(client, event)
    assert first.status_code == 200 and first.json()["outcome"] == "applied"
    again = post_event(client, event)
    assert again.status_code == 200 and again.json()["outcome"] == "duplicate"
    session.expire_all()
    sub = get_subscription(session, org)
    assert sub.status == "canceled" and current_plan(session, org).status == "canceled"
    assert [e.action for e in events(session, "subscription")] == ["subscription.started", "subscription.ended"]


def test_a_scheduled_downgrade_starts_when_stripe_ends_the_old_subscription(world, org, client, localstripe_url,
                                                                           stripe_api):
    session = world
    add_stripe_card(session, org, localstripe_url)
    change_plan(session, actor=ACTOR, owner=org, plan_key="business")
    session.commit()
    result = change_plan(session, actor=ACTOR, owner=org, plan_key="pro_monthly")
    session.commit()
    assert result.preview.kind == "scheduled"
    old_ref = get_subscription(session, org).provider_ref
    assert stripe_api.subscriptions.retrieve(old_ref).cancel_at_period_end is True
    plan = current_plan(session, org)
    assert (plan.plan.key, plan.pending_plan.key, plan.cancel_at_period_end) == ("business", "pro_monthly", False)
    # The period ends: Stripe ends the subscription and says so.
    ended = stripe_api.subscriptions.cancel(old_ref)
    assert post_event(client, stripe_event("evt_period_end_1", "customer.subscription.deleted", ended)).json()[
        "outcome"] == "applied"
    session.expire_all()
    sub = get_subscription(session, org)
    assert (sub.plan_key, sub.status, sub.pending_plan_key) == ("pro_monthly", "active", None)
    assert sub.provider_ref != old_ref
    assert stripe_api.subscriptions.retrieve(sub.provider_ref)["items"].data[0].plan.id == "portal_pro_monthly"
    assert sorted(i.amount_minor for i in list_invoices(session, org).items) == [1900, 9900]


def on_business_with_pro_scheduled(session, org, localstripe_url) -> str:
    """Acme pays for Business through Stripe with a change to Pro (monthly) scheduled for the
    period end; returns the Business subscription's Stripe id."""
    add_stripe_card(session, org, localstripe_url)
    change_plan(session, actor=ACTOR, owner=org, plan_key="business")
    session.commit()
    change_plan(session, actor=ACTOR, owner=org, plan_key="pro_monthly")
    session.commit()
    return get_subscription(session, org).provider_ref


def assert_started_pro_once(session, org, stripe_api) -> None:
    """Pro (monthly) took over from Business: one live Stripe subscription, each plan paid once."""
    sub = get_subscription(session, org)
    assert (sub.plan_key, sub.status) == ("pro_monthly", "active")
    assert live_stripe_subscriptions(stripe_api, session, org) == [sub.provider_ref]
    customer = stripe_billing.find_customer(session, org)
    charged = sorted(i.total for i in stripe_api.invoices.list(params={"customer": customer, "limit": 100}).data)
    assert charged == [1900, 9900]
    assert sorted(i.amount_minor for i in list_invoices(session, org).items) == [1900, 9900]


def test_a_redelivered_period_end_charges_the_scheduled_plan_once(world, org, client, localstripe_url, stripe_api,
                                                                   monkeypatch):
    """The portal fails after Stripe started the scheduled plan's subscription, so nothing of the
    first attempt is kept and Stripe sends the event again: the customer gets one new subscription
    and pays for it once."""
    session = world
    old_ref = on_business_with_pro_scheduled(session, org, localstripe_url)
    ended = stripe_api.subscriptions.cancel(old_ref)
    event = stripe_event("evt_period_end_twice", "customer.subscription.deleted", ended)
    record = stripe_billing._record

    def fail_once(*args, **kwargs):
        monkeypatch.setattr(stripe_billing, "_record", record)
        raise RuntimeError("the database went away")

    monkeypatch.setattr(stripe_billing, "_record", fail_once)
    assert post_event(client, event).status_code == 500
    session.expire_all()
    assert get_subscription(session, org).provider_ref == old_ref and session.get(StripeEvent, event["id"]) is None
    again = post_event(client, event)
    assert again.status_code == 200 and again.json()["outcome"] == "applied"
    session.expire_all()
    assert_started_pro_once(session, org, stripe_api)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database(request, env):
    """The portal's database for the test: its SQLite copy, or a fresh PostgreSQL one."""
    if request.param == "postgresql":
        env(REFLEX_DB_URL=request.getfixturevalue("pg_url"))
    return request.param


def test_one_event_delivered_twice_at_once_starts_the_scheduled_plan_once(database, world, org, localstripe_url,
                                                                          stripe_api):
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from portal_ui import db

    session = world
    ended = stripe_api.subscriptions.cancel(on_business_with_pro_scheduled(session, org, localstripe_url))
    # An event id of this test's own: Stripe's are unique, and the fake outlives the test.
    event = stripe_event(f"evt_period_end_at_once_{database}", "customer.subscription.deleted", ended)
    barrier = Barrier(2)

    def deliver(_: int) -> str:
        with db.session_scope() as s:
            barrier.wait()
            return stripe_billing.handle_event(s, event)

    with ThreadPoolExecutor(2) as pool:
        assert sorted(pool.map(deliver, range(2))) == ["applied", "duplicate"]
    session.expire_all()
    assert_started_pro_once(session, org, stripe_api)
    assert [e.action for e in events(session, "subscription")].count("subscription.plan_changed") == 1


def test_invoice_payment_failed_then_paid(subscribed, org, client, stripe_api):
    session = subscribed
    sub = get_subscription(session, org)
    customer = stripe_billing.find_customer(session, org)
    invoice = {"id": "in_renewal_1", "object": "invoice", "customer": customer, "subscription": sub.provider_ref,
               "status": "open", "total": 1900, "currency": "usd", "created": 1_790_000_000, "number": "ACME-0002",
               "hosted_invoice_url": "https://invoice.stripe.com/i/acme_0002",
               "invoice_pdf": "https://pay.stripe.com/invoice/acme_0002/pdf",
               "lines": {"data": [{"description": "Pro (monthly)", "amount": 1900, "plan": {"id": "portal_pro_monthly"},
                                   "period": {"start": 1_790_000_000, "end": 1_792_592_000}}]}}
    assert post_event(client, stripe_event("evt_fail_1", "invoice.payment_failed", invoice)).status_code == 200
    session.expire_all()
    assert get_subscription(session, org).status == "past_due"
    row = session.exec(select(Invoice).where(Invoice.provider_ref == "in_renewal_1")).one()
    assert (row.status, row.number, row.amount_minor) == ("open", "ACME-0002", 1900)
    assert row.pdf_url == "https://pay.stripe.com/invoice/acme_0002/pdf"
    assert row.hosted_url == "https://invoice.stripe.com/i/acme_0002"
    paid = {**invoice, "status": "paid", "status_transitions": {"paid_at": 1_790_100_000}}
    assert post_event(client, stripe_event("evt_paid_1", "invoice.paid", paid)).json()["outcome"] == "applied"
    session.expire_all()
    assert get_subscription(session, org).status == "active"
    assert session.get(Invoice, row.id).status == "paid"
    assert [e.action for e in events(session, "invoice")] == ["invoice.payment_failed", "invoice.paid"]


def test_a_card_detached_in_stripe_is_removed(world, org, client, localstripe_url, stripe_api):
    session = world
    method = add_stripe_card(session, org, localstripe_url)
    detached = stripe_api.payment_methods.detach(method.provider_ref)
    assert post_event(client, stripe_event("evt_detach_1", "payment_method.detached", detached)).json()[
        "outcome"] == "applied"
    session.expire_all()
    assert list_payment_methods(session, org) == []
    assert events(session, "payment_method.removed")[0].actor_id == "stripe"


def test_unknown_event_types_are_acknowledged(world, client):
    answer = post_event(client, stripe_event("evt_other_1", "customer.created", {"id": "cus_x"}))
    assert answer.status_code == 200 and answer.json()["outcome"] == "ignored"


def test_without_stripe_the_route_is_not_there(env, client):
    answer = client.post("/webhooks/stripe", content=b"{}", headers={"Stripe-Signature": "t=1,v1=00"})
    assert answer.status_code == 404


# --- no card data in the portal -----------------------------------------------------------------------

def test_with_stripe_no_card_number_or_cvc_reaches_the_portal(world, org, client, settings, engine, localstripe_url,
                                                               stripe_api, caplog):
    """The browser sends the card to Stripe; the portal sees only the SetupIntent's id. After a whole
    flow (card, subscription, upgrade, a webhook), neither the database file nor any log line of
    the portal holds the number or the CVC, and the one portal function that takes card input
    refuses it without echoing it."""
    import logging

    from tests.billing.test_card_data_never_stored import STATEMENT_TIMINGS, database_bytes

    number, cvc = "5555555555554444", "868"
    session = world
    caplog.set_level(logging.DEBUG)
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO)  # every statement and its parameters
    try:
        setup = stripe_billing.begin_card_setup(session, org)
        confirmed = confirm_in_browser(localstripe_url, setup, number=number, exp_month=12, exp_year=2034, cvc=cvc)
        assert confirmed["status"] == "succeeded"
        method = stripe_billing.complete_card_setup(session, actor=ACTOR, owner=org, setup_intent_id=setup.id)
        change_plan(session, actor=ACTOR, owner=org, plan_key="pro_monthly")
        change_plan(session, actor=ACTOR, owner=org, plan_key="business")
        session.commit()
        with pytest.raises(InvalidInput) as err:
            add_card(session, actor=ACTOR, owner=org, number=number, exp_month=12, exp_year=2034, cvc=cvc)
        assert number not in str(err.value) and cvc not in str(err.value)
        ended = stripe_api.subscriptions.cancel(get_subscription(session, org).provider_ref)
        assert post_event(client, stripe_event("evt_nocard_1", "customer.subscription.deleted", ended)).status_code == 200
    finally:
        logging.getLogger("sqlalchemy.engine").setLevel(logging.WARNING)
    assert (method.last4, method.exp_year) == ("4444", 2034)
    assert stripe_api.payment_methods.retrieve(method.provider_ref).card.last4 == "4444"  # Stripe had the card
    session.close()
    engine.dispose()
    data = database_bytes(settings)
    assert method.provider_ref.encode() in data  # the files read do hold the new rows
    assert number.encode() not in data and number[:6].encode() + b" " not in data
    assert b"cvc" not in data.lower()
    logged = STATEMENT_TIMINGS.sub("[timing]", caplog.text)
    assert "INSERT INTO payment_methods" in logged  # the statement log was on
    assert number not in logged and f"'{cvc}'" not in logged and "cvc" not in logged.lower()


def test_an_oversized_webhook_is_refused_unread(world, client):
    answer = client.post("/webhooks/stripe", content=b"x" * (512 * 1024 + 1), headers={"Stripe-Signature": "t=1,v1=0"})
    assert answer.status_code == 413


def test_a_quick_invoice_sync_gives_up_at_once_when_stripe_does_not_answer(world, org, env, localstripe_url):
    """The billing page's refresh (`quick`): one try, and a ProviderError the page turns into its note."""
    import time

    from portal_ui.billing.stripe_provider import ProviderError
    from tests.billing.conftest import STRIPE_PUBLISHABLE, STRIPE_SECRET, STRIPE_WEBHOOK_SECRET
    from tests.billing.localstripe_server import _free_port

    session = world
    stripe_billing.customer_id(session, org)
    session.commit()
    env(PORTAL_BILLING_PROVIDER="stripe", STRIPE_SECRET_KEY=STRIPE_SECRET, STRIPE_PUBLISHABLE_KEY=STRIPE_PUBLISHABLE,
        STRIPE_WEBHOOK_SECRET=STRIPE_WEBHOOK_SECRET, STRIPE_API_BASE=f"http://127.0.0.1:{_free_port()}")  # nobody there
    started = time.monotonic()
    with pytest.raises(ProviderError):
        stripe_billing.sync_invoices(session, org, quick=True)
    assert time.monotonic() - started < 3  # no retries with back-off
