"""Who a billing account belongs to: one user or one organization, never both."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session

from portal_ui.domain.errors import InvalidInput, NotFound, say
from portal_ui.domain.users import live_user_row
from portal_ui.models import Organization, User


@dataclass(frozen=True)
class Owner:
    """Exactly one of `user_id` (a user's own billing) or `org_code` (an organization's billing)."""

    user_id: str | None = None
    org_code: str | None = None

    def __post_init__(self) -> None:
        if (self.user_id is None) == (self.org_code is None):
            raise InvalidInput(say("billing_rules.owner.one_kind"))
        for value in (self.user_id, self.org_code):
            if value is not None and (not isinstance(value, str) or not value or len(value) > 64):
                raise InvalidInput(say("billing_rules.owner.id_needed"))

    @classmethod
    def user(cls, user_id: str) -> "Owner":
        return cls(user_id=user_id)

    @classmethod
    def org(cls, org_code: str) -> "Owner":
        return cls(org_code=org_code)

    @property
    def id(self) -> str:
        """The user id or organization code, for audit targets and messages."""
        return self.user_id or self.org_code or ""

    def columns(self) -> dict[str, Any]:
        """The owner columns for a new row: `Model(**owner.columns(), ...)`."""
        return {"user_id": self.user_id, "org_code": self.org_code}

    def owns(self, row: Any) -> bool:
        return row.user_id == self.user_id and row.org_code == self.org_code

    def where(self, model: Any) -> Any:
        """A WHERE clause selecting `model` rows of this owner."""
        if self.org_code is not None:
            return model.org_code == self.org_code
        return model.user_id == self.user_id


def require_owner(session: Session, owner: Owner) -> None:
    """NotFound unless the user or organization exists."""
    if owner.org_code is not None:
        if session.get(Organization, owner.org_code) is None:
            raise NotFound(say("billing_rules.no_organization", code=repr(owner.org_code)),
                           code="ORGANIZATION_NOT_FOUND")
    elif live_user_row(session, owner.user_id) is None:
        raise NotFound(say("billing_rules.no_user", user_id=repr(owner.user_id)), code="USER_NOT_FOUND")


def billed_to(session: Session, owner: Owner) -> list[str]:
    """Name and address lines for an invoice, as the owner's details stand now."""
    if owner.org_code is not None:
        org = session.get(Organization, owner.org_code)
        if org is None:
            return [owner.org_code]
        lines = [org.business_name or org.name, org.address_line1, org.address_line2,
                 " ".join(p for p in (org.postcode, org.city) if p), org.region, org.country,
                 f"Tax ID: {org.tax_id}" if org.tax_id else "", org.billing_email]
        return [line for line in lines if line]
    user = session.get(User, owner.user_id)
    if user is None:
        return [owner.user_id or ""]
    name = f"{user.given_name} {user.family_name}".strip()
    return [line for line in (name, user.email or "") if line] or [user.id]
