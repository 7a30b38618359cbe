"""Organizations: create (optionally with its creator as first member), get, list, change details.

Functions validate before writing and add one audit event per change to the caller's session;
the caller commits.
"""

from __future__ import annotations

import re
from typing import Any, Mapping

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from portal_ui.domain import audit
from portal_ui.domain.clock import utcnow
from portal_ui.domain.countries import COUNTRIES
from portal_ui.domain.errors import Conflict, InvalidFields, InvalidInput, Text, field_message, say
from portal_ui.domain.members import get_org, insert_membership
from portal_ui.domain.paging import Page, paginate, scope_of
from portal_ui.domain.return_urls import check_http_url
from portal_ui.domain.secrets import new_id
from portal_ui.domain.users import clean_name, live_user_row, normalize_email
from portal_ui.models import NAME_MAX, URL_MAX, Organization

ORG_SORTS = ("name_asc", "name_desc", "email_asc", "email_desc")
_ORG_CODE = re.compile(r"^org_[A-Za-z0-9_]{1,60}$")

# The details an organization's admins edit in the portal: (field, label, maximum length), in
# form order. Labels say "Organization"; the UI replaces the word with the alias.
DETAIL_FIELDS: tuple[tuple[str, str, int], ...] = (
    ("name", "Organization name", NAME_MAX),
    ("business_name", "Legal business name", NAME_MAX),
    ("billing_email", "Billing email", 254),
    ("phone", "Phone", 64),
    ("website", "Website", URL_MAX),
    ("address_line1", "Address line 1", NAME_MAX),
    ("address_line2", "Address line 2", NAME_MAX),
    ("city", "City", NAME_MAX),
    ("region", "State, county or region", NAME_MAX),
    ("postcode", "Postcode or ZIP", 32),
    ("country", "Country", 2),
    ("tax_id", "Tax or VAT ID", 64),
)
DETAIL_NAMES = tuple(name for name, _label, _max in DETAIL_FIELDS)
DETAIL_LABELS = {name: label for name, label, _max in DETAIL_FIELDS}
CONFLICT_MESSAGE = say("orgs.details_changed")  # "These details were changed since you opened them..."
FORM_NOT_UNDERSTOOD = say("orgs.form_not_understood")
_PHONE = re.compile(r"^\+?[0-9()./ -]+(?: ?(?:ext\.?|x) ?[0-9]{1,6})?$", re.IGNORECASE)
_POSTCODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 -]*$")
_TAX_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ./-]*$")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def create_organization(session: Session, *, actor: audit.Actor, name: str, code: str | None = None,
                        external_id: str | None = None, billing_email: str | None = None,
                        creator_user_id: str | None = None) -> Organization:
    """Create an organization with code `org_<hex>` unless `code` is given.

    With `creator_user_id` the creator joins at once with the roles marked is_default_role or
    assign_to_creator. One audit event `organization.created`. Raises InvalidInput (missing or
    bad name, code, email; unknown creator), Conflict (code or external_id already used).
    """
    clean = clean_name(name, field="name")
    if not clean:
        raise InvalidInput("name: give the organization a name", code="NAME_REQUIRED")
    if code is not None:
        if not isinstance(code, str) or not _ORG_CODE.match(code):
            raise InvalidInput("code: use org_ followed by letters, digits or underscores (at most 64 in all)")
        if session.get(Organization, code) is not None:
            raise Conflict(f"An organization with code {code!r} already exists.", code="ORGANIZATION_ALREADY_EXISTS")
    ext = clean_name(external_id, field="external_id", max_len=NAME_MAX) or None
    if ext and session.exec(select(Organization.code).where(Organization.external_id == ext)).first():
        raise Conflict("An organization with this external_id already exists.", code="EXTERNAL_ID_ALREADY_EXISTS")
    email = normalize_email(billing_email, field="billing_email") if billing_email else ""
    if creator_user_id is not None and (not isinstance(creator_user_id, str)
                                        or live_user_row(session, creator_user_id) is None):
        raise InvalidInput(f"creator_user_id: no user {str(creator_user_id)[:64]!r}", code="USER_NOT_FOUND")
    org = Organization(code=code or new_id("org"), name=clean, external_id=ext, billing_email=email,
                       created_on=utcnow())
    session.add(org)
    session.flush()
    after: dict = {"name": clean, "external_id": ext, "billing_email": email}
    if creator_user_id is not None:
        after["creator_user_id"] = creator_user_id
        after["creator_roles"] = insert_membership(session, org.code, creator_user_id, as_creator=True)
    audit.record(session, actor=actor, action="organization.created", target_type="organization",
                 target_id=org.code, org_code=org.code, before={}, after=after)
    return org


def get_organization(session: Session, code: str) -> Organization:
    """The organization, or NotFound."""
    return get_org(session, code)


