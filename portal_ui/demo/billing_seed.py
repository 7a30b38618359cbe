"""Seeding the demo billing: the plan catalogue, and Acme on Pro with a test card and a paid invoice."""

from __future__ import annotations

from dataclasses import dataclass

from sqlmodel import Session

from portal_ui.billing.owner import Owner
from portal_ui.billing.payment_methods import add_card, list_payment_methods
from portal_ui.billing.plans import create_plan
from portal_ui.billing.stripe_billing import stripe_provider
from portal_ui.billing.subscriptions import change_plan, get_subscription
from portal_ui.demo.personas import DEMO_ORG_CODE
from portal_ui.domain import audit
from portal_ui.domain.clock import utcnow
from portal_ui.models import Organization, Plan


@dataclass(frozen=True)
class DemoPlan:
    key: str
    name: str
    description: str
    amount_minor: int
    interval: str
    features: tuple[str, ...]
    sort_order: int
    currency: str = "USD"


DEMO_PLANS = (
    DemoPlan("free", "Free", "For trying things out", 0, "none",
             ("1 project", "Up to 3 members", "Community support"), 0),
    DemoPlan("pro_monthly", "Pro (monthly)", "For growing teams, billed monthly", 1900, "month",
             ("Unlimited projects", "Up to 20 members", "Email support"), 10),
    DemoPlan("pro_yearly", "Pro (yearly)", "For growing teams, billed yearly: two months free", 19000, "year",
             ("Unlimited projects", "Up to 20 members", "Email support", "Two months free"), 20),
    DemoPlan("business", "Business", "For larger teams that need more control", 9900, "month",
             ("Everything in Pro", "Unlimited members", "Single sign-on", "Priority support"), 30),
)
DEMO_ORG_PLAN = "pro_monthly"
DEMO_CARD = "4242424242424242"  # the test provider's always-succeeds test number


def seed_demo_billing(session: Session) -> None:
    """Create the demo plans and Acme's subscription (idempotent: what exists is left as it is).

    Acme gets a test Visa ending 4242 and Pro (monthly), which issues one paid invoice. Skipped for
    Acme when the organization is missing or already has a subscription, and with the Stripe
    provider (cards reach Stripe from the browser only: Acme starts without a plan). Caller commits.
    """
    actor = audit.Actor.system("seed-demo")
    for demo in DEMO_PLANS:
        if session.get(Plan, demo.key) is None:
            create_plan(session, actor=actor, key=demo.key, name=demo.name, description=demo.description,
                        amount_minor=demo.amount_minor, currency=demo.currency, interval=demo.interval,
                        features=list(demo.features), sort_order=demo.sort_order)
    if session.get(Organization, DEMO_ORG_CODE) is None or stripe_provider() is not None:
        return
    owner = Owner.org(DEMO_ORG_CODE)
    if get_subscription(session, owner) is not None:
        return
    if not list_payment_methods(session, owner):
        add_card(session, actor=actor, owner=owner, number=DEMO_CARD, exp_month=12, exp_year=utcnow().year + 3,
                 cvc="123")
    change_plan(session, actor=actor, owner=owner, plan_key=DEMO_ORG_PLAN)
