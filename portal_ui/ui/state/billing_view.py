"""What the billing pages show, as plain values built from the billing domain (no Reflex, no database).

Each function turns domain objects into the small dataclasses the billing state holds in its
public vars. Nothing here holds card data beyond what the domain keeps (brand, last four digits,
expiry), and every row belongs to the one owner the caller asked the domain about.

The words come from the "billing" catalogue (portal_ui/i18n/<lang>/billing.json): each builder takes
the tab's language as `lang` (English by default). Sentences the domain makes (prices, card labels,
plan change and cancel summaries) come from the domain as catalogue messages ("billing_rules") and
are only rendered here. Amounts and dates are written in `lang` (Babel).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from portal_ui.billing.invoices import STATUSES, line_description
from portal_ui.billing.money import format_money
from portal_ui.billing.payment_methods import card_text as _card_text, expiry_label
from portal_ui.billing.plans import price_text as _price_text
from portal_ui.billing.provider import is_expired
from portal_ui.billing.profile import BillingDetails
from portal_ui.billing.quotes import day_label, discount_of
from portal_ui.billing.tax_ids import TYPES as TAX_ID_TYPES
from portal_ui.billing.subscriptions import CancelPreview, ChangePreview, CurrentPlan
from portal_ui.domain.clock import as_utc, utcnow
from portal_ui.domain.errors import render
from portal_ui.i18n import FALLBACK, catalogue, translate
from portal_ui.models import Invoice, PaymentMethod, Plan
from portal_ui.paths import INVOICE_PDF

STATUSES_LABELLED = ("active", "past_due", "canceled", "none")  # billing.status.<status>


def _tr(lang: str, name: str, /, **values: object) -> str:
    """The billing catalogue's message `name` in `lang` (English when `lang` lacks it)."""
    return translate(lang, f"billing.{name}", **values)


def price_text(plan: Plan, lang: str = FALLBACK) -> str:
    """"Free", "$19.00 / month", "$190.00 / year" or "$49.00" (no interval), in `lang` (the domain's words)."""
    return render(_price_text(plan), lang)


def card_text(method: PaymentMethod, lang: str = FALLBACK) -> str:
    """"Visa ending 4242", in `lang` (the domain's words)."""
    return _card_text(method).render(lang)


def provider_text(provider, lang: str = FALLBACK) -> str:
    """The payment provider's name for the UI (the catalogue's words for the known ones)."""
    key = f"billing.provider.{getattr(provider, 'name', '')}"
    return translate(lang, key) if key in catalogue(FALLBACK) else provider.label


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
    discount: str = ""  # a retention discount still to come: "Half price: 50% off invoices of periods starting before …"
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
    hosted_url: str = ""  # the provider's own page of the invoice (Stripe's), if any
    external_pdf: bool = False  # the download leads to the provider's PDF (Stripe's), in a new tab


@dataclass
class LineRow:
    """One line of an invoice (or of the preview of one)."""

    description: str = ""
    amount: str = ""


@dataclass
class TaxIdRow:
    type: str = ""
    value: str = ""  # compact, as stored
    kind: str = ""  # "EU VAT number"
    number: str = ""  # as printed


@dataclass
class ChangeView:
    """The plan change confirmation: what changes, what is paid today, and when it takes effect;
    the lines of today's invoice and of the next one, as the invoices will have them."""

    plan_key: str = ""
    plan_name: str = ""
    kind: str = ""  # start|upgrade|scheduled|undo: "undo" keeps the current plan
    summary: str = ""
    due_now: str = ""
    effective: str = ""
    confirm: str = ""  # the confirm button's words
    needs_card: bool = False  # a paid plan, and no card on file: confirming would fail
    lines: list[LineRow] = field(default_factory=list)  # today's invoice
    total: str = ""
    next_title: str = ""  # "Next invoice, 4 Jan 2027"
    next_lines: list[LineRow] = field(default_factory=list)
    next_total: str = ""
    later_note: str = ""  # a downgrade or interval change: when it takes effect, and that nothing is charged now


