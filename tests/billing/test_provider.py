"""The test provider: Luhn, brands, expiry, CVC format, declines; it returns no card data."""

from datetime import date

import pytest

from portal_ui.billing.provider import (BillingProvider, CardDeclined, TestCardProvider, brand_of, get_provider,
                                        luhn_ok)
from portal_ui.domain.errors import InvalidInput

TODAY = date(2026, 6, 15)
provider = TestCardProvider()


def add(number="4242424242424242", month=12, year=2030, cvc="123"):
    return provider.add_card(number=number, exp_month=month, exp_year=year, cvc=cvc, today=TODAY)


def test_it_is_the_test_provider():
    assert isinstance(provider, BillingProvider) and get_provider("test").is_test
    assert provider.name == "test" and "test" in provider.label.lower()


@pytest.mark.parametrize("number,ok", [
    ("4242424242424242", True), ("4242424242424241", False), ("79927398713", True), ("79927398710", False),
    ("378282246310005", True), ("378282246310006", False), ("0000000000000000", True),
])
def test_luhn(number, ok):
    assert luhn_ok(number) is ok


@pytest.mark.parametrize("number,brand", [
    ("4242424242424242", "visa"), ("5555555555554444", "mastercard"), ("2223003122003222", "mastercard"),
    ("378282246310005", "amex"), ("6011111111111117", "discover"), ("3566002020360505", "jcb"),
    ("3056930009020004", "diners"), ("6200000000000005", "unionpay"), ("9999999999999995", None),
    ("42424242424242424", None),
])
def test_brand_detection(number, brand):
    assert brand_of(number) == brand


def test_accepts_a_test_card_and_keeps_only_brand_last4_expiry():
    card = add("4242 4242 4242 4242", month="04", year="31")
    assert (card.brand, card.last4, card.exp_month, card.exp_year, card.provider) == ("visa", "4242", 4, 2031, "test")
    assert card.ref.startswith("tok_test_") and "4242424242424242" not in repr(card)
    assert set(vars(card)) == {"provider", "ref", "brand", "last4", "exp_month", "exp_year"}


def test_the_ref_is_new_each_time():
    assert add().ref != add().ref


@pytest.mark.parametrize("number,code", [
    ("4242424242424241", "INVALID_CARD_NUMBER"), ("4242", "INVALID_CARD_NUMBER"), ("abcd efgh ijkl mnop",
                                                                                  "INVALID_CARD_NUMBER"),
    ("", "INVALID_CARD_NUMBER"), ("9999999999999995", "UNSUPPORTED_CARD_BRAND"),
    ("4012888888881881", "NOT_A_TEST_CARD"),
])
def test_bad_numbers(number, code):
    with pytest.raises(InvalidInput) as err:
        add(number)
    assert err.value.code == code
    assert not number or number.replace(" ", "") not in err.value.message


def test_decline_number_is_declined():
    with pytest.raises(CardDeclined) as err:
        add("4000000000000002")
    assert err.value.code == "CARD_DECLINED" and "4000000000000002" not in str(err.value)


@pytest.mark.parametrize("month,year,code", [
    (5, 2026, "CARD_EXPIRED"), (12, 2025, "CARD_EXPIRED"), (13, 2030, "INVALID_EXPIRY"), (0, 2030, "INVALID_EXPIRY"),
    ("ab", 2030, "INVALID_EXPIRY"), (1, 2080, "INVALID_EXPIRY"), (1, 1999, "INVALID_EXPIRY"),
])
def test_expiry(month, year, code):
    with pytest.raises(InvalidInput) as err:
        add(month=month, year=year)
    assert err.value.code == code


def test_expiry_this_month_is_still_valid():
    assert add(month=6, year=2026).exp_month == 6


@pytest.mark.parametrize("number,cvc,ok", [
    ("4242424242424242", "123", True), ("4242424242424242", "1234", False), ("4242424242424242", "12", False),
    ("4242424242424242", "12a", False), ("4242424242424242", "", False), ("378282246310005", "1234", True),
    ("378282246310005", "123", False), ("4242424242424242", "١٢٣", False),
])
def test_cvc_format(number, cvc, ok):
    if ok:
        add(number, cvc=cvc)
    else:
        with pytest.raises(InvalidInput) as err:
            add(number, cvc=cvc)
        assert err.value.code == "INVALID_CVC"
        assert not cvc or cvc not in err.value.message


def test_charges():
    good, failing = add(), add("4000000000000341")
    ok = provider.charge(card_ref=good.ref, amount_minor=1900, currency="USD", description="Pro")
    assert ok.succeeded and ok.ref.startswith("ch_test_")
    assert not provider.charge(card_ref=failing.ref, amount_minor=1900, currency="USD", description="Pro").succeeded
    assert not provider.charge(card_ref="tok_live_x", amount_minor=1900, currency="USD", description="Pro").succeeded
