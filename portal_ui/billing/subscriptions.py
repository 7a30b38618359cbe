"""Subscriptions: the owner's current plan, previewing and making a plan change, cancel, resume.

The change rule is in `portal_ui.billing.periods`. Time-driven events (renewals, scheduled
changes, cancellations taking effect) happen in `renewals.settle_due`, which every function here
runs first, so a page that shows the plan always shows it up to date without a scheduler; the
caller commits as usual.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from portal_ui.billing import stripe_billing
from portal_ui.billing.invoices import issue_invoice
from portal_ui.billing.money import Money
from portal_ui.billing.owner import Owner, require_owner
from portal_ui.billing.payment_methods import charge_default, default_payment_method
from portal_ui.billing.periods import add_interval, change_kind, prorate
from portal_ui.billing.plans import get_plan, price_text
from portal_ui.billing.provider import CardDeclined
from portal_ui.billing.retention import RetentionOffer, check_reason, offer_for
from portal_ui.billing.quotes import discount_of, period_lines, total, upgrade_lines
from portal_ui.billing.renewals import (LIVE_STATUSES, get_subscription, is_live, period_end_of,
                                        settle_all_due, settle_due, snapshot)
from portal_ui.domain import audit
from portal_ui.domain.portal_settings import retention_coupon
from portal_ui.domain.clock import as_utc, utcnow
from portal_ui.domain.errors import Conflict, InvalidInput, Text, say
from portal_ui.domain.secrets import new_id
from portal_ui.models import Invoice, Plan, Subscription


QUOTE_VALID = timedelta(hours=1)  # how long a previewed price holds

__all__ = ["CancelPreview", "ChangePreview", "ChangeResult", "CurrentPlan", "cancel_at_period_end", "change_plan",
           "current_plan", "get_subscription", "preview_cancel", "preview_change", "resume", "settle_all_due",
           "settle_due"]


@dataclass(frozen=True)
class CurrentPlan:
    """What the plan page shows. `plan` is the current (or, once canceled, the last) plan."""

    subscription: Subscription | None
    plan: Plan | None
    pending_plan: Plan | None  # takes over at period_end
    status: str  # none|active|past_due|canceled
    period_start: datetime | None
    period_end: datetime | None
    cancel_at_period_end: bool

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES

    @property
    def renews_on(self) -> datetime | None:
        return self.period_end if self.is_live and not self.cancel_at_period_end else None

    @property
    def ends_on(self) -> datetime | None:
        return self.period_end if self.is_live and self.cancel_at_period_end else None


def current_plan(session: Session, owner: Owner) -> CurrentPlan:
    """The owner's plan after settling anything due."""
    settle_due(session, owner)
    sub = get_subscription(session, owner)
    if sub is None:
        return CurrentPlan(None, None, None, "none", None, None, False)
    pending = session.get(Plan, sub.pending_plan_key) if sub.pending_plan_key else None
    return CurrentPlan(sub, session.get(Plan, sub.plan_key), pending, sub.status,
                       as_utc(sub.current_period_start), period_end_of(sub), sub.cancel_at_period_end)


@dataclass(frozen=True)
class ChangePreview:
    """What choosing `plan` changes and when; `change_plan` does exactly this."""

    kind: str  # start|upgrade|scheduled|undo (see periods.py)
    plan: Plan
    current: Plan | None
    effective_on: datetime
    amount_due_now: int  # minor units of plan.currency charged today
    currency: str
    lines: tuple[dict, ...]  # the invoice lines of today's charge
    period_start: datetime | None  # what today's charge covers
    period_end: datetime | None
    next_charge_on: datetime | None
    next_charge_amount: int  # the total of next_lines
    needs_payment_method: bool
    has_payment_method: bool
    summary: str  # English
    summary_text: str | Text = ""  # the summary as a catalogue message, for any language ("": use `summary`)
    next_lines: tuple[dict, ...] = ()  # the lines of the invoice issued on next_charge_on
    quoted_at: datetime | None = None  # the moment the change is priced at (give it to change_plan)

    @property
    def takes_effect_later(self) -> bool:
        """A downgrade or interval change: it waits for the end of the period."""
        return self.kind == "scheduled"


def _join(first: Text, then: Text) -> Text:
    """Two sentences, one after the other."""
    return say("billing_rules.summary.join", first=first, then=then)


def _next_period(plan: Plan, start: datetime | None, discount) -> tuple[datetime | None, tuple[dict, ...]]:
    """When the invoice after this change is issued and its lines: `plan`'s period from `start`."""
    if start is None or plan.amount_minor <= 0:
        return None, ()
    return start, period_lines(plan, start, add_interval(start, plan.interval), discount)


