"""No handler holds SQLite's write lock while it waits for the network: the guard commits its own
write (the session's activity) before the work, and the work asks DNS or Stripe before it writes.
Otherwise every other tab and worker could not write (or failed with "database is locked") for as
long as the resolver or Stripe took to answer.

No browser: the handlers run in this process as Reflex calls them (tests/ui/test_handler_paths.py),
each with a session due for its activity to be recorded. The fakes for DNS and Stripe try a write
through a second connection during each call (tests/lock_probe.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import update
from sqlmodel import select

from portal_ui import db as portal_db
from portal_ui.billing.owner import Owner
from portal_ui.billing.profile import billing_details
from portal_ui.billing.stripe_provider import ProviderError
from portal_ui.billing.subscriptions import get_subscription
from portal_ui.demo.personas import DEMO_ORG_CODE
from portal_ui.domain import audit, domains
from portal_ui.domain.clock import as_utc, utcnow
from portal_ui.domain.errors import say
from portal_ui.domain.links import create_link, redeem_link
from portal_ui.domain.sessions import TOUCH_EVERY, start_session
from portal_ui.models import OrganizationDomain, PortalSession, StripeCustomer, Subscription
from portal_ui.ui.state.billing import BillingState
from portal_ui.ui.state.domains import DomainsState
from portal_ui.ui.state.portal import PortalState
from tests.billing.blocking_stripe import install
from tests.conftest import run_coroutine
from tests.lock_probe import OtherWriter
from tests.ui.test_handler_paths import _tab

ACME = Owner.org(DEMO_ORG_CODE)


@pytest.fixture
def signed_in(demo, engine, monkeypatch):
    """`signed_in(user_id, org_code=None)`: this process's tabs carry a new session of that user's."""
    def sign_in(user_id: str, org_code: str | None = None) -> None:
        with portal_db.session_scope(engine) as db:
            url = create_link(db, demo, user_id=user_id, org_code=org_code, sub_nav="profile",
                              actor=audit.Actor.system("test"))
            token = start_session(db, demo, redeem_link(db, url.rsplit("key=", 1)[1].split("&", 1)[0]))
        monkeypatch.setattr(PortalState, "_cookie_token", lambda self: token)

    return sign_in


def _due_for_touch(engine) -> object:
    """Move every session's last activity back past TOUCH_EVERY, so the next guard writes; returns
    the moment it was moved to."""
    seen = utcnow() - TOUCH_EVERY - timedelta(seconds=5)
    with portal_db.session_scope(engine) as db:
        db.execute(update(PortalSession).values(last_seen_on=seen))
    return seen


def _run(state, state_cls, name: str, *args):
    async def call() -> list:
        return [update async for update in state_cls.event_handlers[name].fn(state, *args)]
    return run_coroutine(call())


@pytest.mark.parametrize("level, key", [("enter", "organization_details"), ("session", None),
                                        ("write", "organization_details")])
def test_the_guard_commits_the_sessions_activity_before_the_work(signed_in, engine, level, key):
    signed_in("kp_demo_olivia", DEMO_ORG_CODE)
    writer = OtherWriter(engine)
    seen = _due_for_touch(engine)

    def work(_db, active):
        writer.network_call("work")  # the work waits for the network
        return active.user_id

    state = _tab(PortalState)
    assert state._guarded(key, work, level, None, None, ()) == "kp_demo_olivia"
    assert writer.made() == ["work"] and writer.blocked() == []
    with portal_db.session_scope(engine) as db:  # the activity was recorded all the same
        assert as_utc(db.exec(select(PortalSession)).one().last_seen_on) > seen


def test_verifying_a_domain_lets_others_write_while_dns_answers(signed_in, engine, monkeypatch):
    signed_in("kp_demo_olivia", DEMO_ORG_CODE)
    with portal_db.session_scope(engine) as db:
        domain = domains.add_domain(db, actor=audit.Actor.system("test"), org_code=DEMO_ORG_CODE,
                                    name="lock-probe.example")
        expected = domains.record_value(domain)
    writer = OtherWriter(engine)

    def txt_values(name, resolver=None):
        writer.network_call("dns")
        return [expected]

    monkeypatch.setattr(domains, "txt_values", txt_values)
    _due_for_touch(engine)
    state = _tab(DomainsState)
    _run(state, DomainsState, "verify_domain", domain.id)
    assert writer.made() == ["dns"] and writer.blocked() == []
    with portal_db.session_scope(engine) as db:
        assert db.get(OrganizationDomain, domain.id).status == "verified"


def test_starting_a_stripe_card_lets_others_write_while_stripe_answers(signed_in, engine, env, monkeypatch):
    stripe = install(monkeypatch, env, engine)
    signed_in("kp_demo_bea")
    _due_for_touch(engine)
    state = _tab(BillingState)
    _run(state, BillingState, "start_stripe_card", "payment_details")
    assert state.card_error == "" and state.card_confirming is True
    assert stripe.writer.made() == ["create_customer", "create_setup_intent"]
    assert stripe.writer.blocked() == []
    with portal_db.session_scope(engine) as db:  # the customer was kept
        assert db.exec(select(StripeCustomer).where(StripeCustomer.user_id == "kp_demo_bea")).one()


def test_refreshing_stripes_invoices_lets_others_write_while_stripe_answers(signed_in, engine, env, monkeypatch):
    stripe = install(monkeypatch, env, engine)
    signed_in("kp_demo_bea")
    with portal_db.session_scope(engine) as db:
        db.add(StripeCustomer(customer_id="cus_bea", user_id="kp_demo_bea", created_on=utcnow()))
    _due_for_touch(engine)
    state = _tab(BillingState)
    _run(state, BillingState, "refresh_invoices", "plan_details")
    assert state.invoices_note == ""
    assert [row.number for row in state.invoices] == ["FAKE-0001"]
    assert stripe.writer.made() == ["list_invoices"] and stripe.writer.blocked() == []


def test_a_plan_change_through_stripe_lets_others_write_while_stripe_answers(signed_in, engine, env, monkeypatch):
    """Acme's plan runs in the portal (the demo's test card); with Stripe switched on, an upgrade
    moves it to Stripe. Its period ended meanwhile: the renewal is settled (and committed) first."""
    stripe = install(monkeypatch, env, engine)
    signed_in("kp_demo_olivia", DEMO_ORG_CODE)
    key = "organization_plan_selection"
    state = _tab(BillingState)
    _run(state, BillingState, "start_change", key, "business")
    assert state.change_open and state.plan_error == ""
    now = utcnow()
    with portal_db.session_scope(engine) as db:  # the period ended after the preview was shown
        db.execute(update(Subscription).where(Subscription.org_code == DEMO_ORG_CODE).values(
            current_period_start=now - timedelta(days=40), current_period_end=now - timedelta(seconds=1)))
    _due_for_touch(engine)
    _run(state, BillingState, "confirm_change", key)
    assert state.change_error == ""
    assert stripe.writer.made() == ["create_customer", "ensure_plan", "create_subscription"]
    assert stripe.writer.blocked() == []
    with portal_db.session_scope(engine) as db:
        sub = get_subscription(db, ACME)
        assert (sub.plan_key, sub.provider) == ("business", "stripe")


def test_saving_billing_details_lets_others_write_while_stripe_answers(signed_in, engine, env, monkeypatch):
    stripe = install(monkeypatch, env, engine)
    signed_in("kp_demo_bea")
    with portal_db.session_scope(engine) as db:
        db.add(StripeCustomer(customer_id="cus_bea", user_id="kp_demo_bea", created_on=utcnow()))
    _due_for_touch(engine)
    state = _tab(BillingState)
    _run(state, BillingState, "save_details", "payment_details", {"name": "Bea Trading", "city": "Leeds"})
    assert state.tax_error == "" and state.details_errors == {}
    assert stripe.writer.made() == ["update_customer"] and stripe.writer.blocked() == []
    with portal_db.session_scope(engine) as db:
        assert billing_details(db, Owner.user("kp_demo_bea")).city == "Leeds"


def test_when_stripe_does_not_answer_the_billing_details_say_so_and_stay(signed_in, engine, env, monkeypatch):
    stripe = install(monkeypatch, env, engine)
    signed_in("kp_demo_bea")
    with portal_db.session_scope(engine) as db:
        db.add(StripeCustomer(customer_id="cus_bea", user_id="kp_demo_bea", created_on=utcnow()))

    def no_answer(*_args, **_kwargs):
        raise ProviderError(say("billing_rules.stripe.unavailable"))

    monkeypatch.setattr(stripe, "update_customer", no_answer)
    monkeypatch.setattr(stripe, "list_tax_ids", no_answer)
    state = _tab(BillingState)
    _run(state, BillingState, "save_details", "payment_details", {"name": "Bea Trading", "city": "Leeds"})
    assert state.tax_error.startswith("The payment provider did not complete the request. Nothing was changed")
    _run(state, BillingState, "add_tax_id", "payment_details", {"tax_type": "eu_vat", "tax_number": "DE136695976"})
    assert state.tax_error.startswith("The payment provider did not complete the request. Nothing was changed")
    with portal_db.session_scope(engine) as db:
        details = billing_details(db, Owner.user("kp_demo_bea"))
        assert (details.saved, details.city, details.tax_ids) == (False, "", ())
