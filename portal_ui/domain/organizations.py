"""Organizations: create (optionally with its creator as first member), get, list.

Functions validate before writing and add one audit event per change to the caller's session;
the caller commits.
"""

from __future__ import annotations

import re

from sqlalchemy import func
from sqlmodel import Session, col, select

from portal_ui.domain import audit
from portal_ui.domain.clock import utcnow
from portal_ui.domain.errors import Conflict, InvalidInput
from portal_ui.domain.members import get_org, insert_membership
from portal_ui.domain.paging import Page, paginate, scope_of
from portal_ui.domain.secrets import new_id
from portal_ui.domain.users import clean_name, normalize_email
from portal_ui.models import NAME_MAX, Organization, User

ORG_SORTS = ("name_asc", "name_desc", "email_asc", "email_desc")
_ORG_CODE = re.compile(r"^org_[A-Za-z0-9_]{1,60}$")


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
                                        or session.get(User, creator_user_id) is None):
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