def _preview(session: Session, owner: Owner, sub: Subscription | None, plan: Plan, now: datetime) -> ChangePreview:
    """The change to `plan` at `now`. Today's lines and the next invoice's come from
    `portal_ui.billing.quotes`, which also makes the invoices themselves; for a subscription Stripe
    runs, from Stripe's own invoice preview (`stripe_billing.preview_lines`), since Stripe makes them."""
    current = session.get(Plan, sub.plan_key) if is_live(sub) else None
    end = period_end_of(sub) if is_live(sub) else None
    if current is not None and current.key == plan.key:
        if not (sub.pending_plan_key or sub.cancel_at_period_end):
            raise Conflict(say("billing_rules.already_on_plan", plan=plan.name), code="ALREADY_ON_PLAN")
        kind = "undo"
    elif not plan.active:
        raise InvalidInput(say("billing_rules.plan_not_offered", plan=plan.name), code="PLAN_NOT_AVAILABLE")
    elif is_live(sub) and sub.pending_plan_key == plan.key and not sub.cancel_at_period_end:
        raise Conflict(say("billing_rules.change_already_scheduled", plan=plan.name), code="CHANGE_ALREADY_SCHEDULED")
    else:
        kind = change_kind(current, plan, running=end is not None)
    discount = discount_of(sub)
    paid = plan.amount_minor > 0
    from_stripe = stripe_billing.preview_lines(session, owner, sub, plan, kind, now, end)
    cur = current.name if current else ""
    lines: tuple[dict, ...] = ()
    start, period_end, effective = None, None, now
    if kind == "start":
        start, period_end = now, add_interval(now, plan.interval)
        if paid:
            lines = period_lines(plan, now, period_end, discount)
        next_on, next_lines = _next_period(plan, period_end, discount)
        head = (say("billing_rules.summary.changes_today", current=cur, plan=plan.name) if current
                else say("billing_rules.summary.starts_today", plan=plan.name))
        tail = (say("billing_rules.summary.pay_then", amount=Money(total(lines), plan.currency),
                    price=price_text(plan), date=period_end) if paid
                else say("billing_rules.summary.nothing_to_pay"))
        summary = _join(head, tail)
    elif kind == "upgrade":
        start, period_end = now, end
        if from_stripe is not None:
            (lines, next_lines), next_on = from_stripe, end
        else:
            p = prorate(current.amount_minor, plan.amount_minor, as_utc(sub.current_period_start), end, now)
            lines = upgrade_lines(current, plan, p, now, discount)
            next_on, next_lines = _next_period(plan, end, discount)
        summary = _join(say("billing_rules.summary.changes_today", current=cur, plan=plan.name),
                        say("billing_rules.summary.pay_rest", amount=Money(total(lines), plan.currency),
                            price=price_text(plan), date=end))
    elif kind == "scheduled":
        effective = end
        next_on, next_lines = _next_period(plan, end, discount)
        if from_stripe is not None:
            next_lines = from_stripe[1]
        summary = _join(say("billing_rules.summary.changes_on", current=cur, plan=plan.name, date=end),
                        say("billing_rules.summary.pay_later", price=price_text(plan), date=end) if paid
                        else say("billing_rules.summary.nothing_to_pay"))
    else:  # undo
        next_on, next_lines = _next_period(plan, end, discount)
        if from_stripe is not None:
            next_lines = from_stripe[1]
        summary = say("billing_rules.summary.undo_cancel" if sub.cancel_at_period_end
                      else "billing_rules.summary.undo_change", plan=plan.name)
        if next_lines:
            summary = _join(summary, say("billing_rules.summary.next_payment",
                                         amount=Money(total(next_lines), plan.currency), date=end))
    return ChangePreview(kind=kind, plan=plan, current=current, effective_on=effective,
                         amount_due_now=total(lines), currency=plan.currency,
                         lines=lines, period_start=start, period_end=period_end, next_charge_on=next_on,
                         next_charge_amount=total(next_lines), needs_payment_method=paid,
                         has_payment_method=default_payment_method(session, owner) is not None, summary=str(summary),
                         summary_text=summary, next_lines=next_lines, quoted_at=now)


def _quote_time(quoted_at: datetime | None, sub: Subscription | None, now: datetime) -> datetime:
    """The moment a change is priced at: `quoted_at`, the moment of the preview the person confirmed
    (so the invoice is exactly what they were shown), when it is recent and in the current period;
    `now` without one. A preview older than QUOTE_VALID or from before the period renewed is a
    Conflict (PREVIEW_EXPIRED): the person looks at the change again."""
    if quoted_at is None:
        return now
    when = as_utc(quoted_at) if isinstance(quoted_at, datetime) else None
    start = as_utc(sub.current_period_start) if is_live(sub) else None
    if when is None or when > now or now - when > QUOTE_VALID or (start is not None and when < start):
        raise Conflict(say("billing_rules.preview_expired"), code="PREVIEW_EXPIRED")
    return when