def list_organizations(session: Session, *, page_size: int | None = None, next_token: str | None = None,
                       sort: str | None = None) -> Page[Organization]:
    """One page of organizations (oldest first unless sorted by name or billing email).

    Raises InvalidInput (bad sort, page size or token).
    """
    if sort is not None and sort not in ORG_SORTS:
        raise InvalidInput(f"sort: use one of {', '.join(ORG_SORTS)}")
    name = func.lower(Organization.name)
    code = col(Organization.code)
    order = {
        None: [Organization.created_on, code],
        "name_asc": [name, code], "name_desc": [name.desc(), code.desc()],
        "email_asc": [Organization.billing_email, code],
        "email_desc": [col(Organization.billing_email).desc(), code.desc()],
    }[sort]
    return paginate(session, select(Organization).order_by(*order), page_size=page_size, next_token=next_token,
                    scope=scope_of("organizations", sort))


def details_of(org: Organization) -> dict[str, str]:
    """The organization's editable details, every field as a string."""
    return {name: str(getattr(org, name) or "") for name in DETAIL_NAMES}


def _clean_detail(name: str, label: str, max_len: int, raw: object) -> str:
    field = Text(f"org_details.field_{name}")  # the label, in the reader's language (English: `label`)
    value = clean_name(raw, field=field, max_len=max_len)
    if name == "name" and not value:
        raise InvalidInput(say("orgs.name_required", field=field))
    if not value:
        return value
    if name == "billing_email":
        try:
            return normalize_email(value, field=field)
        except InvalidInput as exc:
            if exc.code == "EMAIL_TOO_LONG":
                raise
            raise InvalidInput(say("orgs.email_example", field=field)) from None
    if name == "website":
        if not _SCHEME.match(value):  # "acme.example" means https://acme.example
            value = "https://" + value
        return check_http_url(value, field=field, max_length=max_len)
    if name == "phone" and (not _PHONE.match(value) or sum(c.isdigit() for c in value) < 4):
        raise InvalidInput(say("orgs.phone_invalid", field=field))
    if name == "postcode" and not _POSTCODE.match(value):
        raise InvalidInput(say("orgs.postcode_invalid", field=field))
    if name == "tax_id" and not _TAX_ID.match(value):
        raise InvalidInput(say("orgs.tax_id_invalid", field=field))
    if name == "country":
        value = value.upper()
        if value not in COUNTRIES:
            raise InvalidInput(say("orgs.country_invalid", field=field))
    return value


def clean_details(form: Any) -> dict[str, str]:
    """The submitted details, trimmed and checked; InvalidFields names every bad field.

    Only the known fields are read (a missing one counts as empty); anything else in the
    submission is ignored. Cleaning clean values changes nothing.
    """
    if not isinstance(form, Mapping):
        raise InvalidInput(FORM_NOT_UNDERSTOOD)
    out: dict[str, str] = {}
    errors: dict[str, str | Text] = {}
    for name, label, max_len in DETAIL_FIELDS:
        try:
            out[name] = _clean_detail(name, label, max_len, form.get(name, ""))
        except InvalidInput as exc:
            errors[name] = field_message(exc, label)
    if errors:
        raise InvalidFields(errors, labels=DETAIL_LABELS)
    return out


def update_details(session: Session, *, actor: audit.Actor, org_code: str, values: Mapping[str, Any],
                   expected_version: int) -> Organization:
    """Change the organization's details if nobody changed them since `expected_version`.

    `values` are validated with `clean_details` first, so nothing is written unless every field
    is good. The write is one UPDATE conditional on the version (optimistic concurrency), which
    also moves the version on; a version that no longer matches is a Conflict, whatever the
    submitted values are, unless they equal the current ones (then nothing is written). One audit
    event `organization.updated` with the changed fields. Raises InvalidFields, NotFound,
    Conflict. The caller commits.
    """
    clean = clean_details(values)
    if isinstance(expected_version, bool) or not isinstance(expected_version, int):
        raise InvalidInput(FORM_NOT_UNDERSTOOD)
    org = get_org(session, org_code)
    before, after = audit.changed_fields(details_of(org), clean)
    if not after:
        return org
    result = session.execute(update(Organization)
                             .where(Organization.code == org_code, Organization.version == expected_version)
                             .values(**after, version=expected_version + 1))
    if result.rowcount != 1:
        raise Conflict(CONFLICT_MESSAGE, code="DETAILS_CHANGED")
    audit.record(session, actor=actor, action="organization.updated", target_type="organization", target_id=org_code,
                 org_code=org_code, before=before, after=after)
    session.expire(org)
    return get_org(session, org_code)


def fields_changed_since(loaded: Mapping[str, str], org: Organization) -> list[str]:
    """Labels of the details that differ between `loaded` (what a form showed) and `org` now."""
    current = details_of(org)
    return [DETAIL_LABELS[name] for name in DETAIL_NAMES if str(loaded.get(name, "")) != current[name]]
