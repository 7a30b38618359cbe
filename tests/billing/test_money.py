"""Money is integer minor units, formatted per currency and per the portal's language (Babel)."""

import pytest
from babel.numbers import get_currency_precision

from portal_ui.billing.money import CURRENCIES, Money, exponent, format_money, normalize_currency, to_minor
from portal_ui.domain.errors import InvalidInput, say

NB = "\u00a0"


@pytest.mark.parametrize("amount,currency,text", [
    (1900, "USD", "$19.00"), (123456789, "USD", "$1,234,567.89"), (5, "USD", "$0.05"), (0, "USD", "$0.00"),
    (1999, "EUR", "€19.99"), (100000, "EUR", "€1,000.00"), (1500, "JPY", "¥1,500"), (7, "JPY", "¥7"),
    (1250, "GBP", "£12.50"), (1250, "CHF", f"CHF{NB}12.50"), (12345, "KWD", f"KWD{NB}12.345"), (-500, "USD", "-$5.00"),
    (1999, "eur", "€19.99"),
])
def test_format_money(amount, currency, text):
    assert format_money(amount, currency) == text


def test_format_without_symbol_uses_the_code():
    assert format_money(1999, "EUR", symbol=False) == f"EUR{NB}19.99"
    assert format_money(1500, "JPY", symbol=False) == f"JPY{NB}1,500"
    assert format_money(1999, "EUR", symbol=False, lang="de") == f"19,99{NB}EUR"


@pytest.mark.parametrize("amount,currency,text", [
    (1900, "USD", f"19,00{NB}$"), (1999, "EUR", f"19,99{NB}€"), (123456789, "EUR", f"1.234.567,89{NB}€"),
    (1500, "JPY", f"1.500{NB}¥"), (1250, "CHF", f"12,50{NB}CHF"), (-500, "EUR", f"-5,00{NB}€"),
])
def test_german_amounts_follow_german_conventions(amount, currency, text):
    assert format_money(amount, currency, lang="de") == text


def test_an_amount_in_a_message_follows_the_language_it_is_rendered_in():
    text = say("billing_rules.price.per_interval", amount=Money(1900, "EUR"), interval="month")
    assert text.render("en") == "€19.00 / month"
    assert text.render("de") == f"19,00{NB}€ / month"


def test_babel_agrees_with_the_table_of_exponents():
    assert {code: get_currency_precision(code) for code in CURRENCIES} == CURRENCIES


def test_exponents_follow_iso_4217():
    assert (exponent("USD"), exponent("EUR"), exponent("JPY"), exponent("KWD")) == (2, 2, 0, 3)


@pytest.mark.parametrize("bad", ["", "XXX", "US", "dollars", None, 840])
def test_unknown_currency_is_refused(bad):
    with pytest.raises(InvalidInput) as err:
        normalize_currency(bad)
    assert err.value.code == "INVALID_CURRENCY"


def test_to_minor():
    assert to_minor("19.99", "USD") == 1999
    assert to_minor("19.9", "USD") == 1990
    assert to_minor("1,500", "JPY") == 1500
    assert to_minor("7", "EUR") == 700
    for bad, currency in (("1.5", "JPY"), ("1.999", "USD"), ("abc", "USD"), ("-1", "USD"), ("1.", "USD")):
        with pytest.raises(InvalidInput):
            to_minor(bad, currency)
