"""Payment providers, and the built-in test provider.

A `BillingProvider` turns card input into a reusable reference (`add_card`) and charges that
reference (`charge`). portal_ui keeps only what `CardDetails` holds: provider name, reference,
brand, last four digits and expiry. The full number and the CVC are used inside `add_card` and
dropped: never stored, logged, put in an error message or returned.

`TestCardProvider` ("test") is the provider of the embedded default and of the tests. It accepts
only well-known test card numbers (e.g. 4242 4242 4242 4242), takes no real payment and says so.
PORTAL_BILLING_PROVIDER=stripe makes `StripeProvider` (portal_ui/billing/stripe_provider.py) the
default: it never sees card numbers, and it runs subscriptions itself (`manages_subscriptions`).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import date
from typing import Protocol, runtime_checkable

from portal_ui.domain.errors import InvalidInput, Text, say

MAX_YEARS_AHEAD = 20


class CardDeclined(InvalidInput):
    code = "CARD_DECLINED"


@dataclass(frozen=True)
class CardDetails:
    """All that is kept of a card."""

    provider: str
    ref: str
    brand: str
    last4: str
    exp_month: int
    exp_year: int


@dataclass(frozen=True)
class ChargeResult:
    succeeded: bool
    ref: str = ""
    message: str | Text = ""  # why a charge failed (a catalogue message: shown to the payer)


@runtime_checkable
class BillingProvider(Protocol):
    name: str  # stored with each payment method and invoice
    label: str  # shown in the UI
    is_test: bool

    def add_card(self, *, number: str, exp_month: int | str, exp_year: int | str, cvc: str,
                 today: date) -> CardDetails:
        """Validate the card and return its reference; raise InvalidInput / CardDeclined."""

    def charge(self, *, card_ref: str, amount_minor: int, currency: str, description: str) -> ChargeResult:
        """Take `amount_minor` from the card; a decline is a result, not an exception."""


# --- card checks shared by any provider that sees raw card input ---------------------------------

_BRANDS: tuple[tuple[str, re.Pattern[str], tuple[int, ...]], ...] = (
    ("amex", re.compile(r"^3[47]"), (15,)),
    ("diners", re.compile(r"^3(?:0[0-5]|[689])"), (14, 16)),
    ("jcb", re.compile(r"^35(?:2[89]|[3-8]\d)"), (16,)),
    ("visa", re.compile(r"^4"), (13, 16, 19)),
    ("mastercard", re.compile(r"^(?:5[1-5]|2(?:2[2-9][1-9]|2[3-9]\d|[3-6]\d\d|7[01]\d|720))"), (16,)),
    ("discover", re.compile(r"^(?:6011|65|64[4-9])"), (16, 19)),
    ("unionpay", re.compile(r"^62"), (16, 17, 18, 19)),
)
BRAND_NAMES = {"amex": "American Express", "diners": "Diners Club", "jcb": "JCB", "visa": "Visa",
               "mastercard": "Mastercard", "discover": "Discover", "unionpay": "UnionPay"}


def digits_of(number: object) -> str:
    """The card number without spaces or dashes; InvalidInput unless 12-19 digits remain."""
    text = re.sub(r"[\s-]", "", number) if isinstance(number, str) else ""
    if not text.isdigit() or not 12 <= len(text) <= 19 or not text.isascii():
        raise InvalidInput(say("billing_rules.card_number_digits"), code="INVALID_CARD_NUMBER")
    return text


def luhn_ok(digits: str) -> bool:
    """The Luhn (mod 10) checksum that every card number carries."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def brand_of(digits: str) -> str | None:
    """"visa", "mastercard", ... from the number's prefix and length; None if unknown."""
    for brand, prefix, lengths in _BRANDS:
        if prefix.match(digits) and len(digits) in lengths:
            return brand
    return None