def preview_change(session: Session, owner: Owner, plan_key: str) -> ChangePreview:
    """What choosing `plan_key` would change and when, for the confirmation dialog.

    Raises NotFound (plan), InvalidInput (PLAN_NOT_AVAILABLE), Conflict (ALREADY_ON_PLAN,
    CHANGE_ALREADY_SCHEDULED, PREVIEW_UNAVAILABLE: Stripe did not price a change of a subscription it runs).
    """
    plan = get_plan(session, plan_key)
    settle_due(session, owner)
    return _preview(session, owner, get_subscription(session, owner), plan, utcnow())


@dataclass(frozen=True)
class ChangeResult:
    preview: ChangePreview
    subscription: Subscription
    invoice: Invoice | None  # the invoice of today's charge, if any


def _apply_locally(session: Session, owner: Owner, sub: Subscription | None, plan: Plan, preview: ChangePreview,
                   now: datetime) -> tuple[Subscription, Invoice | None]:
    """The portal's own engine: charge today's amount through the card's provider, update the row."""
    charge = None
    if preview.amount_due_now > 0:
        charge = charge_default(session, owner, amount_minor=preview.amount_due_now, currency=plan.currency,
                                description=f"{plan.name} ({preview.kind})")
        if not charge.succeeded:
            raise CardDeclined(say("billing_rules.payment_failed", reason=charge.message,
                                   amount=Money(preview.amount_due_now, plan.currency)))
    if sub is None:
        sub = Subscription(id=new_id("sub"), **owner.columns(), plan_key=plan.key, current_period_start=now,
                           created_on=now, updated_on=now)
    if preview.kind == "start":
        sub.plan_key, sub.status, sub.ended_on = plan.key, "active", None
        sub.current_period_start, sub.current_period_end = preview.period_start, preview.period_end
    elif preview.kind == "upgrade":
        sub.plan_key = plan.key
    sub.pending_plan_key = plan.key if preview.kind == "scheduled" else None
    sub.cancel_at_period_end = False
    sub.updated_on = now
    session.add(sub)
    session.flush()
    invoice = None
    if charge is not None:
        invoice = issue_invoice(session, owner, lines=preview.lines, currency=plan.currency, status="paid",
                                plan_key=plan.key, period_start=preview.period_start, period_end=preview.period_end,
                                paid_with=charge.paid_with, provider=charge.provider, provider_ref=charge.ref)
    return sub, invoice


def change_plan(session: Session, *, actor: audit.Actor, owner: Owner, plan_key: str,
                quoted_at: datetime | None = None) -> ChangeResult:
    """Make the change `preview_change` describes, priced at the preview's `quoted_at` (see
    `_quote_time`), so today's invoice has exactly the preview's lines: charge today's amount to the default card and
    issue its invoice, or schedule the change (Stripe-run subscriptions: through Stripe, see
    `stripe_billing.apply_change`, which has Stripe prorate at that same moment). One audit event
    (`subscription.started`, `.plan_changed`, `.change_scheduled` or `.change_undone`).

    Raises what preview_change raises, Conflict (PREVIEW_EXPIRED), NotFound (owner), InvalidInput (PAYMENT_METHOD_REQUIRED for
    a paid plan without a default card), CardDeclined (nothing is changed).
    """
    require_owner(session, owner)
    plan = get_plan(session, plan_key)
    settle_due(session, owner)
    sub = get_subscription(session, owner, lock=True)
    now = utcnow()
    preview = _preview(session, owner, sub, plan, _quote_time(quoted_at, sub, now))
    if preview.needs_payment_method and not preview.has_payment_method:
        raise InvalidInput(say("billing_rules.card_needed_for_paid_plan"), code="PAYMENT_METHOD_REQUIRED")
    before = snapshot(sub)
    if stripe_billing.uses_stripe_for(sub, plan, preview.kind):
        # Only a start (or an upgrade of a plan Stripe does not run yet) makes a new Stripe subscription.
        starts = quoted_at is not None and preview.kind in ("start", "upgrade")
        key = stripe_billing.confirmation_key(session, owner, plan, quoted_at) if starts else None
        sub, invoice = stripe_billing.apply_change(session, owner=owner, sub=sub, plan=plan, kind=preview.kind, now=now,
                                                   priced_at=preview.quoted_at, idempotency_key=key)
        session.add(sub)
        session.flush()
    else:
        sub, invoice = _apply_locally(session, owner, sub, plan, preview, now)
    action = {"start": "started", "upgrade": "plan_changed", "scheduled": "change_scheduled",
              "undo": "change_undone"}[preview.kind]
    after = {**snapshot(sub), "amount_due_now": preview.amount_due_now, "currency": plan.currency}
    if invoice is not None:
        after["invoice_number"] = invoice.number
        after["amount_charged"] = invoice.amount_minor
    audit.record(session, actor=actor, action=f"subscription.{action}", target_type="subscription",
                 target_id=sub.id, org_code=owner.org_code, before=before, after=after)
    return ChangeResult(preview, sub, invoice)


