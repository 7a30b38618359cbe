"""Money: integer minor units plus an ISO 4217 currency code, formatted per currency.

Babel is not a dependency, so the number of minor digits (ISO 4217 exponent) and the symbol of
each supported currency come from the small table below. Amounts are never floats: arithmetic is
on integers and formatting splits the integer by the currency's exponent.
"""

from __future__ import annotations

from portal_ui.domain.errors import InvalidInput

# code: (exponent, symbol or "" for "CODE 1.00"). ISO 4217 exponents; the common currencies only.
CURRENCIES: dict[str, tuple[int, str]] = {
    "USD": (2, "$"), "EUR": (2, "€"), "GBP": (2, "£"), "JPY": (0, "¥"), "CHF": (2, ""), "CAD": (2, "CA$"),
    "AUD": (2, "A$"), "NZD": (2, "NZ$"), "SEK": (2, ""), "NOK": (2, ""), "DKK": (2, ""), "PLN": (2, ""),
    "CZK": (2, ""), "HUF": (2, ""), "RON": (2, ""), "INR": (2, "₹"), "BRL": (2, "R$"), "MXN": (2, "MX$"),
    "SGD": (2, ""), "HKD": (2, "HK$"), "ZAR": (2, ""), "CNY": (2, "CN¥"), "KRW": (0, "₩"), "ILS": (2, "₪"),
    "TRY": (2, ""), "AED": (2, ""), "SAR": (2, ""), "CLP": (0, ""), "ISK": (0, ""), "VND": (0, "₫"),
    "BHD": (3, ""), "KWD": (3, ""), "OMR": (3, ""), "JOD": (3, ""), "TND": (3, ""),
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
    return CURRENCIES[normalize_currency(currency)][0]


def check_amount(value: object, *, field: str = "amount_minor", allow_negative: bool = False) -> int:
    """`value` if it is a whole number of minor units in range; else InvalidInput (INVALID_AMOUNT)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{field}: give a whole number of minor units (e.g. cents)", code="INVALID_AMOUNT")
    low = -MAX_AMOUNT_MINOR if allow_negative else 0
    if not low <= value <= MAX_AMOUNT_MINOR:
        raise InvalidInput(f"{field}: give a number from {low} to {MAX_AMOUNT_MINOR}", code="INVALID_AMOUNT")
    return value


def format_money(amount_minor: int, currency: str, *, symbol: bool = True) -> str:
    """`amount_minor` for people: 1234567 USD -> "$12,345.67", 1500 JPY -> "¥1,500", 1999 EUR -> "€19.99".

    Currencies without a distinct symbol, and any with `symbol=False` (e.g. for PDFs whose fonts lack
    "€"), are written "CHF 12.50". Negative amounts get a leading minus sign.
    """
    code = normalize_currency(currency)
    digits, sign = CURRENCIES[code]
    whole, minor = divmod(abs(int(amount_minor)), 10 ** digits)
    number = f"{whole:,}" + (f".{minor:0{digits}d}" if digits else "")
    text = f"{sign}{number}" if symbol and sign else f"{code} {number}"
    return f"-{text}" if amount_minor < 0 else text


def to_minor(amount: str, currency: str) -> int:
    """Parse a decimal string such as "19.99" into minor units of `currency` (InvalidInput if it has
    more decimals than the currency allows or is not a plain number)."""
    digits = exponent(currency)
    text = amount.strip().replace(",", "") if isinstance(amount, str) else ""
    whole, _, frac = text.partition(".")
    if not whole.isdigit() or (frac and not frac.isdigit()) or len(frac) > digits or (_ and not frac):
        raise InvalidInput(f"amount: give a number with at most {digits} decimals", code="INVALID_AMOUNT")
    return check_amount(int(whole) * 10 ** digits + int((frac or "0").ljust(digits, "0") or 0))