def _int(value: object, field: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().isdigit() and len(value.strip()) <= 4:
        return int(value.strip())
    key = "billing_rules.expiry_month_not_a_number" if field == "month" else "billing_rules.expiry_year_not_a_number"
    raise InvalidInput(say(key), code="INVALID_EXPIRY")


def check_expiry(exp_month: object, exp_year: object, today: date) -> tuple[int, int]:
    """(month, four-digit year) if the card is valid through the end of that month; else InvalidInput."""
    month, year = _int(exp_month, "month"), _int(exp_year, "year")
    if year < 100:
        year += 2000
    if not 1 <= month <= 12 or not 2000 <= year <= today.year + MAX_YEARS_AHEAD:
        raise InvalidInput(say("billing_rules.expiry_out_of_range"), code="INVALID_EXPIRY")
    if (year, month) < (today.year, today.month):
        raise InvalidInput(say("billing_rules.card_expired"), code="CARD_EXPIRED")
    return month, year


def check_cvc(cvc: object, brand: str) -> None:
    """Four digits for American Express, three for other brands; else InvalidInput."""
    want = 4 if brand == "amex" else 3
    if not isinstance(cvc, str) or not cvc.isascii() or not cvc.isdigit() or len(cvc) != want:
        raise InvalidInput(say("billing_rules.cvc_front" if want == 4 else "billing_rules.cvc_back", digits=want),
                           code="INVALID_CVC")


def is_expired(exp_month: int, exp_year: int, today: date) -> bool:
    return (exp_year, exp_month) < (today.year, today.month)


# --- the test provider -----------------------------------------------------------------------------

# Well-known public test numbers. Only these are accepted, so that nobody types a real card into an
# installation that takes no real payments.
TEST_CARDS_OK = frozenset({
    "4242424242424242", "4000056655665556", "4111111111111111", "5555555555554444", "2223003122003222",
    "5105105105105100", "378282246310005", "371449635398431", "6011111111111117", "3056930009020004",
    "3566002020360505", "6200000000000005",
})
DECLINED_CARD = "4000000000000002"  # refused when added
CHARGE_DECLINED_CARD = "4000000000000341"  # added fine, every charge declined
_REF_OK, _REF_FAILS = "tok_test_", "tok_test_fails_"


class TestCardProvider:
    """The test provider: accepts test card numbers only; no real payment is ever taken.

    4242 4242 4242 4242 (and the other TEST_CARDS_OK) work; 4000 0000 0000 0002 is declined when
    added; 4000 0000 0000 0341 is accepted but every charge on it is declined.
    """

    __test__ = False  # not a pytest class
    name = "test"
    label = "Test provider (test cards only, no real payments)"
    is_test = True

    def add_card(self, *, number: str, exp_month: int | str, exp_year: int | str, cvc: str,
                 today: date) -> CardDetails:
        digits = digits_of(number)
        if not luhn_ok(digits):
            raise InvalidInput(say("billing_rules.card_number_invalid"), code="INVALID_CARD_NUMBER")
        brand = brand_of(digits)
        if brand is None:
            raise InvalidInput(say("billing_rules.card_brand_unsupported"), code="UNSUPPORTED_CARD_BRAND")
        month, year = check_expiry(exp_month, exp_year, today)
        check_cvc(cvc, brand)
        if digits == DECLINED_CARD:
            raise CardDeclined(say("billing_rules.card_declined"))
        if digits not in TEST_CARDS_OK and digits != CHARGE_DECLINED_CARD:
            raise InvalidInput(say("billing_rules.not_a_test_card"), code="NOT_A_TEST_CARD")
        prefix = _REF_FAILS if digits == CHARGE_DECLINED_CARD else _REF_OK
        return CardDetails(provider=self.name, ref=prefix + secrets.token_hex(12), brand=brand, last4=digits[-4:],
                           exp_month=month, exp_year=year)

    def charge(self, *, card_ref: str, amount_minor: int, currency: str, description: str) -> ChargeResult:
        if not isinstance(card_ref, str) or not card_ref.startswith(_REF_OK):
            return ChargeResult(False, message=say("billing_rules.charge.unknown_card"))
        if card_ref.startswith(_REF_FAILS):
            return ChargeResult(False, message=say("billing_rules.charge.declined"))
        return ChargeResult(True, ref=f"ch_test_{secrets.token_hex(12)}")


_PROVIDERS: dict[str, BillingProvider] = {TestCardProvider.name: TestCardProvider()}
_STRIPE: dict[tuple, BillingProvider] = {}  # one StripeProvider per configuration (its HTTP client is reused)


def _stripe(settings) -> BillingProvider:
    from portal_ui.billing.stripe_provider import StripeProvider

    config = (settings.stripe_secret_key, settings.stripe_publishable_key, settings.stripe_webhook_secret,
              settings.stripe_api_base)
    if config not in _STRIPE:
        _STRIPE.clear()
        _STRIPE[config] = StripeProvider(secret_key=config[0], publishable_key=config[1], webhook_secret=config[2],
                                         api_base=config[3])
    return _STRIPE[config]


def get_provider(name: str = TestCardProvider.name) -> BillingProvider:
    """The provider registered under `name`: "test", or "stripe" while PORTAL_BILLING_PROVIDER is stripe."""
    from portal_ui.settings import get_settings

    settings = get_settings()
    if name == "stripe" and settings.billing_provider == "stripe":
        return _stripe(settings)
    try:
        return _PROVIDERS[name]
    except KeyError:
        raise InvalidInput(say("billing_rules.unknown_provider", name=repr(name)), code="UNKNOWN_PROVIDER") from None


def default_provider() -> BillingProvider:
    """The provider of PORTAL_BILLING_PROVIDER: new cards, subscriptions and invoices go through it."""
    from portal_ui.settings import get_settings

    settings = get_settings()
    return _stripe(settings) if settings.billing_provider == "stripe" else _PROVIDERS[TestCardProvider.name]


def manages_subscriptions(provider: BillingProvider) -> bool:
    """True for a provider that runs subscriptions itself (Stripe), False for the portal's own engine."""
    return bool(getattr(provider, "manages_subscriptions", False))