@dataclass(frozen=True)
class CancelPreview:
    plan: Plan
    ends_on: datetime | None  # None: ends at once (a plan without a period)
    summary: str  # English
    summary_text: str | Text = ""  # the summary as a catalogue message, for any language ("": use `summary`)
    offer: RetentionOffer | None = None  # the retention coupon to offer before confirming


def preview_cancel(session: Session, owner: Owner) -> CancelPreview:
    """What cancelling means, for the confirmation dialog. Raises Conflict (NO_ACTIVE_PLAN,
    ALREADY_CANCELED)."""
    settle_due(session, owner)
    sub = _cancellable(get_subscription(session, owner))
    plan, end = session.get(Plan, sub.plan_key), period_end_of(sub)
    summary = (say("billing_rules.summary.ends_now", plan=plan.name) if end is None
               else say("billing_rules.summary.ends_later", plan=plan.name, date=end))
    return CancelPreview(plan, end, str(summary), summary, offer_for(session, sub))


def _cancellable(sub: Subscription | None) -> Subscription:
    if not is_live(sub):
        raise Conflict(say("billing_rules.no_plan_to_cancel"), code="NO_ACTIVE_PLAN")
    if sub.cancel_at_period_end:
        raise Conflict(say("billing_rules.already_set_to_end"), code="ALREADY_CANCELED")
    return sub


def cancel_at_period_end(session: Session, *, actor: audit.Actor, owner: Owner, reason: str | None = None,
                         comment: str = "") -> Subscription:
    """End the plan at the end of the current period (at once for a plan without a period); any
    scheduled change is dropped. `reason` (one of `retention.REASONS`) and `comment` are stored and
    go with the audit event `subscription.cancel_scheduled` (or `.ended`); a retention offer not
    taken is used up. Raises InvalidInput (reason, comment), Conflict (NO_ACTIVE_PLAN, ALREADY_CANCELED)."""
    if reason is not None:
        reason, comment = check_reason(reason, comment)
    settle_due(session, owner)
    sub = _cancellable(get_subscription(session, owner, lock=True))
    before, now = snapshot(sub), utcnow()
    declined = reason is not None and retention_coupon(session) is not None and sub.retention_offered_on is None
    if stripe_billing.runs_on_stripe(sub):
        stripe_billing.set_cancel(sub, True)
    sub.pending_plan_key, sub.updated_on = None, now
    sub.cancel_reason, sub.cancel_comment = reason, comment if reason is not None else ""
    if declined:
        sub.retention_offered_on = now
    if sub.current_period_end is None:
        sub.status, sub.ended_on, action = "canceled", now, "ended"
    else:
        sub.cancel_at_period_end, action = True, "cancel_scheduled"
    session.add(sub)
    session.flush()
    after = {**snapshot(sub), **({"cancel_reason": reason, "cancel_comment": comment} if reason is not None else {})}
    audit.record(session, actor=actor, action=f"subscription.{action}", target_type="subscription",
                 target_id=sub.id, org_code=owner.org_code, before=before, after=after)
    return sub


def resume(session: Session, *, actor: audit.Actor, owner: Owner) -> Subscription:
    """Undo a cancellation before the period ends. One audit event `subscription.resumed`.

    Raises Conflict (PLAN_ENDED once it has ended, NOT_CANCELED if nothing to undo), InvalidInput
    (PAYMENT_METHOD_REQUIRED for a paid plan without a default card).
    """
    settle_due(session, owner)
    sub = get_subscription(session, owner, lock=True)
    if sub is not None and sub.status == "canceled":
        raise Conflict(say("billing_rules.plan_ended"), code="PLAN_ENDED")
    if not is_live(sub) or not sub.cancel_at_period_end:
        raise Conflict(say("billing_rules.not_set_to_end"), code="NOT_CANCELED")
    plan = session.get(Plan, sub.plan_key)
    if plan.amount_minor > 0 and default_payment_method(session, owner) is None:
        raise InvalidInput(say("billing_rules.card_needed_to_keep_plan"), code="PAYMENT_METHOD_REQUIRED")
    before = snapshot(sub)
    if stripe_billing.runs_on_stripe(sub):
        stripe_billing.set_cancel(sub, False)
    sub.cancel_at_period_end, sub.updated_on = False, utcnow()
    session.add(sub)
    session.flush()
    audit.record(session, actor=actor, action="subscription.resumed", target_type="subscription",
                 target_id=sub.id, org_code=owner.org_code, before=before, after=snapshot(sub))
    return sub
