"""Billing details: who the owner's invoices are addressed to, and their tax IDs.

An owner (user or organization) may keep billing details of their own: a name, a billing email,
a postal address and up to five tax IDs (`portal_ui.billing.tax_ids`). Until they do, invoices are
addressed from what the portal already knows: an organization's details (legal business name,
address, tax ID, billing email), a user's name and email. Each invoice copies the details as they
stand when it is issued (`buyer_snapshot`, stored in `invoices.buyer`); later changes never rewrite
an invoice already issued.

With Stripe (README "Stripe"), Stripe issues the invoices from its customer's details: saving
details, adding or removing a tax ID first makes the same change to the owner's Stripe customer,
if they have one (`stripe_billing.on_details_saved`, `on_tax_id_added`, `on_tax_id_removed`), and
when Stripe refuses or does not answer, nothing is changed here either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from sqlmodel import Session, select

from portal_ui.billing.owner import Owner, require_owner
from portal_ui.billing.tax_ids import MAX_TAX_IDS, TaxId, check_tax_id, display
from portal_ui.domain import audit
from portal_ui.domain.clock import utcnow
from portal_ui.domain.countries import COUNTRIES, country_name
from portal_ui.domain.errors import Conflict, InvalidInput, NotFound, Text, clean_fields, say
from portal_ui.domain.secrets import new_id
from portal_ui.domain.users import clean_name, normalize_email
from portal_ui.i18n import FALLBACK, translate
from portal_ui.models import BillingProfile, Organization, User

# name, English label (for messages), maximum length
FIELDS: tuple[tuple[str, str, int], ...] = (
    ("name", "Name", 200), ("email", "Billing email", 254), ("address_line1", "Address", 200),
    ("address_line2", "Address line 2", 200), ("city", "City", 120), ("region", "State or region", 120),
    ("postcode", "Postal code", 32), ("country", "Country", 2),
)
FIELD_NAMES = tuple(name for name, _, _ in FIELDS)
_POSTCODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 -]*$")


@dataclass(frozen=True)
class BillingDetails:
    name: str = ""
    email: str = ""
    address_line1: str = ""
    address_line2: str = ""
    city: str = ""
    region: str = ""
    postcode: str = ""
    country: str = ""
    tax_ids: tuple[TaxId, ...] = field(default_factory=tuple)
    saved: bool = False  # False: taken from the organization's details or the user, never saved here

    def fields(self) -> dict[str, str]:
        return {name: getattr(self, name) for name in FIELD_NAMES}

    def address_lines(self) -> list[str]:
        lines = [self.address_line1, self.address_line2, " ".join(p for p in (self.postcode, self.city) if p),
                 self.region, country_name(self.country) or self.country]
        return [x for x in lines if x]


def _profile(session: Session, owner: Owner, *, lock: bool = False) -> BillingProfile | None:
    """The owner's profile row; with `lock`, held until the transaction ends (PostgreSQL), so two
    changes at once are made one after the other, each seeing the other's."""
    statement = select(BillingProfile).where(owner.where(BillingProfile))
    return session.exec(statement.with_for_update() if lock else statement).first()


def _from_row(row: BillingProfile) -> BillingDetails:
    ids = tuple(TaxId(str(x.get("type", "")), str(x.get("value", ""))) for x in row.tax_ids or [])
    return BillingDetails(**{name: getattr(row, name) or "" for name in FIELD_NAMES}, tax_ids=ids, saved=True)


def billing_details(session: Session, owner: Owner) -> BillingDetails:
    """The owner's billing details: their own, else what the portal knows of them."""
    row = _profile(session, owner)
    if row is not None:
        return _from_row(row)
    if owner.org_code is not None:
        org = session.get(Organization, owner.org_code)
        if org is None:
            return BillingDetails(name=owner.org_code)
        ids = (TaxId("", org.tax_id),) if org.tax_id else ()
        return BillingDetails(name=org.business_name or org.name, email=org.billing_email or "",
                              address_line1=org.address_line1, address_line2=org.address_line2, city=org.city,
                              region=org.region, postcode=org.postcode, country=org.country, tax_ids=ids)
    user = session.get(User, owner.user_id)
    if user is None:
        return BillingDetails(name=owner.user_id or "")
    return BillingDetails(name=f"{user.given_name} {user.family_name}".strip(), email=user.email or "")


