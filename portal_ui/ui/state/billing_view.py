"""What the billing pages show, as plain values built from the billing domain (no Reflex, no database).

Each function turns domain objects into the small dataclasses the billing state holds in its
public vars. Nothing here holds card data beyond what the domain keeps (brand, last four digits,
expiry), and every row belongs to the one owner the caller asked the domain about.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from portal_ui.api.invoices import PATH as INVOICE_PATH
from portal_ui.billing.invoices import STATUSES
from portal_ui.billing.money import format_money
from portal_ui.billing.payment_methods import card_label, expiry_label
from portal_ui.billing.plans import price_label
from portal_ui.billing.provider import is_expired
from portal_ui.billing.renewals import day_label
from portal_ui.billing.subscriptions import ChangePreview, CurrentPlan
from portal_ui.domain.clock import as_utc, utcnow
from portal_ui.models import Invoice, PaymentMethod, Plan

STATUS_LABELS = {"active": "Active", "past_due": "Payment due", "canceled": "Ended", "none": "No plan"}


@dataclass
class PlanView:
    """The current plan card."""

    name: str = ""
    price: str = ""
    description: str = ""
    features: list[str] = field(default_factory=list)
    status: str = "none"  # none|active|past_due|canceled|ending
    status_label: str = ""
    period: str = ""  # "1 May 2026 to 1 Jun 2026"
    next_step: str = ""  # what happens at the end of the period
    cancelable: bool = False
    resumable: bool = False


@dataclass
class PlanChoice:
    """One plan in the picker."""

    key: str = ""
    name: str = ""
    price: str = ""
    description: str = ""
    features: list[str] = field(default_factory=list)
    badge: str = ""  # "Current plan", "Starts 1 Jun 2026" or ""
    current: bool = False
    pending: bool = False
    action: str = ""  # the button's words
    selectable: bool = True


@dataclass
class CardRow:
    id: str = ""
    label: str = ""  # "Visa ending 4242"
    expiry: str = ""  # "12/2029"
    is_default: bool = False
    expired: bool = False


@dataclass
class InvoiceRow:
    id: str = ""
    number: str = ""
    date: str = ""
    amount: str = ""
    status: str = ""  # paid|open|void
    status_label: str = ""
    url: str = ""


@dataclass
class ChangeView:
    """The plan change confirmation: what changes, what is paid today, and when it takes effect."""

    plan_key: str = ""
    plan_name: str = ""
    summary: str = ""
    due_now: str = ""
    effective: str = ""
    confirm: str = ""  # the confirm button's words
    needs_card: bool = False  # a paid plan, and no card on file: confirming would fail


def plan_view(current: CurrentPlan) -> PlanView:
    """The current plan card for `current` (status "none" when the owner never had a plan)."""
    plan = current.plan
    if plan is None:
        return PlanView(status_label=STATUS_LABELS["none"])
    view = PlanView(name=plan.name, price=price_label(plan), description=plan.description,
                    features=list(plan.features or []), status=current.status,
                    status_label=STATUS_LABELS.get(current.status, current.status.title()))
    if current.period_start and current.period_end and current.is_live:
        view.period = f"{day_label(current.period_start)} to {day_label(current.period_end)}"
    if current.status == "canceled":
        ended = current.subscription.ended_on if current.subscription else None
        view.next_step = f"{plan.name} ended on {day_label(as_utc(ended))}." if ended else f"{plan.name} has ended."
    elif current.ends_on is not None:
        view.status, view.status_label = "ending", f"Ends {day_label(current.ends_on)}"
        view.next_step = (f"{plan.name} ends on {day_label(current.ends_on)}. You will not be charged again; "
                          "keep the plan to undo this.")
        view.resumable = True
    elif current.pending_plan is not None and current.renews_on is not None:
        view.next_step = (f"Changes to {current.pending_plan.name} on {day_label(current.renews_on)} "
                          f"({price_label(current.pending_plan)}).")
    elif current.renews_on is not None and plan.amount_minor > 0:
        view.next_step = f"Renews on {day_label(current.renews_on)} at {price_label(plan)}."
    elif current.renews_on is not None:
        view.next_step = f"Renews on {day_label(current.renews_on)}."
    else:
        view.next_step = "No renewal: this plan has no billing period."
    view.cancelable = current.is_live and not current.cancel_at_period_end and current.period_end is not None
    if current.status == "past_due":
        view.next_step += " A payment is due: check the payment methods."
    return view


def plan_choices(plans: list[Plan], current: CurrentPlan) -> list[PlanChoice]:
    """The picker's cards: the current plan and a scheduled one are marked, with what choosing each does."""
    live = current.is_live and current.plan is not None
    undo_possible = live and (current.pending_plan is not None or current.cancel_at_period_end)
    out = []
    for plan in plans:
        choice = PlanChoice(key=plan.key, name=plan.name, price=price_label(plan), description=plan.description,
                            features=list(plan.features or []), action="Choose")
        if live and plan.key == current.plan.key:
            choice.badge, choice.current = "Current plan", True
            choice.action, choice.selectable = ("Keep this plan", True) if undo_possible else ("Current plan", False)
        elif live and current.pending_plan is not None and plan.key == current.pending_plan.key:
            choice.badge, choice.pending = f"Starts {day_label(current.period_end)}", True
            choice.action, choice.selectable = "Scheduled", False
        out.append(choice)
    return out


def change_view(preview: ChangePreview, now: datetime | None = None) -> ChangeView:
    """The confirmation dialog's contents for a plan change."""
    now = now or utcnow()
    effective = as_utc(preview.effective_on)
    today = effective.date() <= now.date()
    confirm = {"undo": f"Keep {preview.plan.name}", "scheduled": "Schedule the change"}.get(
        preview.kind, f"Pay {format_money(preview.amount_due_now, preview.currency)} and switch"
        if preview.amount_due_now > 0 else f"Switch to {preview.plan.name}")
    return ChangeView(plan_key=preview.plan.key, plan_name=preview.plan.name, summary=preview.summary,
                      due_now=format_money(preview.amount_due_now, preview.currency),
                      effective="Today" if today else day_label(effective), confirm=confirm,
                      needs_card=preview.needs_payment_method and not preview.has_payment_method
                      and preview.kind != "undo")


def card_rows(methods: list[PaymentMethod], now: datetime | None = None) -> list[CardRow]:
    today = (now or utcnow()).date()
    return [CardRow(id=m.id, label=card_label(m), expiry=expiry_label(m), is_default=m.is_default,
                    expired=is_expired(m.exp_month, m.exp_year, today)) for m in methods]


def invoice_rows(invoices: list[Invoice]) -> list[InvoiceRow]:
    return [InvoiceRow(id=i.id, number=i.number, date=day_label(i.issued_on),
                       amount=format_money(i.amount_minor, i.currency), status=i.status,
                       status_label=i.status.capitalize() if i.status in STATUSES else i.status,
                       url=INVOICE_PATH.format(invoice_id=i.id)) for i in invoices]
