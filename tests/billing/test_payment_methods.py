"""Payment methods: first card is default, set default, remove, and the last-card rule."""

import pytest

from portal_ui.billing.payment_methods import (MAX_PAYMENT_METHODS, default_payment_method, list_payment_methods,
                                               remove_payment_method, set_default_payment_method)
from portal_ui.billing.provider import CardDeclined
from portal_ui.billing.subscriptions import cancel_at_period_end, change_plan
from portal_ui.domain.errors import Conflict, InvalidInput, NotFound

from tests.billing.conftest import ACTOR, DECLINED, MASTERCARD, VISA, card, events


def test_first_card_becomes_default_and_only_safe_fields_are_kept(session, org):
    first = card(session, org)
    second = card(session, org, MASTERCARD)
    assert first.is_default and not second.is_default
    assert (first.brand, first.last4, first.exp_month) == ("visa", "4242", 12)
    assert [m.id for m in list_payment_methods(session, org)] == [first.id, second.id]
    [added, _] = events(session, "payment_method.")
    assert added.action == "payment_method.added" and added.org_code == "org_acme"
    assert set(added.after) == {"brand", "last4", "exp_month", "exp_year", "is_default", "provider"}


def test_make_default_when_adding(session, org):
    card(session, org)
    second = card(session, org, MASTERCARD, make_default=True)
    assert default_payment_method(session, org).id == second.id
    assert sum(m.is_default for m in list_payment_methods(session, org)) == 1


def test_set_default(session, org):
    first, second = card(session, org), card(session, org, MASTERCARD)
    set_default_payment_method(session, actor=ACTOR, owner=org, payment_method_id=second.id)
    session.commit()
    assert default_payment_method(session, org).id == second.id and not first.is_default
    with pytest.raises(Conflict):
        set_default_payment_method(session, actor=ACTOR, owner=org, payment_method_id=second.id)
    assert events(session, "payment_method.default_set")[0].after["default_payment_method"] == second.id


def test_declined_or_invalid_card_adds_nothing(session, org):
    with pytest.raises(CardDeclined):
        card(session, org, DECLINED)
    with pytest.raises(InvalidInput):
        card(session, org, "4242424242424241")
    assert list_payment_methods(session, org) == [] and events(session, "payment_method.") == []


def test_removing_the_default_promotes_another(session, org):
    first, second = card(session, org), card(session, org, MASTERCARD)
    remove_payment_method(session, actor=ACTOR, owner=org, payment_method_id=first.id)
    session.commit()
    assert [(m.id, m.is_default) for m in list_payment_methods(session, org)] == [(second.id, True)]


def test_last_card_cannot_go_while_a_paid_plan_is_active(session, org, plans):
    only = card(session, org)
    change_plan(session, actor=ACTOR, owner=org, plan_key="pro_monthly")
    session.commit()
    with pytest.raises(Conflict) as err:
        remove_payment_method(session, actor=ACTOR, owner=org, payment_method_id=only.id)
    assert err.value.code == "LAST_PAYMENT_METHOD"
    cancel_at_period_end(session, actor=ACTOR, owner=org)  # still active until the period ends
    with pytest.raises(Conflict):
        remove_payment_method(session, actor=ACTOR, owner=org, payment_method_id=only.id)
    other = card(session, org, MASTERCARD)
    remove_payment_method(session, actor=ACTOR, owner=org, payment_method_id=only.id)
    assert [m.id for m in list_payment_methods(session, org)] == [other.id] and other.is_default


def test_last_card_can_go_on_a_free_plan(session, org, plans):
    only = card(session, org)
    change_plan(session, actor=ACTOR, owner=org, plan_key="free")
    remove_payment_method(session, actor=ACTOR, owner=org, payment_method_id=only.id)
    assert list_payment_methods(session, org) == []


def test_cards_belong_to_one_owner(session, org, user):
    org_card = card(session, org)
    user_card = card(session, user)
    assert [m.id for m in list_payment_methods(session, user)] == [user_card.id] and user_card.is_default
    with pytest.raises(NotFound):
        remove_payment_method(session, actor=ACTOR, owner=user, payment_method_id=org_card.id)
    with pytest.raises(NotFound):
        set_default_payment_method(session, actor=ACTOR, owner=user, payment_method_id="pm_missing")


def test_unknown_owner(session):
    from portal_ui.billing.owner import Owner
    with pytest.raises(NotFound):
        card(session, Owner.org("org_ghost"))
    with pytest.raises(InvalidInput):
        Owner(user_id="kp_x", org_code="org_x")
    with pytest.raises(InvalidInput):
        Owner()


def test_at_most_max_cards(session, org):
    for _ in range(MAX_PAYMENT_METHODS):
        card(session, org)
    with pytest.raises(Conflict):
        card(session, org)
