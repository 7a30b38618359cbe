"""Billing fixtures: an organization and a user to bill, the demo plan catalogue, card helpers."""

from __future__ import annotations

import pytest
from sqlmodel import select

from portal_ui.billing.owner import Owner
from portal_ui.billing.payment_methods import add_card
from portal_ui.demo.billing_seed import seed_demo_billing
from portal_ui.domain.audit import Actor
from portal_ui.domain.clock import utcnow
from portal_ui.models import AuditEvent, Organization, User

ACTOR = Actor(type="user", id="kp_payer")
VISA = "4242424242424242"
MASTERCARD = "5555555555554444"
AMEX = "378282246310005"
DECLINED = "4000000000000002"
CHARGE_DECLINED = "4000000000000341"


@pytest.fixture
def org(session) -> Owner:
    now = utcnow()
    session.add(User(id="kp_payer", given_name="Pat", family_name="Payer", email="pat@example.com", created_on=now))
    session.add(Organization(code="org_acme", name="Acme", business_name="Acme Ltd", city="Bristol",
                             country="GB", billing_email="billing@acme.example", created_on=now))
    session.commit()
    return Owner.org("org_acme")


@pytest.fixture
def user(session, org) -> Owner:
    return Owner.user("kp_payer")


@pytest.fixture
def plans(session):
    """The demo catalogue: free, pro_monthly (USD 19), pro_yearly (USD 190), business (USD 99)."""
    seed_demo_billing(session)
    session.commit()


def card(session, owner: Owner, number: str = VISA, *, cvc: str = "123", **kwargs):
    method = add_card(session, actor=ACTOR, owner=owner, number=number, exp_month=kwargs.pop("exp_month", 12),
                      exp_year=kwargs.pop("exp_year", utcnow().year + 2), cvc=cvc, **kwargs)
    session.commit()
    return method


def events(session, prefix: str = "") -> list[AuditEvent]:
    return [e for e in session.exec(select(AuditEvent).order_by(AuditEvent.id)).all() if e.action.startswith(prefix)]
