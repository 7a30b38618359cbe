"""Billing periods and the plan-change rule (pure functions, no database).

The rule *(portal_ui)*, shown to the person before they confirm:
- **start**: with no running plan, or from a free plan, the new plan starts now; a paid plan is
  charged in full now for a period from now to now + its interval.
- **upgrade**: from a paid plan to one with the same interval and currency and a higher price,
  the change is immediate; the period keeps its dates and today's charge is the difference for
  the time left: new price x time left / period length minus the same for the old price (each
  rounded down to the minor unit).
- **scheduled**: any other change (cheaper, free, another interval or currency) takes effect at
  the end of the current period, when the new plan is charged in full. Nothing is charged now.
- **undo**: choosing the current plan while a change or a cancellation is scheduled drops it.
Periods add calendar months (a year is 12), clamped to the month's last day, so a period
starting on 31 January ends on 28 (or 29) February.
"""

from __future__ import annotations

from calendar import monthrange
from dataclasses import dataclass
from datetime import datetime

from portal_ui.models import Plan

INTERVAL_MONTHS = {"month": 1, "year": 12}


def add_interval(start: datetime, interval: str) -> datetime | None:
    """The end of a period of `interval` starting at `start`; None for a plan without interval."""
    months = INTERVAL_MONTHS.get(interval)
    if months is None:
        return None
    total = start.month - 1 + months
    year, month = start.year + total // 12, total % 12 + 1
    return start.replace(year=year, month=month, day=min(start.day, monthrange(year, month)[1]))


def change_kind(current: Plan | None, new: Plan, *, running: bool) -> str:
    """"start", "upgrade" or "scheduled" for a change from `current` (None: no plan) to `new`.

    `running`: the current plan is live (active or past due) and has a period end.
    """
    if current is None or not running or current.amount_minor == 0:
        return "start"
    if (new.interval == current.interval and new.currency == current.currency
            and new.amount_minor > current.amount_minor):
        return "upgrade"
    return "scheduled"


@dataclass(frozen=True)
class Proration:
    unused_credit: int  # minor units of the old plan not used (subtracted)
    new_charge: int  # minor units of the new plan for the time left
    seconds_left: int
    seconds_total: int

    @property
    def amount(self) -> int:
        return self.new_charge - self.unused_credit

    @property
    def days_left(self) -> int:
        return -(-self.seconds_left // 86400)

    @property
    def days_total(self) -> int:
        return -(-self.seconds_total // 86400)


def prorate(old_amount: int, new_amount: int, start: datetime, end: datetime, now: datetime) -> Proration:
    """The upgrade charge for the time left in [start, end) at `now` (integer arithmetic only)."""
    total = max(int((end - start).total_seconds()), 1)
    left = min(max(int((end - now).total_seconds()), 0), total)
    return Proration(unused_credit=old_amount * left // total, new_charge=new_amount * left // total,
                     seconds_left=left, seconds_total=total)
