"""Users: create (optionally into an organization), get, list; email and name rules shared by others.

Functions validate everything before writing (so a refusal leaves nothing half-written) and add
one audit event per change to the caller's session; the caller commits.
"""

from __future__ import annotations

import re
from typing import Any, Sequence

from email_validator import EmailNotValidError, validate_email
from sqlmodel import Session, col, select

from portal_ui.domain import audit
from portal_ui.domain.clock import utcnow
from portal_ui.domain.errors import Conflict, InvalidFields, InvalidInput, NotFound, Text, field_message, say
from portal_ui.domain.members import insert_membership, sync_member_sort_keys
from portal_ui.domain.paging import Page, paginate, scope_of
from portal_ui.domain.secrets import new_id
from portal_ui.models import NAME_MAX, Membership, Organization, User

EMAIL_MAX = 254  # RFC 5321, as Kinde
MAX_FILTER_VALUES = 100
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_USER_ID = re.compile(r"^kp_[A-Za-z0-9_]{1,61}$")


def normalize_email(value: object, *, field: str = "email") -> str:
    """`value` trimmed and lower-cased; InvalidInput unless it is one plain address.

    Checked offline with email-validator (no DNS): a dot-atom local part (no quotes, comments,
    commas, angle brackets or spaces) at a domain name with a dot, not a special-use name such as
    `localhost`, `.local`, `.test` or `.invalid`. So an accepted address is exactly one
    recipient: nothing in it can split into two, add a display name, or start another header.
    Codes: EMAIL_TOO_LONG (over 254 characters), INVALID_EMAIL (anything else).
    """
    if not isinstance(value, str):
        raise InvalidInput(say("users.email_missing", field=field), code="INVALID_EMAIL")
    email = value.strip().lower()
    if len(email) > EMAIL_MAX:
        raise InvalidInput(say("users.too_long", field=field, max=EMAIL_MAX), code="EMAIL_TOO_LONG")
    invalid = InvalidInput(say("users.email_invalid", field=field, value=repr(value.strip()[:64])),
                           code="INVALID_EMAIL")
    if _CONTROL.search(email) or _SURROGATE.search(email):
        raise invalid
    try:
        checked = validate_email(email, check_deliverability=False, allow_quoted_local=False,
                                 allow_domain_literal=False, allow_display_name=False, allow_empty_local=False)
    except EmailNotValidError:
        raise invalid from None
    return checked.normalized.lower()


def _text_problem_key(text: str) -> str | None:
    """The catalogue key ("{field}: ...") saying why `text` cannot be stored, or None when it can."""
    if "\x00" in text:
        return "users.text_nul"
    if _SURROGATE.search(text):
        return "users.text_surrogate"
    if _CONTROL.search(text):
        return "users.text_control"
    return None


def text_problem(text: str) -> str | None:
    """Why `text` cannot be stored as a line of text (English), or None when it can.

    PostgreSQL refuses NUL characters in text, and a lone UTF-16 surrogate (which JSON can carry
    as an escape) cannot be encoded as UTF-8 at all: both are refused here with a clear message
    instead of failing in the database.
    """
    key = _text_problem_key(text)
    return Text(key, {"field": ""}).render().removeprefix(": ") if key else None


def clean_name(value: object, *, field: "str | Text", max_len: int = NAME_MAX, code: str | None = None) -> str:
    """A person's or organization's name part: trimmed, no control characters, at most `max_len`.

    None means "". Raises InvalidInput (with `code` when it is too long). `field` names the field in
    the message: a machine name ("given_name") or a label from the catalogue (a Text).
    """
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput(say("users.give_text", field=field))
    text = value.strip()
    problem = _text_problem_key(text)
    if problem:
        raise InvalidInput(say(problem, field=field))
    if len(text) > max_len:
        raise InvalidInput(say("users.too_long", field=field, max=max_len), code=code)
    return text


def create_user(session: Session, *, actor: audit.Actor, given_name: str | None = "", family_name: str | None = "",
                email: str | None = None, organization_code: str | None = None, user_id: str | None = None) -> User:
    """Create a user (id `kp_<hex>` unless `user_id` is given) and optionally add them to an org.

    As a new member of `organization_code` the user gets the default roles. One audit event
    `user.created`. Raises InvalidInput (bad names/email/id, unknown organization), Conflict
    (email or id already used).
    """
    given = clean_name(given_name, field="given_name")
    family = clean_name(family_name, field="family_name")
    normalized = normalize_email(email) if email is not None else None
    if user_id is not None:
        if not isinstance(user_id, str) or not _USER_ID.match(user_id):
            raise InvalidInput("id: use kp_ followed by letters, digits or underscores")
        if session.get(User, user_id) is not None:
            raise Conflict(f"A user with id {user_id!r} already exists.", code="USER_ALREADY_EXISTS")
    if normalized is not None and session.exec(select(User.id).where(User.email == normalized)).first():
        raise Conflict("A user with this email already exists.", code="EMAIL_ALREADY_EXISTS")
    if organization_code is not None and (not isinstance(organization_code, str)
                                          or session.get(Organization, organization_code) is None):
        raise InvalidInput(f"organization_code: no organization {str(organization_code)[:64]!r}",
                           code="ORGANIZATION_NOT_FOUND")
    user = User(id=user_id or new_id("kp"), given_name=given, family_name=family, email=normalized,
                created_on=utcnow())
    session.add(user)
    session.flush()
    after: dict = {"given_name": given, "family_name": family, "email": normalized}
    if organization_code is not None:
        after["organization_code"] = organization_code
        after["roles"] = insert_membership(session, organization_code, user.id)
    audit.record(session, actor=actor, action="user.created", target_type="user", target_id=user.id,
                 org_code=organization_code, before={}, after=after)
    return user


