"""Payment methods (cards) of a billing owner: list, add, set default, remove, charge the default.

Only brand, last four digits, expiry and the provider's reference are stored. The card number
and CVC passed to `add_card` go to the provider and nowhere else: not into a row, an audit event,
a log line or an error message. Rules: the first card becomes the default; the last card cannot be
removed while a paid plan is active (or a paid plan is scheduled).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlmodel import Session, col, select

from portal_ui.billing.owner import Owner, require_owner
from portal_ui.billing.provider import (BRAND_NAMES, BillingProvider, CardDetails, ChargeResult, default_provider,
                                        get_provider, is_expired)
from portal_ui.domain import audit
from portal_ui.domain.clock import utcnow
from portal_ui.domain.errors import Conflict, NotFound, Text, say
from portal_ui.domain.secrets import new_id
from portal_ui.models import PaymentMethod, Plan, Subscription

MAX_PAYMENT_METHODS = 10
LIVE_STATUSES = ("active", "past_due")


@dataclass(frozen=True)
class Charge:
    """The outcome of charging an owner's default card."""

    succeeded: bool
    message: str | Text = ""  # why it failed (a catalogue message: shown to the payer)
    provider: str = ""
    ref: str = ""
    paid_with: str = ""


def card_text(method: PaymentMethod) -> Text:
    """"Visa ending 4242", in any language (the brand name is the same in all)."""
    return say("billing_rules.card_label", brand=BRAND_NAMES.get(method.brand, method.brand.title()),
               last4=method.last4)


def card_label(method: PaymentMethod) -> str:
    """"Visa ending 4242" (English: what an invoice records as `paid_with`)."""
    return str(card_text(method))


_RECORDED_CARD = re.compile(r"(?P<brand>[A-Za-z][A-Za-z ]{0,39}) ending (?P<last4>[0-9]{4})")


def paid_with_text(recorded: str) -> str | Text:
    """An invoice's `paid_with` (written by `card_label`, in English) as the catalogue message again,
    so it reads in any language; any other text as it is."""
    found = _RECORDED_CARD.fullmatch(recorded or "")
    if found is None:
        return recorded or ""
    return say("billing_rules.card_label", brand=found["brand"], last4=found["last4"])


def expiry_label(method: PaymentMethod) -> str:
    """"04/2030"."""
    return f"{method.exp_month:02d}/{method.exp_year}"


def _public(method: PaymentMethod) -> dict:
    """What the audit log may hold about a card."""
    return {"brand": method.brand, "last4": method.last4, "exp_month": method.exp_month,
            "exp_year": method.exp_year, "is_default": method.is_default, "provider": method.provider}


def list_payment_methods(session: Session, owner: Owner) -> list[PaymentMethod]:
    """The owner's cards, the default first, then newest first."""
    return list(session.exec(select(PaymentMethod).where(owner.where(PaymentMethod)).order_by(
        col(PaymentMethod.is_default).desc(), col(PaymentMethod.created_on).desc(), col(PaymentMethod.id))).all())


def default_payment_method(session: Session, owner: Owner) -> PaymentMethod | None:
    return session.exec(select(PaymentMethod).where(owner.where(PaymentMethod),
                                                    col(PaymentMethod.is_default).is_(True))).first()


def get_payment_method(session: Session, owner: Owner, payment_method_id: str) -> PaymentMethod:
    """The owner's card, or NotFound (also for another owner's card)."""
    method = session.get(PaymentMethod, payment_method_id) if isinstance(payment_method_id, str) else None
    if method is None or not owner.owns(method):
        raise NotFound(say("billing_rules.no_payment_method"), code="PAYMENT_METHOD_NOT_FOUND")
    return method


def paid_plan_active(session: Session, owner: Owner) -> bool:
    """True while the owner has a live subscription on a paid plan, or a paid plan scheduled."""
    sub = session.exec(select(Subscription).where(owner.where(Subscription))).first()
    if sub is None or sub.status not in LIVE_STATUSES:
        return False
    for key in (sub.plan_key, sub.pending_plan_key):
        plan = session.get(Plan, key) if key else None
        if plan is not None and plan.amount_minor > 0:
            return True
    return False


def add_card(session: Session, *, actor: audit.Actor, owner: Owner, number: str, exp_month: int | str,
             exp_year: int | str, cvc: str, make_default: bool = False,
             provider: BillingProvider | None = None) -> PaymentMethod:
    """Check the card with the provider and keep its brand, last four digits and expiry.

    The first card (or any with `make_default`) becomes the default. One audit event
    `payment_method.added`. Raises InvalidInput (bad number, expiry or CVC; not a test card; and
    always with the Stripe provider, which takes cards in the browser), CardDeclined, Conflict
    (MAX_PAYMENT_METHODS reached), NotFound (unknown owner).
    """
    require_owner(session, owner)
    if len(list_payment_methods(session, owner)) >= MAX_PAYMENT_METHODS:
        raise Conflict(say("billing_rules.too_many_cards", max=MAX_PAYMENT_METHODS), code="TOO_MANY_PAYMENT_METHODS")
    provider = provider or default_provider()
    card = provider.add_card(number=number, exp_month=exp_month, exp_year=exp_year, cvc=cvc, today=utcnow().date())
    del number, cvc  # not needed past this point
    return keep_card(session, actor=actor, owner=owner, card=card, make_default=make_default)


