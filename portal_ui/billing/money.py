"""Money: integer minor units plus an ISO 4217 currency code, formatted per currency and language.

Amounts are never floats: arithmetic is on integers, and only formatting turns the integer into an
exact `Decimal` (minor units shifted by the currency's exponent) for Babel, which writes it the way
the portal's language does: "$19.00" in English, "19,00 $" in German. The table below lists the
currencies the portal accepts and their ISO 4217 exponents (Babel's CLDR data agrees; a test checks).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from babel import Locale
from babel.numbers import format_currency, get_currency_symbol

from portal_ui.domain.errors import InvalidInput
from portal_ui.i18n import FALLBACK

NBSP = "\u00a0"

# code: ISO 4217 exponent (minor digits). The common currencies only.
CURRENCIES: dict[str, int] = {
    "USD": 2, "EUR": 2, "GBP": 2, "JPY": 0, "CHF": 2, "CAD": 2, "AUD": 2, "NZD": 2, "SEK": 2, "NOK": 2,
    "DKK": 2, "PLN": 2, "CZK": 2, "HUF": 2, "RON": 2, "INR": 2, "BRL": 2, "MXN": 2, "SGD": 2, "HKD": 2,
    "ZAR": 2, "CNY": 2, "KRW": 0, "ILS": 2, "TRY": 2, "AED": 2, "SAR": 2, "CLP": 0, "ISK": 0, "VND": 0,
    "BHD": 3, "KWD": 3, "OMR": 3, "JOD": 3, "TND": 3,
}

MAX_AMOUNT_MINOR = 2_000_000_000  # fits a 32-bit integer column with room to spare


def normalize_currency(value: object, *, field: str = "currency") -> str:
    """The upper-case ISO 4217 code if it is one of CURRENCIES; else InvalidInput (INVALID_CURRENCY)."""
    code = value.strip().upper() if isinstance(value, str) else ""
    if code not in CURRENCIES:
        raise InvalidInput(f"{field}: use a supported ISO 4217 code such as USD, EUR, GBP or JPY",
                           code="INVALID_CURRENCY")
    return code


def exponent(currency: str) -> int:
    """Minor digits of `currency` (2 for USD, 0 for JPY, 3 for KWD)."""
    return CURRENCIES[normalize_currency(currency)]


def check_amount(value: object, *, field: str = "amount_minor", allow_negative: bool = False) -> int:
    """`value` if it is a whole number of minor units in range; else InvalidInput (INVALID_AMOUNT)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{field}: give a whole number of minor units (e.g. cents)", code="INVALID_AMOUNT")
    low = -MAX_AMOUNT_MINOR if allow_negative else 0
    if not low <= value <= MAX_AMOUNT_MINOR:
        raise InvalidInput(f"{field}: give a number from {low} to {MAX_AMOUNT_MINOR}", code="INVALID_AMOUNT")
    return value


def format_money(amount_minor: int, currency: str, *, symbol: bool = True, lang: str = FALLBACK) -> str:
    """`amount_minor` for people in `lang` (Babel, CLDR): 1234567 USD -> "$12,345.67" in English and
    "12.345,67 $" in German, 1500 JPY -> "¥1,500", 1999 EUR -> "€19.99" / "19,99 €".

    With `symbol=False` the ISO code stands for the symbol ("EUR 19.99", "19,99 EUR"), e.g. for PDFs
    whose fonts lack "€". Negative amounts get a leading minus sign. Spaces are no-break spaces.
    """
    code = normalize_currency(currency)
    number = Decimal(int(amount_minor)).scaleb(-CURRENCIES[code])
    if symbol:
        text, sign = format_currency(number, code, locale=lang), get_currency_symbol(code, locale=lang)
    else:
        text, sign = format_currency(number, code, format=_code_pattern(lang), locale=lang), code
    return _spaced(text, sign)


def _code_pattern(lang: str) -> str:
    pattern = Locale.parse(lang).currency_formats["standard"].pattern
    return pattern.replace("\u00a4", "\u00a4\u00a4")


def _spaced(text: str, sign: str) -> str:
    """CLDR's currency spacing, which Babel leaves out: a symbol ending in a letter ("CHF", "EUR") is
    kept apart from the digits by a no-break space ("CHF 12.50", not "CHF12.50")."""
    at = text.find(sign)
    end = at + len(sign)
    if at >= 0 and sign[-1:].isalpha() and end < len(text) and text[end].isdigit():
        return text[:end] + NBSP + text[end:]
    return text


@dataclass(frozen=True)
class Money:
    """An amount inside a catalogue message (`say(..., amount=Money(1900, "USD"))`): written in the
    language the message is rendered in, like the dates in messages."""

    amount_minor: int
    currency: str

    def render(self, lang: str = FALLBACK) -> str:
        return format_money(self.amount_minor, self.currency, lang=lang)

    def __str__(self) -> str:
        return self.render()


def to_minor(amount: str, currency: str) -> int:
    """Parse a decimal string such as "19.99" into minor units of `currency` (InvalidInput if it has
    more decimals than the currency allows or is not a plain number)."""
    digits = exponent(currency)
    text = amount.strip().replace(",", "") if isinstance(amount, str) else ""
    whole, _, frac = text.partition(".")
    if not whole.isdigit() or (frac and not frac.isdigit()) or len(frac) > digits or (_ and not frac):
        raise InvalidInput(f"amount: give a number with at most {digits} decimals", code="INVALID_AMOUNT")
    return check_amount(int(whole) * 10 ** digits + int((frac or "0").ljust(digits, "0") or 0))
