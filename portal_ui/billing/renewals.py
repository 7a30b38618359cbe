"""Time-driven billing: period ends that have passed (renewals, scheduled changes, cancellations).

No scheduler is needed: `settle_due` runs before every read or change of a subscription, and
`settle_all_due` can run from a periodic job. Renewals charge the default card; a decline leaves
the invoice open and the subscription past due until `invoices.pay_open_invoices` succeeds.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from portal_ui.billing.invoices import has_open_invoices, issue_invoice, line
from portal_ui.billing.owner import Owner
from portal_ui.billing.payment_methods import charge_default
from portal_ui.billing.periods import add_interval
from portal_ui.domain import audit
from portal_ui.domain.clock import as_utc, utcnow
from portal_ui.i18n import FALLBACK, format_date
from portal_ui.models import Invoice, Plan, Subscription

SYSTEM = audit.Actor.system("billing")
LIVE_STATUSES = ("active", "past_due")
MAX_CATCH_UP = 36  # periods settled per call; a later call continues


def day_label(value: datetime | None, lang: str = FALLBACK) -> str:
    """The day of `value` as the portal shows it ("7 Mar 2026"), in `lang`."""
    return "" if value is None else format_date(as_utc(value), lang)


def period_end_of(sub: Subscription) -> datetime | None:
    return as_utc(sub.current_period_end) if sub.current_period_end else None


def is_live(sub: Subscription | None) -> bool:
    return sub is not None and sub.status in LIVE_STATUSES


def snapshot(sub: Subscription | None) -> dict:
    if sub is None:
        return {}
    return {"plan_key": sub.plan_key, "pending_plan_key": sub.pending_plan_key, "status": sub.status,
            "current_period_end": sub.current_period_end, "cancel_at_period_end": sub.cancel_at_period_end}


def get_subscription(session: Session, owner: Owner, *, lock: bool = False) -> Subscription | None:
    """The owner's subscription row in any status (no settling); `lock` holds it until commit."""
    statement = select(Subscription).where(owner.where(Subscription))
    if lock:
        statement = statement.with_for_update().execution_options(populate_existing=True)
    return session.exec(statement).first()


def settle_due(session: Session, owner: Owner, *, now: datetime | None = None) -> list[Invoice]:
    """Apply every period end that has passed: end a cancelled plan, switch to a scheduled plan, or
    renew; each paid period is charged to the default card and invoiced (open if declined, and the
    subscription is then past due). One audit event per period (by the system actor "billing";
    free renewals record none). Returns the invoices issued."""
    now = now or utcnow()
    sub = get_subscription(session, owner)
    end = period_end_of(sub) if is_live(sub) and not sub.provider_ref else None
    if end is None or end > now:
        return []  # the common case: nothing due, no lock taken (a provider, Stripe, renews its own)
    sub = get_subscription(session, owner, lock=True)
    issued: list[Invoice] = []
    for _ in range(MAX_CATCH_UP):
        end = period_end_of(sub) if is_live(sub) and not sub.provider_ref else None
        if end is None or end > now:
            break
        before = snapshot(sub)
        if sub.cancel_at_period_end:
            sub.status, sub.ended_on, sub.cancel_at_period_end, sub.pending_plan_key = "canceled", end, False, None
            action, invoice = "ended", None
        else:
            plan = session.get(Plan, sub.pending_plan_key or sub.plan_key)
            action = "renewed" if plan.key == sub.plan_key else "plan_changed"
            sub.plan_key, sub.pending_plan_key = plan.key, None
            sub.current_period_start, sub.current_period_end = end, add_interval(end, plan.interval)
            invoice = _bill_period(session, owner, sub, plan) if plan.amount_minor > 0 else None
            if invoice is not None:
                issued.append(invoice)
            sub.status = "past_due" if has_open_invoices(session, owner) else "active"
        sub.updated_on = now
        session.add(sub)
        session.flush()
        if action == "renewed" and invoice is None:
            continue
        after = {**snapshot(sub), **({"invoice_number": invoice.number, "invoice_status": invoice.status}
                                      if invoice is not None else {})}
        audit.record(session, actor=SYSTEM, action=f"subscription.{action}", target_type="subscription",
                     target_id=sub.id, org_code=owner.org_code, before=before, after=after)
    return issued


def _bill_period(session: Session, owner: Owner, sub: Subscription, plan: Plan) -> Invoice:
    start, end = as_utc(sub.current_period_start), period_end_of(sub)
    charge = charge_default(session, owner, amount_minor=plan.amount_minor, currency=plan.currency,
                            description=f"{plan.name} renewal")
    return issue_invoice(session, owner, lines=[line(f"{plan.name}, {day_label(start)} to {day_label(end)}", plan.amount_minor)],
                         currency=plan.currency, status="paid" if charge.succeeded else "open", plan_key=plan.key,
                         period_start=start, period_end=end, paid_with=charge.paid_with if charge.succeeded else "",
                         provider=charge.provider, provider_ref=charge.ref)


def settle_all_due(session: Session, *, now: datetime | None = None) -> list[Invoice]:
    """`settle_due` for every owner with a period end that has passed (for a periodic job)."""
    now = now or utcnow()
    due = session.exec(select(Subscription).where(col(Subscription.status).in_(LIVE_STATUSES),
                                                  col(Subscription.provider_ref).is_(None),
                                                  col(Subscription.current_period_end) <= now)).all()
    issued: list[Invoice] = []
    for sub in due:
        issued += settle_due(session, Owner(user_id=sub.user_id, org_code=sub.org_code), now=now)
    return issued
