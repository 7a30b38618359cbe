"""The lines of an invoice, computed in one place for the plan change preview and for the invoice
that follows it, so the two cannot differ.

- `period_lines`: a full period of a plan (a start, a renewal, a scheduled change taking effect).
- `upgrade_lines`: an immediate upgrade, prorated (`periods.prorate`): the new plan for the time
  left, less the unused time on the old one.
Both end with the subscription's discount, if it has one for that period (`Discount`, from the
retention offer: a percentage off invoices of periods starting before the discount ends).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from portal_ui.billing.invoices import line
from portal_ui.billing.periods import Proration
from portal_ui.domain.clock import as_utc
from portal_ui.domain.errors import Text, say
from portal_ui.i18n import FALLBACK, format_date
from portal_ui.models import Plan, Subscription


def day_label(value: datetime | None, lang: str = FALLBACK) -> str:
    """The day of `value` as the portal shows it ("7 Mar 2026"), in `lang`."""
    return "" if value is None else format_date(as_utc(value), lang)


@dataclass(frozen=True)
class Discount:
    percent: int  # 1-100
    label: str
    ends_on: datetime  # applies to periods starting before this moment

    def applies(self, period_start: datetime) -> bool:
        return as_utc(period_start) < as_utc(self.ends_on)

    def amount_off(self, subtotal: int) -> int:
        """The percentage of `subtotal`, rounded to the nearest minor unit (halves up)."""
        return (subtotal * self.percent + 50) // 100 if subtotal > 0 else 0

    @property
    def message(self) -> Text:
        """The discount's invoice line ("Stay with us (25% off)"), on the portal's invoices and on
        the copies of Stripe's (`stripe_billing.invoice_lines`), in any language."""
        return say("billing_rules.line.discount", label=self.label, percent=self.percent)


def discount_of(sub: Subscription | None) -> Discount | None:
    if sub is None or not sub.discount_percent or sub.discount_ends_on is None:
        return None
    return Discount(sub.discount_percent, sub.discount_label, as_utc(sub.discount_ends_on))


def _with_discount(lines: list[dict], discount: Discount | None, period_start: datetime) -> tuple[dict, ...]:
    if discount is not None and discount.applies(period_start):
        off = discount.amount_off(sum(x["amount_minor"] for x in lines))
        if off:
            lines.append(line(discount.message, -off))
    return tuple(lines)


def period_lines(plan: Plan, start: datetime, end: datetime | None, discount: Discount | None) -> tuple[dict, ...]:
    """A full period of `plan` from `start` to `end`, then the discount."""
    text = (say("billing_rules.line.period", plan=plan.name, start=as_utc(start), end=as_utc(end)) if end is not None
            else plan.name)
    return _with_discount([line(text, plan.amount_minor)], discount, start)


def upgrade_lines(current: Plan, plan: Plan, proration: Proration, now: datetime,
                  discount: Discount | None) -> tuple[dict, ...]:
    """An immediate upgrade from `current` to `plan` at `now`: the charge and credit of `proration`,
    then the discount."""
    return _with_discount([line(say("billing_rules.line.remaining", plan=plan.name, left=proration.days_left,
                                    total=proration.days_total), proration.new_charge),
                           line(say("billing_rules.line.unused", plan=current.name), -proration.unused_credit)],
                          discount, now)


def total(lines: tuple[dict, ...] | list[dict]) -> int:
    return sum(int(x["amount_minor"]) for x in lines)
