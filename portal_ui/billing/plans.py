"""The plan catalogue, defined by the product team (Management API `GET|POST /api/v1/plans`).

Plans are never deleted: a plan no longer offered is `active=False` and stays valid for the
subscriptions and invoices that name it.
"""

from __future__ import annotations

import re
from typing import Sequence

from sqlmodel import Session, col, select

from portal_ui.billing.money import Money, check_amount, normalize_currency
from portal_ui.domain import audit
from portal_ui.domain.clock import utcnow
from portal_ui.domain.errors import Conflict, InvalidInput, NotFound, Text, say
from portal_ui.domain.paging import Page, paginate, scope_of
from portal_ui.domain.users import clean_name
from portal_ui.models import Plan

INTERVALS = ("month", "year", "none")
DESCRIPTION_MAX = 1024
FEATURE_MAX = 200
MAX_FEATURES = 30
PLAN_KEY_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,63}$"
_PLAN_KEY = re.compile(PLAN_KEY_PATTERN)


def is_paid(plan: Plan) -> bool:
    return plan.amount_minor > 0


def price_text(plan: Plan) -> "str | Text":
    """The plan's price in any language: "Free", "$19.00 / month", "$190.00 / year" or "$49.00" (no
    interval: the amount alone). Amounts are written in the language the message is rendered in."""
    if not is_paid(plan):
        return say("billing_rules.price.free")
    money = Money(plan.amount_minor, plan.currency)
    if plan.interval == "none":
        return say("billing_rules.price.amount", amount=money)
    interval = say(f"billing_rules.interval.{plan.interval}") if plan.interval in ("month", "year") else plan.interval
    return say("billing_rules.price.per_interval", amount=money, interval=interval)


def price_label(plan: Plan) -> str:
    """"Free", "$19.00 / month", "$190.00 / year" or "$49.00" (no interval), in English."""
    return str(price_text(plan))


def _features(value: object) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, (list, tuple)) or len(value) > MAX_FEATURES:
        raise InvalidInput(f"features: give a list of at most {MAX_FEATURES} short texts")
    out = []
    for item in value:
        text = clean_name(item, field="features", max_len=FEATURE_MAX)
        if not text:
            raise InvalidInput("features: leave out empty items")
        out.append(text)
    return out


def create_plan(session: Session, *, actor: audit.Actor, key: str, name: str, amount_minor: int, currency: str,
                interval: str, description: str | None = "", features: Sequence[str] | None = None,
                active: bool = True, sort_order: int = 0) -> Plan:
    """Add a plan to the catalogue. One audit event `plan.created`.

    `amount_minor` is in the currency's minor unit (1900 USD = $19.00); `interval` is month, year
    or none, and a plan without an interval must be free. Raises InvalidInput (bad key, name,
    amount, currency, interval, features, flags), Conflict (key already used).
    """
    if not isinstance(key, str) or not _PLAN_KEY.match(key):
        raise InvalidInput("key: 1-64 lower-case letters, digits, '_' or '-'", code="INVALID_PLAN_KEY")
    clean = clean_name(name, field="name")
    if not clean:
        raise InvalidInput("name: give the plan a name", code="NAME_REQUIRED")
    desc = clean_name(description, field="description", max_len=DESCRIPTION_MAX)
    amount = check_amount(amount_minor)
    code = normalize_currency(currency)
    if interval not in INTERVALS:
        raise InvalidInput(f"interval: use one of {', '.join(INTERVALS)}", code="INVALID_INTERVAL")
    if interval == "none" and amount:
        raise InvalidInput("interval: a paid plan renews every month or year", code="INVALID_INTERVAL")
    items = _features(features)
    if not isinstance(active, bool):
        raise InvalidInput("active: true or false")
    if isinstance(sort_order, bool) or not isinstance(sort_order, int) or not -10_000 <= sort_order <= 10_000:
        raise InvalidInput("sort_order: a whole number from -10000 to 10000")
    if session.get(Plan, key) is not None:
        raise Conflict(f"A plan with key {key!r} already exists.", code="PLAN_ALREADY_EXISTS")
    plan = Plan(key=key, name=clean, description=desc, amount_minor=amount, currency=code, interval=interval,
                features=items, active=active, sort_order=sort_order, created_on=utcnow())
    _link_with_provider(plan)  # before the row is written: no write waits on Stripe's answer
    session.add(plan)
    session.flush()
    # "plan_key", not "key": the audit log drops fields named "key" as secrets.
    audit.record(session, actor=actor, action="plan.created", target_type="plan", target_id=key, before={},
                 after={"plan_key": key, "name": clean, "amount_minor": amount, "currency": code,
                        "interval": interval, "features": items, "active": active, "sort_order": sort_order})
    return plan


def _link_with_provider(plan: Plan) -> None:
    """With the Stripe provider, a paid plan gets its Stripe plan now (created, or linked if one with
    its id exists); a Stripe failure fails the creation (ProviderError) and nothing is kept. A
    Stripe plan whose row then fails to be written is linked when a plan of that key is created again."""
    from portal_ui.billing import stripe_billing

    if is_paid(plan) and stripe_billing.stripe_provider() is not None:
        stripe_billing.ensure_plan(plan)


def get_plan(session: Session, key: str) -> Plan:
    """The plan, or NotFound (PLAN_NOT_FOUND)."""
    plan = session.get(Plan, key) if isinstance(key, str) and key else None
    if plan is None:
        raise NotFound(say("billing_rules.no_plan", key=repr(str(key)[:64])), code="PLAN_NOT_FOUND")
    return plan


def _ordered(statement):
    return statement.order_by(col(Plan.sort_order), col(Plan.amount_minor), col(Plan.key))


def active_plans(session: Session) -> list[Plan]:
    """The plans offered in the plan picker, in catalogue order (sort_order, then price)."""
    return list(session.exec(_ordered(select(Plan).where(col(Plan.active).is_(True)))).all())


def list_plans(session: Session, *, active: bool | None = None, page_size: int | None = None,
               next_token: str | None = None) -> Page[Plan]:
    """One page of the catalogue in catalogue order, optionally only (in)active plans."""
    statement = select(Plan)
    if active is not None:
        statement = statement.where(col(Plan.active).is_(active))
    return paginate(session, _ordered(statement), page_size=page_size, next_token=next_token,
                    scope=scope_of("plans", active))