def _clean(name: str, label: str, max_len: int, raw: object) -> str:
    value = clean_name(raw, field=Text(f"billing_rules.details.{name}"), max_len=max_len)
    if name == "name" and not value:
        raise InvalidInput(say("billing_rules.details.name_required"))
    if not value:
        return value
    if name == "email":
        return normalize_email(value, field=label)
    if name == "postcode" and not _POSTCODE.match(value):
        raise InvalidInput(say("billing_rules.details.postcode_invalid"))
    if name == "country":
        value = value.upper()
        if value not in COUNTRIES:
            raise InvalidInput(say("billing_rules.details.country_invalid"))
    return value


def clean_billing_fields(form: Any) -> dict[str, str]:
    """The submitted fields trimmed and checked; InvalidFields names every bad one. Only the known
    fields are read; a name is required."""
    return clean_fields(form, FIELDS, _clean, unreadable=say("billing_rules.details.form"))


def _row_for_write(session: Session, owner: Owner) -> tuple[BillingProfile, dict[str, Any]]:
    """The owner's profile row (created from the current details if there is none) and its state before."""
    require_owner(session, owner)
    row = _profile(session, owner, lock=True)
    if row is not None:
        return row, {**{n: getattr(row, n) for n in FIELD_NAMES}, "tax_ids": list(row.tax_ids or [])}
    current = billing_details(session, owner)
    ids = [t.as_dict() for t in current.tax_ids if t.type]  # a free-text organization tax ID has no type
    row = BillingProfile(id=new_id("bp"), **owner.columns(), **current.fields(), tax_ids=ids, updated_on=utcnow())
    return row, {}


def _write(session: Session, actor: audit.Actor, owner: Owner, row: BillingProfile, action: str,
           before: dict[str, Any], after: dict[str, Any]) -> BillingDetails:
    row.updated_on = utcnow()
    session.add(row)
    session.flush()
    audit.record(session, actor=actor, action=f"billing_details.{action}", target_type="billing_details",
                 target_id=owner.id, org_code=owner.org_code, before=before, after=after)
    return _from_row(row)


def _stripe():
    """`stripe_billing`, imported when used (it imports this module)."""
    from portal_ui.billing import stripe_billing

    return stripe_billing


@dataclass(frozen=True)
class _FieldLabels:
    """The labels of some billing details fields, listed in any language (a value of a Text)."""

    names: tuple[str, ...]

    def render(self, lang: str) -> str:
        return ", ".join(translate(lang, f"billing_rules.details.{name}") for name in self.names)

    def __str__(self) -> str:
        return self.render(FALLBACK)


def save_billing_details(session: Session, *, actor: audit.Actor, owner: Owner, values: Any,
                         expected: Mapping[str, Any] | None = None) -> BillingDetails:
    """Save the owner's name, email and address (tax IDs unchanged). One audit event
    `billing_details.updated` with the fields that changed (none when nothing did). With Stripe,
    the owner's Stripe customer, if any, is given changed details first
    (`stripe_billing.on_details_saved`); a save that changes nothing asks Stripe nothing, so it
    succeeds while Stripe does not answer.

    `expected`: the details as the form that sent `values` showed them. When someone else has
    changed them since (another admin, another tab), the save is refused and nothing is written,
    rather than overwriting their change unseen: Conflict BILLING_DETAILS_CHANGED, naming the
    fields they changed. A save of exactly what is already there succeeds whatever `expected` says.
    Raises InvalidFields, Conflict, NotFound (owner), ProviderError (Stripe: nothing saved)."""
    clean = clean_billing_fields(values)
    row, before_row = _row_for_write(session, owner)
    before, after = audit.changed_fields({n: before_row.get(n, "") for n in FIELD_NAMES} if before_row else {}, clean)
    if not after and before_row:
        return _from_row(row)
    if expected is not None:
        changed = tuple(n for n in FIELD_NAMES if str(expected.get(n) or "") != (getattr(row, n) or ""))
        if changed:
            raise Conflict(say("billing_rules.details.changed_meanwhile", fields=_FieldLabels(changed)),
                           code="BILLING_DETAILS_CHANGED")
    _stripe().on_details_saved(session, owner, clean)  # Stripe first: nothing is written while it answers
    for name, value in clean.items():
        setattr(row, name, value)
    return _write(session, actor, owner, row, "updated", before, after)