def plan_view(current: CurrentPlan, lang: str = FALLBACK) -> PlanView:
    """The current plan card for `current` (status "none" when the owner never had a plan)."""
    plan = current.plan
    if plan is None:
        return PlanView(status_label=_tr(lang, "status.none"))
    status_label = (_tr(lang, f"status.{current.status}") if current.status in STATUSES_LABELLED
                    else current.status.title())
    view = PlanView(name=plan.name, price=price_text(plan, lang), description=plan.description,
                    features=list(plan.features or []), status=current.status, status_label=status_label)
    if current.period_start and current.period_end and current.is_live:
        view.period = _tr(lang, "period", start=day_label(current.period_start, lang), end=day_label(current.period_end, lang))
    if current.status == "canceled":
        ended = current.subscription.ended_on if current.subscription else None
        view.next_step = (_tr(lang, "next.ended_on", plan=plan.name, date=day_label(as_utc(ended), lang)) if ended
                          else _tr(lang, "next.ended", plan=plan.name))
    elif current.ends_on is not None:
        view.status, view.status_label = "ending", _tr(lang, "status.ends", date=day_label(current.ends_on, lang))
        view.next_step = _tr(lang, "next.ends", plan=plan.name, date=day_label(current.ends_on, lang))
        view.resumable = True
    elif current.pending_plan is not None and current.renews_on is not None:
        view.next_step = _tr(lang, "next.changes", plan=current.pending_plan.name,
                             date=day_label(current.renews_on, lang), price=price_text(current.pending_plan, lang))
    elif current.renews_on is not None and plan.amount_minor > 0:
        view.next_step = _tr(lang, "next.renews_at", date=day_label(current.renews_on, lang), price=price_text(plan, lang))
    elif current.renews_on is not None:
        view.next_step = _tr(lang, "next.renews", date=day_label(current.renews_on, lang))
    else:
        view.next_step = _tr(lang, "next.no_renewal")
    discount = discount_of(current.subscription)
    if discount is not None and current.is_live and current.period_end and discount.applies(current.period_end):
        view.discount = _tr(lang, "discount", label=discount.label, percent=discount.percent,
                            date=day_label(discount.ends_on, lang))
    view.cancelable = current.is_live and not current.cancel_at_period_end and current.period_end is not None
    if current.status == "past_due":
        view.next_step += " " + _tr(lang, "next.payment_due")
    return view


def plan_choices(plans: list[Plan], current: CurrentPlan, lang: str = FALLBACK) -> list[PlanChoice]:
    """The picker's cards: the current plan and a scheduled one are marked, with what choosing each does."""
    live = current.is_live and current.plan is not None
    undo_possible = live and (current.pending_plan is not None or current.cancel_at_period_end)
    out = []
    for plan in plans:
        choice = PlanChoice(key=plan.key, name=plan.name, price=price_text(plan, lang), description=plan.description,
                            features=list(plan.features or []), action=_tr(lang, "choice.choose"))
        if live and plan.key == current.plan.key:
            choice.badge, choice.current = _tr(lang, "choice.current_badge"), True
            choice.action, choice.selectable = ((_tr(lang, "choice.keep"), True) if undo_possible
                                                else (_tr(lang, "choice.current"), False))
        elif live and current.pending_plan is not None and plan.key == current.pending_plan.key:
            choice.badge, choice.pending = _tr(lang, "choice.starts", date=day_label(current.period_end, lang)), True
            choice.action, choice.selectable = _tr(lang, "choice.scheduled"), False
        out.append(choice)
    return out


def change_summary(preview: ChangePreview, lang: str = FALLBACK) -> str:
    """What a plan change does, in `lang`: the domain's summary (English `preview.summary` when the
    preview carries no catalogue message)."""
    return render(preview.summary_text or preview.summary, lang)


def cancel_summary(preview: CancelPreview, lang: str = FALLBACK) -> str:
    """What cancelling means, in `lang`: the domain's summary."""
    return render(preview.summary_text or preview.summary, lang)


