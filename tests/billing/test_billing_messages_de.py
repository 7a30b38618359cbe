"""Billing refusals, summaries and invoice lines come from the catalogue ("billing_rules"): English
as the API returns it, German for a German tab."""

from datetime import date, datetime, timezone

import pytest

from portal_ui.billing.invoices import invoice_pdf, line, line_description
from portal_ui.billing.provider import TestCardProvider
from portal_ui.billing.quotes import Discount, day_label
from portal_ui.billing.subscriptions import change_plan, preview_cancel, preview_change
from portal_ui.domain.data_export import export_user_data
from portal_ui.domain.errors import InvalidInput
from portal_ui.ui.state.billing_view import cancel_summary, change_summary, change_view

from tests.billing.conftest import ACTOR, AMEX, CHARGE_DECLINED, VISA, card
from tests.pdf_text import pdf_text


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


def test_invoice_lines_in_german_on_the_preview_and_the_pdf_and_as_written_elsewhere(session, org, user, plans):
    card(session, org, VISA)
    started = change_plan(session, actor=ACTOR, owner=org, plan_key="pro_monthly")
    session.commit()
    period = started.invoice.lines[0]
    start, end = started.preview.period_start, started.preview.period_end
    assert period["description"] == f"Pro (monthly), {day_label(start)} to {day_label(end)}"  # English, as written
    german = f"Pro (monthly), {day_label(start, 'de')} bis {day_label(end, 'de')}"
    assert line_description(period, "de") == german and line_description(period) == period["description"]
    pdf = pdf_text(invoice_pdf(session, org, started.invoice.id, lang="de")[1])
    assert german in pdf and "per Visa mit Endziffern 4242." in pdf and "ending" not in pdf

    upgrade = change_view(preview_change(session, org, "business"), lang="de")
    [charge, credit] = [row.description for row in upgrade.lines]
    assert charge.startswith("Business, verbleibende ") and charge.endswith(" Tagen")
    assert credit == "Nicht genutzte Zeit für Pro (monthly)"
    english = [row.description for row in change_view(preview_change(session, org, "business")).lines]
    assert english[1] == "Unused time on Pro (monthly)"
    discount = line(Discount(25, "Stay with us", datetime(2027, 6, 1, tzinfo=timezone.utc)).message, -475)
    assert discount["description"] == "Stay with us (25% off)"
    assert line_description(discount, "de") == "Stay with us (25 % Rabatt)".replace(" ", " ")
    # A line written before lines kept their message, or by Stripe, reads as it was written.
    assert line_description({"description": "Pro, 1 Jan 2026 to 1 Feb 2026", "amount_minor": 1900}, "de") == (
        "Pro, 1 Jan 2026 to 1 Feb 2026")
    # The data export has the lines as written, without what the portal keeps for other languages.
    card(session, user, VISA)
    own = change_plan(session, actor=ACTOR, owner=user, plan_key="pro_monthly").invoice
    session.commit()
    exported = export_user_data(session, "kp_payer")["invoices"]
    assert [x["lines"] for x in exported] == [[{"description": own.lines[0]["description"], "amount_minor": 1900}]]