def add_tax_id(session: Session, *, actor: audit.Actor, owner: Owner, tax_type: object, number: object) -> TaxId:
    """Check and add a tax ID. One audit event `billing_details.tax_id_added`. With Stripe, it is
    added to the owner's Stripe customer, if any, first (`stripe_billing.on_tax_id_added`).
    Raises InvalidInput (INVALID_TAX_ID_TYPE, INVALID_TAX_ID, TOO_MANY_TAX_IDS; INVALID_TAX_ID too
    when Stripe refuses it), Conflict (TAX_ID_EXISTS; ProviderError when Stripe does not answer)."""
    tax_id = check_tax_id(tax_type, number)
    row, _ = _row_for_write(session, owner)
    ids = list(row.tax_ids or [])
    if tax_id.as_dict() in ids:
        raise Conflict(say("billing_rules.tax_id.exists", number=tax_id.display), code="TAX_ID_EXISTS")
    if len(ids) >= MAX_TAX_IDS:
        raise InvalidInput(say("billing_rules.tax_id.too_many", max=MAX_TAX_IDS), code="TOO_MANY_TAX_IDS")
    _stripe().on_tax_id_added(session, owner, tax_id)  # Stripe first: nothing is written while it answers
    row.tax_ids = [*ids, tax_id.as_dict()]
    _write(session, actor, owner, row, "tax_id_added", {}, {"tax_id": tax_id.as_dict()})
    return tax_id


def remove_tax_id(session: Session, *, actor: audit.Actor, owner: Owner, tax_type: object, value: object) -> None:
    """Remove one of the owner's tax IDs. One audit event `billing_details.tax_id_removed`. With
    Stripe, it is removed from the owner's Stripe customer, if any, first.
    Raises NotFound (TAX_ID_NOT_FOUND), ProviderError (Stripe: nothing removed)."""
    row = _profile(session, owner)
    wanted = {"type": tax_type, "value": value}
    ids = list(row.tax_ids or []) if row is not None else []
    if wanted not in ids:
        raise NotFound(say("billing_rules.tax_id.not_found"), code="TAX_ID_NOT_FOUND")
    _stripe().on_tax_id_removed(session, owner, TaxId(str(tax_type), str(value)))  # Stripe first, as above
    row.tax_ids = [x for x in ids if x != wanted]
    _write(session, actor, owner, row, "tax_id_removed", {"tax_id": wanted}, {})


# --- invoices ------------------------------------------------------------------------------------

def buyer_snapshot(session: Session, owner: Owner) -> dict[str, Any]:
    """The billing details an invoice copies when it is issued."""
    details = billing_details(session, owner)
    return {"name": details.name, "address": details.address_lines(), "email": details.email,
            "tax_ids": [t.as_dict() for t in details.tax_ids]}


def tax_id_line(tax_id: Mapping[str, Any], lang: str = FALLBACK) -> str:
    """"VAT: DE136695976", "EIN: 04-1234567"... ("Tax ID: …" for one without a known type)."""
    kind, value = str(tax_id.get("type") or ""), str(tax_id.get("value") or "")
    key = f"invoice.tax_id_{kind}" if kind else "invoice.tax_id"
    return translate(lang, key, value=display(kind, value) if kind else value)


def buyer_lines(buyer: Mapping[str, Any], lang: str = FALLBACK) -> list[str]:
    """The "Billed to" block of an invoice: name, address lines, tax IDs, email (empty parts left out)."""
    lines = [str(buyer.get("name") or ""), *[str(x) for x in buyer.get("address") or []],
             *[tax_id_line(t, lang) for t in buyer.get("tax_ids") or [] if isinstance(t, Mapping)],
             str(buyer.get("email") or "")]
    return [x for x in lines if x]