def change_view(preview: ChangePreview, now: datetime | None = None, lang: str = FALLBACK) -> ChangeView:
    """The confirmation dialog's contents for a plan change."""
    now = now or utcnow()
    effective = as_utc(preview.effective_on)
    today = effective.date() <= now.date()
    if preview.kind == "undo":
        confirm = _tr(lang, "confirm.keep", plan=preview.plan.name)
    elif preview.kind == "scheduled":
        confirm = _tr(lang, "confirm.schedule")
    elif preview.amount_due_now > 0:
        confirm = _tr(lang, "confirm.pay", amount=format_money(preview.amount_due_now, preview.currency, lang=lang))
    else:
        confirm = _tr(lang, "confirm.switch", plan=preview.plan.name)
    def rows(lines) -> list[LineRow]:
        return [LineRow(line_description(x, lang), format_money(int(x["amount_minor"]), preview.currency, lang=lang))
                for x in lines]

    later = (_tr(lang, "preview.later", plan=preview.plan.name, current=preview.current.name if preview.current else "",
                 date=day_label(effective, lang)) if preview.takes_effect_later else "")
    return ChangeView(plan_key=preview.plan.key, plan_name=preview.plan.name, kind=preview.kind,
                      lines=rows(preview.lines), total=format_money(preview.amount_due_now, preview.currency, lang=lang),
                      next_title=(_tr(lang, "preview.next", date=day_label(preview.next_charge_on, lang))
                                  if preview.next_lines else ""),
                      next_lines=rows(preview.next_lines),
                      next_total=format_money(preview.next_charge_amount, preview.currency, lang=lang),
                      later_note=later,
                      summary=change_summary(preview, lang),
                      due_now=format_money(preview.amount_due_now, preview.currency, lang=lang),
                      effective=_tr(lang, "effective.today") if today else day_label(effective, lang), confirm=confirm,
                      needs_card=preview.needs_payment_method and not preview.has_payment_method
                      and preview.kind != "undo")


def card_rows(methods: list[PaymentMethod], now: datetime | None = None, lang: str = FALLBACK) -> list[CardRow]:
    today = (now or utcnow()).date()
    return [CardRow(id=m.id, label=card_text(m, lang), expiry=expiry_label(m), is_default=m.is_default,
                    expired=is_expired(m.exp_month, m.exp_year, today)) for m in methods]


def invoice_rows(invoices: list[Invoice], lang: str = FALLBACK) -> list[InvoiceRow]:
    return [InvoiceRow(id=i.id, number=i.number, date=day_label(i.issued_on, lang),
                       amount=format_money(i.amount_minor, i.currency, lang=lang), status=i.status,
                       status_label=_tr(lang, f"invoice_status.{i.status}") if i.status in STATUSES else i.status,
                       url=INVOICE_PDF.format(invoice_id=i.id), hosted_url=i.hosted_url or "",
                       external_pdf=bool(i.pdf_url)) for i in invoices]


def tax_id_rows(details: BillingDetails, lang: str = FALLBACK) -> list[TaxIdRow]:
    """The owner's tax IDs with their kind and printed form (a free-text organization tax ID has no kind)."""
    return [TaxIdRow(type=x.type, value=x.value,
                     kind=translate(lang, f"billing_rules.tax_id.type.{x.type}") if x.type else _tr(lang, "tax.other"),
                     number=x.display) for x in details.tax_ids]


def tax_type_options(lang: str = FALLBACK) -> list[tuple[str, str]]:
    return [(kind, translate(lang, f"billing_rules.tax_id.type.{kind}")) for kind in TAX_ID_TYPES]


def offer_texts(preview: CancelPreview, lang: str = FALLBACK) -> tuple[str, str]:
    """The retention offer's title and sentence ("", "" when there is none)."""
    offer = preview.offer
    if offer is None:
        return "", ""
    return offer.label, _tr(lang, "cancel.offer_text", plan=preview.plan.name, percent=offer.percent_off,
                            months=offer.duration_months)
