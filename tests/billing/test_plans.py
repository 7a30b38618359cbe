"""The plan catalogue: validation, order, labels, audit."""

import pytest
from sqlmodel import select

from portal_ui.billing.plans import active_plans, create_plan, get_plan, list_plans, price_label
from portal_ui.domain.errors import Conflict, InvalidInput, NotFound
from portal_ui.models import AuditEvent, Plan

from tests.billing.conftest import ACTOR, events

GOOD = dict(key="team", name="Team", amount_minor=4900, currency="eur", interval="month",
            features=["SSO", " Audit log "], description="For teams")


def test_create_plan_and_audit(session):
    plan = create_plan(session, actor=ACTOR, **GOOD)
    session.commit()
    assert (plan.key, plan.currency, plan.features, plan.active) == ("team", "EUR", ["SSO", "Audit log"], True)
    [event] = events(session, "plan.")
    assert event.action == "plan.created" and event.after["plan_key"] == "team" and event.after["amount_minor"] == 4900


@pytest.mark.parametrize("change,code", [
    ({"key": "Bad Key"}, "INVALID_PLAN_KEY"), ({"key": ""}, "INVALID_PLAN_KEY"), ({"name": " "}, "NAME_REQUIRED"),
    ({"amount_minor": -1}, "INVALID_AMOUNT"), ({"amount_minor": 19.0}, "INVALID_AMOUNT"),
    ({"amount_minor": True}, "INVALID_AMOUNT"), ({"amount_minor": 10**12}, "INVALID_AMOUNT"),
    ({"currency": "ZZZ"}, "INVALID_CURRENCY"), ({"interval": "week"}, "INVALID_INTERVAL"),
    ({"interval": "none"}, "INVALID_INTERVAL"), ({"features": "SSO"}, "INVALID_INPUT"),
    ({"features": [""]}, "INVALID_INPUT"), ({"features": ["x" * 201]}, "INVALID_INPUT"),
    ({"features": ["f"] * 31}, "INVALID_INPUT"), ({"active": "yes"}, "INVALID_INPUT"),
    ({"sort_order": 1.5}, "INVALID_INPUT"),
])
def test_create_plan_refuses_bad_values(session, change, code):
    with pytest.raises(InvalidInput) as err:
        create_plan(session, actor=ACTOR, **{**GOOD, **change})
    assert err.value.code == code
    assert session.exec(select(Plan)).all() == [] and session.exec(select(AuditEvent)).all() == []


def test_free_plan_without_interval(session):
    plan = create_plan(session, actor=ACTOR, key="free", name="Free", amount_minor=0, currency="USD", interval="none")
    assert price_label(plan) == "Free"


def test_plan_key_is_unique(session):
    create_plan(session, actor=ACTOR, **GOOD)
    with pytest.raises(Conflict) as err:
        create_plan(session, actor=ACTOR, **GOOD)
    assert err.value.code == "PLAN_ALREADY_EXISTS"


def test_catalogue_order_and_filters(session, plans):
    create_plan(session, actor=ACTOR, **{**GOOD, "active": False, "sort_order": 5})
    assert [p.key for p in active_plans(session)] == ["free", "pro_monthly", "pro_yearly", "business"]
    assert [p.key for p in list_plans(session).items] == ["free", "team", "pro_monthly", "pro_yearly", "business"]
    assert [p.key for p in list_plans(session, active=False).items] == ["team"]
    page = list_plans(session, page_size=2)
    assert len(page.items) == 2 and page.next_token


def test_price_labels(session, plans):
    assert price_label(get_plan(session, "pro_monthly")) == "$19.00 / month"
    assert price_label(get_plan(session, "pro_yearly")) == "$190.00 / year"
    with pytest.raises(NotFound):
        get_plan(session, "nope")
