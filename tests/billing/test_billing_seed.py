"""The demo billing seed, and the billing flow on PostgreSQL."""

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from portal_ui import db
from portal_ui.billing.invoices import list_invoices
from portal_ui.billing.owner import Owner
from portal_ui.billing.payment_methods import list_payment_methods
from portal_ui.billing.subscriptions import cancel_at_period_end, change_plan, current_plan, resume
from portal_ui.demo.billing_seed import seed_demo_billing
from portal_ui.demo.personas import DEMO_ORG_CODE
from portal_ui.demo.seed import seed_demo
from portal_ui.domain.clock import shifted
from portal_ui.models import Invoice, PaymentMethod, Plan, Subscription

from tests.billing.conftest import ACTOR, card

ACME = Owner.org(DEMO_ORG_CODE)


def test_seed_demo_billing_is_idempotent(session, settings):
    seed_demo(session, settings)
    seed_demo_billing(session)
    session.commit()
    seed_demo_billing(session)
    session.commit()
    assert [p.key for p in session.exec(select(Plan).order_by(Plan.sort_order)).all()] == \
        ["free", "pro_monthly", "pro_yearly", "business"]
    plan = current_plan(session, ACME)
    assert plan.plan.key == "pro_monthly" and plan.status == "active"
    [method] = list_payment_methods(session, ACME)
    assert (method.brand, method.last4, method.is_default) == ("visa", "4242", True)
    [invoice] = list_invoices(session, ACME).items
    assert (invoice.status, invoice.amount_minor, invoice.currency) == ("paid", 1900, "USD")
    assert len(session.exec(select(Subscription)).all()) == 1 and len(session.exec(select(Invoice)).all()) == 1


def test_seed_without_the_demo_org_creates_only_plans(session):
    seed_demo_billing(session)
    assert len(session.exec(select(Plan)).all()) == 4 and session.exec(select(PaymentMethod)).all() == []


@pytest.mark.postgres
def test_billing_flow_on_postgresql(env, pg_url):
    settings = env(REFLEX_DB_URL=pg_url)
    with Session(db.engine_for(settings.db_url), expire_on_commit=False) as session:
        seed_demo(session, settings)
        seed_demo_billing(session)
        session.commit()
        card(session, ACME, "5555555555554444")
        change_plan(session, actor=ACTOR, owner=ACME, plan_key="business")
        cancel_at_period_end(session, actor=ACTOR, owner=ACME)
        resume(session, actor=ACTOR, owner=ACME)
        session.commit()
        with shifted(timedelta(days=32)):
            plan = current_plan(session, ACME)
            session.commit()
        assert plan.plan.key == "business" and plan.status == "active"
        assert [i.amount_minor for i in list_invoices(session, ACME).items][0] == 9900
        assert len(list_invoices(session, ACME).items) == 3
