"""The plan-change rule and period arithmetic (pure functions)."""

from datetime import datetime, timezone

import pytest

from portal_ui.billing.periods import add_interval, change_kind, prorate
from portal_ui.models import Plan


def at(y, m, d):
    return datetime(y, m, d, 12, tzinfo=timezone.utc)


def plan(key, amount, interval="month", currency="USD"):
    return Plan(key=key, name=key, amount_minor=amount, currency=currency, interval=interval, created_on=at(2026, 1, 1))


@pytest.mark.parametrize("start,interval,end", [
    (at(2026, 1, 15), "month", at(2026, 2, 15)), (at(2026, 1, 31), "month", at(2026, 2, 28)),
    (at(2028, 1, 31), "month", at(2028, 2, 29)), (at(2026, 12, 10), "month", at(2027, 1, 10)),
    (at(2028, 2, 29), "year", at(2029, 2, 28)), (at(2026, 3, 1), "year", at(2027, 3, 1)), (at(2026, 3, 1), "none", None),
])
def test_add_interval(start, interval, end):
    assert add_interval(start, interval) == end


@pytest.mark.parametrize("current,new,running,kind", [
    (None, plan("pro", 1900), False, "start"),
    (plan("free", 0, "none"), plan("pro", 1900), False, "start"),
    (plan("free", 0), plan("pro", 1900), True, "start"),
    (plan("pro", 1900), plan("biz", 9900), True, "upgrade"),
    (plan("pro", 1900), plan("biz", 9900), False, "start"),
    (plan("biz", 9900), plan("pro", 1900), True, "scheduled"),
    (plan("pro", 1900), plan("free", 0, "none"), True, "scheduled"),
    (plan("pro", 1900), plan("pro_y", 19000, "year"), True, "scheduled"),
    (plan("pro", 1900), plan("biz_eur", 9900, currency="EUR"), True, "scheduled"),
])
def test_change_kind(current, new, running, kind):
    assert change_kind(current, new, running=running) == kind


def test_prorate_half_a_period():
    p = prorate(1900, 9900, at(2026, 6, 1), at(2026, 7, 1), at(2026, 6, 16))
    assert (p.unused_credit, p.new_charge, p.amount, p.days_left, p.days_total) == (950, 4950, 4000, 15, 30)


def test_prorate_rounds_down_and_stays_in_the_period():
    p = prorate(1000, 2000, at(2026, 6, 1), at(2026, 7, 1), datetime(2026, 6, 1, 12, 0, 1, tzinfo=timezone.utc))
    assert p.amount == p.new_charge - p.unused_credit and 0 <= p.amount <= 1000
    assert prorate(1000, 2000, at(2026, 6, 1), at(2026, 7, 1), at(2026, 8, 1)).amount == 0
