"""The organization details section: the organization's name and business details.

Read with `org:read:details`, changed with `org:write:details` (contract §5). `save_details` is
the section's one changing handler: like every such handler it asks the guard first, so a client
that calls it without the permission (any client can call any handler) changes nothing.
"""

from __future__ import annotations

import re
from typing import Any

import reflex as rx
from sqlalchemy import update
from sqlmodel import Session

from portal_ui.db import session_scope
from portal_ui.domain import audit
from portal_ui.domain.errors import Conflict, DomainError, InvalidInput
from portal_ui.domain.members import get_org
from portal_ui.domain.return_urls import check_http_url
from portal_ui.domain.users import clean_name, normalize_email
from portal_ui.models import NAME_MAX, Organization
from portal_ui.ui.state.portal import PortalState

SECTION = "organization_details"

# (field, label, maximum length) in form order; the label's "organization" is aliased on display.
FIELDS: tuple[tuple[str, str, int], ...] = (
    ("name", "Organization name", NAME_MAX),
    ("business_name", "Legal business name", NAME_MAX),
    ("billing_email", "Billing email", 320),
    ("phone", "Phone", 64),
    ("website", "Website", 2048),
    ("address_line1", "Address line 1", NAME_MAX),
    ("address_line2", "Address line 2", NAME_MAX),
    ("city", "City", NAME_MAX),
    ("region", "Region", NAME_MAX),
    ("postcode", "Postcode", 32),
    ("country", "Country (2-letter code)", 2),
    ("tax_id", "Tax ID", 64),
)
FIELD_NAMES = tuple(name for name, _label, _max in FIELDS)
_COUNTRY = re.compile(r"^[A-Z]{2}$")


def details_of(org: Organization) -> dict[str, str]:
    return {name: str(getattr(org, name) or "") for name in FIELD_NAMES}


def clean_details(form: Any) -> dict[str, str]:
    """The submitted details, validated; InvalidInput names the first bad field.

    Only known fields are read; anything else in the submission is ignored.
    """
    if not isinstance(form, dict):
        raise InvalidInput("The form was not understood; reload the page and try again.")
    out: dict[str, str] = {}
    for name, label, max_len in FIELDS:
        value = clean_name(form.get(name, ""), field=label, max_len=max_len)
        if name == "name" and not value:
            raise InvalidInput(f"{label}: give a name")
        if value and name == "billing_email":
            value = normalize_email(value, field=label)
        elif value and name == "website":
            value = check_http_url(value, field=label)
        elif value and name == "country":
            value = value.upper()
            if not _COUNTRY.match(value):
                raise InvalidInput(f"{label}: use a two-letter code such as GB or US")
        out[name] = value
    return out


def update_details(db: Session, *, actor: audit.Actor, org_code: str, values: dict[str, str],
                   expected_version: int) -> Organization:
    """Apply validated details if nobody changed them since `expected_version`; one audit event.

    Raises NotFound (organization), Conflict (changed meanwhile). The caller commits.
    (Belongs with the other organization rules in portal_ui.domain.organizations once that module
    has an update function; the UI is its only caller today.)
    """
    org = get_org(db, org_code)
    before = details_of(org)
    changed = {k: v for k, v in values.items() if before.get(k) != v}
    if not changed:
        return org
    result = db.execute(update(Organization)
                        .where(Organization.code == org_code, Organization.version == expected_version)
                        .values(**changed, version=expected_version + 1))
    if result.rowcount != 1:
        raise Conflict("Someone else changed these details meanwhile; reload the page to see their changes.")
    audit.record(db, actor=actor, action="organization.updated", target_type="organization", target_id=org_code,
                 org_code=org_code, before={k: before[k] for k in changed}, after=changed)
    db.expire(org)
    return get_org(db, org_code)


class OrgDetailsState(PortalState):
    org_details: dict[str, str] = {}
    details_loaded: bool = False
    details_saving: bool = False
    details_error: str = ""
    _details_version: int = 0

    @rx.event
    def load_details(self):
        """on_load of /org/details."""
        with session_scope() as db:
            active, follow = self._enter(db, SECTION)
            if active is None:
                return follow
            org = get_org(db, active.org_code)
            self.org_details = details_of(org)
            self._details_version = org.version
            self.details_error = ""
            self.details_loaded = True
        return None

    @rx.event
    def save_details(self, form: dict):
        """Save the details form; refused unless this session may write the organization's details."""
        self.details_error = ""
        try:
            with session_scope() as db:
                active = self._require(db, SECTION, "write")
                if active is None:
                    return rx.toast.error("You cannot change these details.")
                values = clean_details(form)
                actor = audit.Actor(type="user", id=active.user_id,
                                    client_ip=self.router.session.client_ip or "",
                                    user_agent=self.router.headers.user_agent or "")
                org = update_details(db, actor=actor, org_code=active.org_code, values=values,
                                     expected_version=self._details_version)
                self.org_details = details_of(org)
                self._details_version = org.version
                self.org_name = org.name
        except DomainError as exc:
            self.details_error = exc.message
            return None
        return rx.toast.success("Details saved.")
