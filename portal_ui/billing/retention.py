"""Cancelling with a reason, and the retention coupon offered once per subscription.

Someone cancelling picks a reason from a fixed list (and may add a short comment); the reason is
stored on the subscription and sent with the audit event (`subscription.cancel_scheduled`, a
webhook too). If the portal settings hold a `retention_coupon` (percent off for a number of
months), it is offered once per subscription before the cancellation is confirmed: accepting
keeps the plan running and discounts the invoices of periods starting in the next months
(`portal_ui.billing.quotes.Discount`); declining (cancelling anyway) uses up the offer too. For a
subscription Stripe runs, accepting gives it a Stripe coupon (percent off, repeating for the
months), and the discount lasts as long as Stripe says (its `end`: the months from today), since
Stripe issues those invoices; the portal's row records it the same way, so previews show it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from portal_ui.billing.owner import Owner
from portal_ui.billing.periods import add_interval
from portal_ui.billing.renewals import get_subscription, is_live, period_end_of, settle_due, snapshot
from portal_ui.billing.stripe_billing import apply_retention_coupon, runs_on_stripe
from portal_ui.domain import audit
from portal_ui.domain.clock import utcnow
from portal_ui.domain.errors import Conflict, InvalidInput, say
from portal_ui.domain.portal_settings import retention_coupon
from portal_ui.domain.users import clean_name
from portal_ui.models import Subscription

REASONS = ("too_expensive", "missing_features", "switched_service", "unused", "technical_issues", "other")
COMMENT_MAX = 500


@dataclass(frozen=True)
class RetentionOffer:
    percent_off: int
    duration_months: int
    label: str


def check_reason(reason: object, comment: object) -> tuple[str, str]:
    """(reason, comment) if the reason is one of REASONS and the comment short plain text; else InvalidInput."""
    if not isinstance(reason, str) or reason not in REASONS:
        raise InvalidInput(say("billing_rules.cancel.reason_needed"), code="CANCEL_REASON_REQUIRED")
    text = clean_name(comment, field=say("billing_rules.cancel.comment"), max_len=COMMENT_MAX,
                      code="COMMENT_TOO_LONG")
    return reason, text


def offer_for(session: Session, sub: Subscription | None) -> RetentionOffer | None:
    """The offer for `sub` (see `retention_offer`), without settling first."""
    coupon = retention_coupon(session)
    if coupon is None or not is_live(sub) or sub.cancel_at_period_end or sub.retention_offered_on is not None:
        return None
    if period_end_of(sub) is None:
        return None  # a plan without a period has nothing to discount
    return RetentionOffer(int(coupon["percent_off"]), int(coupon["duration_months"]), str(coupon["label"]))


def retention_offer(session: Session, owner: Owner) -> RetentionOffer | None:
    """The coupon to offer before a cancellation: the settings' `retention_coupon`, unless this
    subscription was offered one before (accepted or declined)."""
    settle_due(session, owner)
    return offer_for(session, get_subscription(session, owner))


def months_after(start: datetime, months: int) -> datetime:
    end = start
    for _ in range(months):
        end = add_interval(end, "month")
    return end


def accept_retention_offer(session: Session, *, actor: audit.Actor, owner: Owner, reason: object,
                           comment: object = "") -> Subscription:
    """Take the coupon instead of cancelling: the plan keeps running, and invoices of periods
    starting before the current period's end plus the coupon's months are discounted (with Stripe:
    invoices Stripe issues before the discount it applied ends, see the module docstring). One audit
    event `subscription.retention_accepted` with the reason given. Raises InvalidInput (reason),
    Conflict (OFFER_UNAVAILABLE: none configured, already offered, or no running plan), ProviderError
    (Stripe did not apply the coupon: nothing changed)."""
    reason, text = check_reason(reason, comment)
    settle_due(session, owner)
    sub = get_subscription(session, owner, lock=True)
    offer = offer_for(session, sub)
    if offer is None:
        raise Conflict(say("billing_rules.cancel.offer_unavailable"), code="OFFER_UNAVAILABLE")
    before, now = snapshot(sub), utcnow()
    if runs_on_stripe(sub):
        ends = apply_retention_coupon(sub, percent_off=offer.percent_off, duration_months=offer.duration_months,
                                      label=offer.label)
        sub.discount_ends_on = ends or months_after(now, offer.duration_months)
    else:
        sub.discount_ends_on = months_after(period_end_of(sub), offer.duration_months)
    sub.retention_offered_on, sub.updated_on = now, now
    sub.discount_percent, sub.discount_label = offer.percent_off, offer.label[:120]
    session.add(sub)
    session.flush()
    audit.record(session, actor=actor, action="subscription.retention_accepted", target_type="subscription",
                 target_id=sub.id, org_code=owner.org_code, before=before,
                 after={**snapshot(sub), "cancel_reason": reason, "cancel_comment": text,
                        "discount_percent": offer.percent_off, "discount_months": offer.duration_months,
                        "discount_label": offer.label, "discount_ends_on": sub.discount_ends_on})
    return sub