def keep_card(session: Session, *, actor: audit.Actor, owner: Owner, card: CardDetails,
              make_default: bool = False) -> PaymentMethod:
    """Store a card a provider has accepted (the first, or any with `make_default`, becomes the
    default). One audit event `payment_method.added`. Raises Conflict (MAX_PAYMENT_METHODS reached)."""
    existing = list_payment_methods(session, owner)
    if len(existing) >= MAX_PAYMENT_METHODS:
        raise Conflict(say("billing_rules.too_many_cards", max=MAX_PAYMENT_METHODS), code="TOO_MANY_PAYMENT_METHODS")
    is_default = make_default or not existing
    if is_default:
        for other in existing:
            other.is_default = False
            session.add(other)
    method = PaymentMethod(id=new_id("pm"), **owner.columns(), provider=card.provider, provider_ref=card.ref,
                           brand=card.brand, last4=card.last4, exp_month=card.exp_month, exp_year=card.exp_year,
                           is_default=is_default, created_on=utcnow())
    session.add(method)
    session.flush()
    audit.record(session, actor=actor, action="payment_method.added", target_type="payment_method",
                 target_id=method.id, org_code=owner.org_code, before={}, after=_public(method))
    return method


def set_default_payment_method(session: Session, *, actor: audit.Actor, owner: Owner,
                               payment_method_id: str) -> PaymentMethod:
    """Make the card the one charged for the plan. One audit event `payment_method.default_set`.

    Raises NotFound; Conflict (ALREADY_DEFAULT) if it is the default already.
    """
    method = get_payment_method(session, owner, payment_method_id)
    if method.is_default:
        raise Conflict(say("billing_rules.already_default"), code="ALREADY_DEFAULT")
    previous = default_payment_method(session, owner)
    if method.provider == "stripe":  # Stripe first: nothing is written while it answers
        from portal_ui.billing import stripe_billing

        stripe_billing.on_default_set(session, owner, method)
    if previous is not None:
        previous.is_default = False
        session.add(previous)
        session.flush()
    method.is_default = True
    session.add(method)
    session.flush()
    audit.record(session, actor=actor, action="payment_method.default_set", target_type="payment_method",
                 target_id=method.id, org_code=owner.org_code,
                 before={"default_payment_method": previous.id if previous else None},
                 after={"default_payment_method": method.id, "brand": method.brand, "last4": method.last4})
    return method


def remove_payment_method(session: Session, *, actor: audit.Actor, owner: Owner, payment_method_id: str) -> None:
    """Delete the card; if it was the default, the newest other card becomes the default.

    One audit event `payment_method.removed`. Raises NotFound; Conflict (LAST_PAYMENT_METHOD) for
    the last card while a paid plan is active.
    """
    method = get_payment_method(session, owner, payment_method_id)
    others = [m for m in list_payment_methods(session, owner) if m.id != method.id]
    if not others and paid_plan_active(session, owner):
        raise Conflict(say("billing_rules.last_card"), code="LAST_PAYMENT_METHOD")
    if method.provider == "stripe":  # Stripe first: nothing is written while it answers
        from portal_ui.billing import stripe_billing

        stripe_billing.on_removed(session, owner, method, _successor(method, others))
    forget_card(session, actor=actor, owner=owner, method=method)


def _successor(method: PaymentMethod, others: list[PaymentMethod]) -> PaymentMethod | None:
    """The card that becomes the default when `method` goes: the newest of `others` if `method` was
    the default, else none."""
    return max(others, key=lambda m: (m.created_on, m.id)) if method.is_default and others else None


def forget_card(session: Session, *, actor: audit.Actor, owner: Owner, method: PaymentMethod) -> PaymentMethod | None:
    """Delete the card's row; if it was the default, the newest other card becomes the default
    (returned). One audit event `payment_method.removed`. No provider is told (see
    remove_payment_method; a card Stripe reports detached is already gone there)."""
    others = [m for m in list_payment_methods(session, owner) if m.id != method.id]
    before = _public(method)
    promoted = _successor(method, others)
    session.delete(method)
    session.flush()
    if promoted is not None:
        promoted.is_default = True
        session.add(promoted)
        session.flush()
    audit.record(session, actor=actor, action="payment_method.removed", target_type="payment_method",
                 target_id=method.id, org_code=owner.org_code, before=before,
                 after={"new_default_payment_method": promoted.id} if promoted else {})
    return promoted


def charge_default(session: Session, owner: Owner, *, amount_minor: int, currency: str,
                   description: str) -> Charge:
    """Charge the owner's default card through its provider. A missing or expired card, or a
    decline, is an unsuccessful Charge (not an exception). Nothing to charge (a fully discounted
    invoice) succeeds without asking the provider."""
    if amount_minor <= 0:
        return Charge(True, "")
    method = default_payment_method(session, owner)
    if method is None:
        return Charge(False, say("billing_rules.charge.no_card"))
    label = card_label(method)
    if is_expired(method.exp_month, method.exp_year, utcnow().date()):
        return Charge(False, say("billing_rules.charge.card_expired", card=card_text(method)), provider=method.provider,
                      paid_with=label)
    result: ChargeResult = get_provider(method.provider).charge(
        card_ref=method.provider_ref, amount_minor=amount_minor, currency=currency, description=description)
    return Charge(result.succeeded, result.message, provider=method.provider, ref=result.ref, paid_with=label)
