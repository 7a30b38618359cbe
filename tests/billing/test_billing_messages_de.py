"""Billing refusals and summaries come from the catalogue ("billing_rules"): English as the API
returns it, German for a German tab."""

from datetime import date

import pytest

from portal_ui.billing.provider import TestCardProvider
from portal_ui.billing.subscriptions import change_plan, preview_cancel, preview_change
from portal_ui.domain.errors import InvalidInput
from portal_ui.ui.state.billing_view import cancel_summary, change_summary

from tests.billing.conftest import ACTOR, AMEX, CHARGE_DECLINED, VISA, card


def test_card_refusals_in_german():
    provider = TestCardProvider()
    with pytest.raises(InvalidInput) as err:
        provider.add_card(number="4242424242424241", exp_month=12, exp_year=2030, cvc="123", today=date(2026, 6, 15))
    assert (err.value.code, err.value.message) == ("INVALID_CARD_NUMBER",
                                                   "Card number: this number is not valid; check the digits.")
    assert err.value.localized("de") == "Kartennummer: Diese Nummer ist ungültig; bitte prüfen Sie die Ziffern."
    with pytest.raises(InvalidInput) as err:
        provider.add_card(number=AMEX, exp_month=12, exp_year=2030, cvc="123", today=date(2026, 6, 15))
    assert err.value.message == "Security code: enter the 4 digits on the front of the card."
    assert err.value.localized("de") == "Sicherheitscode: Geben Sie die 4 Ziffern auf der Vorderseite der Karte ein."


def test_a_declined_plan_change_and_the_summaries_in_german(session, org, plans):
    card(session, org, CHARGE_DECLINED)
    with pytest.raises(InvalidInput) as err:
        change_plan(session, actor=ACTOR, owner=org, plan_key="pro_monthly")
    assert err.value.code == "CARD_DECLINED"
    assert err.value.message == ("The payment of $19.00 did not go through: The card was declined. "
                                 "Your plan has not changed.")
    assert err.value.localized("de") == ("Die Zahlung von 19,00\u00a0$ ist nicht durchgegangen: Die Karte wurde "
                                         "abgelehnt. Ihr Tarif wurde nicht geändert.")
    card(session, org, VISA, make_default=True)
    preview = preview_change(session, org, "pro_monthly")
    assert change_summary(preview) == preview.summary  # English: the domain's summary, as the API has it
    assert change_summary(preview, "de").startswith("Pro (monthly) beginnt heute. Sie zahlen jetzt 19,00\u00a0$, danach "
                                                    "19,00\u00a0$ / Monat ab dem ")
    change_plan(session, actor=ACTOR, owner=org, plan_key="pro_monthly")
    session.commit()
    cancel = preview_cancel(session, org)
    assert cancel_summary(cancel) == cancel.summary
    assert cancel_summary(cancel, "de").startswith("Pro (monthly) bleibt bis zum ")
