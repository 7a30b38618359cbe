"""Tax IDs on billing details, checked offline with python-stdnum (format and check digits only:
whether a number is registered is not asked of any tax authority).

A tax ID is a type and a number. The number is stored in its compact form ("DE136695976") and
printed in the form its country writes it ("GB 980 7806 84", "04-1234567", "51 824 753 556"; EU
VAT numbers compact, "DE136695976"). GB VAT numbers are stored without their "GB" prefix.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

from stdnum.au import abn as au_abn
from stdnum.eu import vat as eu_vat
from stdnum.exceptions import ValidationError
from stdnum.gb import vat as gb_vat
from stdnum.us import ein as us_ein

from portal_ui.domain.errors import InvalidInput, say

# type: (stdnum module, example), in the order the type selector lists them
TYPES: dict[str, tuple[ModuleType, str]] = {
    "eu_vat": (eu_vat, "DE136695976"),  # any EU member state's VAT number, with its country prefix
    "gb_vat": (gb_vat, "GB980780684"),
    "us_ein": (us_ein, "04-1234567"),
    "au_abn": (au_abn, "51 824 753 556"),
}
NUMBER_MAX = 40  # characters typed; the longest of these numbers is 14 without spaces
MAX_TAX_IDS = 5


@dataclass(frozen=True)
class TaxId:
    type: str
    value: str  # compact

    @property
    def display(self) -> str:
        """The number as its country writes it."""
        return display(self.type, self.value)

    def as_dict(self) -> dict[str, str]:
        return {"type": self.type, "value": self.value}


def display(tax_type: str, value: str) -> str:
    module = TYPES.get(tax_type, (None, ""))[0]
    if module is None:
        return value
    if not hasattr(module, "format"):  # EU VAT: the compact form, country prefix first
        return value
    try:
        text = module.format(value)
    except ValidationError:  # stored before a stricter check: print it as stored
        return value
    return f"GB {text}" if tax_type == "gb_vat" else text


def check_tax_id(tax_type: object, number: object) -> TaxId:
    """The tax ID in compact form; InvalidInput (INVALID_TAX_ID) with a message naming the type and
    an example when the type is unknown or the number is not valid for it."""
    if not isinstance(tax_type, str) or tax_type not in TYPES:
        raise InvalidInput(say("billing_rules.tax_id.type_unknown"), code="INVALID_TAX_ID_TYPE")
    module, example = TYPES[tax_type]
    kind = say(f"billing_rules.tax_id.type.{tax_type}")
    text = number.strip() if isinstance(number, str) else ""
    if not text:
        raise InvalidInput(say("billing_rules.tax_id.empty", kind=kind), code="INVALID_TAX_ID")
    if len(text) > NUMBER_MAX:
        raise InvalidInput(say("billing_rules.tax_id.invalid", kind=kind, example=display(tax_type, example)),
                           code="INVALID_TAX_ID")
    try:
        value = module.validate(text)
    except ValidationError:
        raise InvalidInput(say("billing_rules.tax_id.invalid", kind=kind, example=display(tax_type, example)),
                           code="INVALID_TAX_ID") from None
    return TaxId(tax_type, value)
