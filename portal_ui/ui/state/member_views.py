"""What the members section sends to the browser, built from domain rows; and reading its forms.

Pure functions over domain values (no Reflex events, no database), so they are tested without a
browser. Rows carry only what the table shows for one page of the session's own organization.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any, Callable, Iterable

from portal_ui import i18n
from portal_ui.domain.clock import as_utc
from portal_ui.domain.invitations import InvitationRow
from portal_ui.domain.member_list import MemberRow
from portal_ui.domain.role_policy import RoleOption

PAGE_SIZE = 25
ROLE_FIELD = "role_"  # form field name prefix of a role checkbox: role_<role id>
SORTS: dict[str, str] = {  # list_members_page sort -> catalogue key of its label, in menu order
    "name_asc": "members.sort.name_asc",
    "name_desc": "members.sort.name_desc",
    "email_asc": "members.sort.email_asc",
    "email_desc": "members.sort.email_desc",
    "joined_desc": "members.sort.joined_desc",
    "joined_asc": "members.sort.joined_asc",
}
STATUS_LABELS = {  # invitation status -> catalogue key of its label
    "pending": "members.status.pending",
    "accepted": "members.status.accepted",
    "revoked": "members.status.revoked",
}

Say = Callable[..., str]  # a catalogue lookup: (key, **values) -> text, e.g. PortalState._t


def english(key: str, /, **values: object) -> str:
    """The English message `key` (what the functions below say when not told the tab's language)."""
    return i18n.translate(i18n.FALLBACK, key, **values)


@dataclasses.dataclass
class MemberItem:
    """One row of the members table."""

    id: str = ""
    name: str = ""
    email: str = ""
    roles: list[str] = dataclasses.field(default_factory=list)
    joined: str = ""
    you: bool = False


@dataclasses.dataclass
class InvitationItem:
    """One row of the invitations table."""

    code: str = ""
    email: str = ""
    name: str = ""
    roles: list[str] = dataclasses.field(default_factory=list)
    invited: str = ""
    status: str = ""
    status_label: str = ""
    emailed: bool = False


@dataclasses.dataclass
class RoleChoice:
    """A role checkbox: disabled unless `grantable`, ticked at first when `selected`."""

    id: str = ""
    name: str = ""
    description: str = ""
    grantable: bool = False
    selected: bool = False
    default: bool = False  # "assign to new members"


def day(value: datetime, lang: str = i18n.FALLBACK) -> str:
    """A date as the tables show it, e.g. "7 Mar 2025" (UTC), in `lang`."""
    return i18n.format_date(as_utc(value), lang)


def member_item(row: MemberRow, you: str, lang: str = i18n.FALLBACK) -> MemberItem:
    return MemberItem(id=row.user_id, name=row.full_name or "—", email=row.email or "",
                      roles=[role.name for role in row.roles], joined=day(row.joined_on, lang), you=row.user_id == you)


def invitation_item(row: InvitationRow, say: Say = english, lang: str = i18n.FALLBACK) -> InvitationItem:
    """One invitation row; `say` gives the status label in the tab's language."""
    label = say(STATUS_LABELS[row.status]) if row.status in STATUS_LABELS else row.status
    return InvitationItem(code=row.code, email=row.email, name=row.full_name, roles=[name for _key, name in row.roles],
                          invited=day(row.invited_on, lang), status=row.status, status_label=label, emailed=row.is_sent)


def role_choice(option: RoleOption) -> RoleChoice:
    return RoleChoice(id=option.id, name=option.name, description=option.description, grantable=option.grantable,
                      selected=option.selected, default=option.is_default_role)


def page_count(total: int, page_size: int = PAGE_SIZE) -> int:
    """How many pages `total` rows fill (at least one, so "page 1 of 1" for an empty list)."""
    return max(1, -(-total // page_size))


def showing(page: int, total: int, page_size: int = PAGE_SIZE, *, say: Say = english) -> str:
    """"26–50 of 312" for the rows on `page` (in `say`'s language); "" when there are none."""
    if total <= 0:
        return ""
    first = (page - 1) * page_size + 1
    return say("members.showing", first=first, last=min(page * page_size, total), total=total)


def chosen_role_ids(form: Any, options: Iterable[RoleOption]) -> list[str]:
    """The role ids a submitted role form asks for, in the options' order.

    Only the roles the actor may grant are read from the form (a ticked checkbox submits
    `role_<id>`); every other role stays as it was offered (`selected`), so a disabled checkbox,
    which browsers leave out of a submission, never reads as "take this role away", and a forged
    field for a role the actor may not grant changes nothing. Unknown fields are ignored.
    """
    submitted = form if isinstance(form, dict) else {}
    out = []
    for option in options:
        ticked = bool(submitted.get(f"{ROLE_FIELD}{option.id}")) if option.grantable else option.selected
        if ticked:
            out.append(option.id)
    return out


def form_text(form: Any, name: str, max_len: int = 320) -> str:
    """A text field of a submitted form ("" when missing or not text), cut to `max_len`; the domain
    validates it further."""
    value = form.get(name, "") if isinstance(form, dict) else ""
    return value[:max_len] if isinstance(value, str) else ""