PROFILE_NAME_MAX = NAME_MAX  # the same limit as the Management API (create_user)
PROFILE_FIELDS: tuple[tuple[str, str, int], ...] = (
    ("given_name", "Given name", PROFILE_NAME_MAX),
    ("family_name", "Family name", PROFILE_NAME_MAX),
)
PROFILE_LABEL_KEYS = {"given_name": "profile.given_name", "family_name": "profile.family_name"}  # the labels, translated


def clean_profile(*, given_name: object, family_name: object) -> dict[str, str]:
    """The profile's names, trimmed and checked; InvalidFields names every bad field.

    The given name is required, the family name optional (not everyone has one).
    """
    errors: dict[str, str | Text] = {}
    out: dict[str, str] = {}
    for (name, label, max_len), value in zip(PROFILE_FIELDS, (given_name, family_name)):
        try:
            out[name] = clean_name(value, field=Text(PROFILE_LABEL_KEYS[name]), max_len=max_len)
        except InvalidInput as exc:
            errors[name] = field_message(exc, label)
            continue
        if name == "given_name" and not out[name]:
            errors[name] = say("users.given_name_required")
    if errors:
        raise InvalidFields(errors, labels=dict((n, label) for n, label, _m in PROFILE_FIELDS))
    return out


def update_profile(session: Session, *, actor: audit.Actor, user_id: str, given_name: object,
                   family_name: object) -> User:
    """Change a user's given and family name; one audit event `user.updated` when anything changed.

    Both names are validated before anything is written. Raises InvalidFields (bad names),
    NotFound (no such user). The caller commits.
    """
    values = clean_profile(given_name=given_name, family_name=family_name)
    user = get_user(session, user_id)
    before, after = audit.changed_fields({"given_name": user.given_name, "family_name": user.family_name}, values)
    if not after:
        return user
    for name, value in after.items():
        setattr(user, name, value)
    session.add(user)
    session.flush()
    sync_member_sort_keys(session, user_ids=[user.id])  # the members lists sort and search by name
    audit.record(session, actor=actor, action="user.updated", target_type="user", target_id=user.id,
                 before=before, after=after)
    return user


def not_deleted() -> Any:
    """A WHERE clause leaving out deleted accounts (their rows stay as tombstones: account_deletion)."""
    return col(User.deleted_on).is_(None)


def live_user_row(session: Session, user_id: object) -> User | None:
    """The user unless unknown or deleted (then None)."""
    user = session.get(User, user_id) if isinstance(user_id, str) and user_id else None
    return user if user is not None and user.deleted_on is None else None


def get_user(session: Session, user_id: str) -> User:
    """The user, or NotFound (USER_NOT_FOUND) for unknown and deleted users alike."""
    user = live_user_row(session, user_id)
    if user is None:
        raise NotFound(say("users.user_not_found", id=repr(str(user_id)[:64])), code="USER_NOT_FOUND")
    return user


def user_organizations(session: Session, user_ids: Sequence[str]) -> dict[str, list[str]]:
    """Organization codes per user id (sorted), for every id given."""
    out: dict[str, list[str]] = {u: [] for u in user_ids}
    if user_ids:
        rows = session.exec(select(Membership.user_id, Membership.org_code)
                            .where(col(Membership.user_id).in_(list(user_ids))).order_by(Membership.org_code)).all()
        for user_id, org_code in rows:
            out[user_id].append(org_code)
    return out


def list_users(session: Session, *, page_size: int | None = None, next_token: str | None = None,
               user_ids: Sequence[str] = (), emails: Sequence[str] = (),
               has_organization: bool | None = None) -> Page[User]:
    """One page of users (deleted accounts left out), oldest first, optionally filtered by ids, emails (any match) and membership.

    Raises InvalidInput (bad page size or token, more than 100 filter values).
    """
    if len(user_ids) > MAX_FILTER_VALUES or len(emails) > MAX_FILTER_VALUES:
        raise InvalidInput(f"give at most {MAX_FILTER_VALUES} ids or emails to filter by")
    stmt = select(User).where(not_deleted())
    if user_ids:
        stmt = stmt.where(col(User.id).in_(list(user_ids)))
    if emails:
        stmt = stmt.where(col(User.email).in_([e.strip().lower() for e in emails]))
    if has_organization is not None:
        member = col(User.id).in_(select(Membership.user_id))
        stmt = stmt.where(member if has_organization else ~member)
    scope = scope_of("users", sorted(user_ids), sorted(emails), has_organization)
    return paginate(session, stmt.order_by(User.created_on, User.id), page_size=page_size,
                    next_token=next_token, scope=scope)
