"""The API key sections: the user's own keys (`api_keys`) or the organization's (`organization_api_keys`).

Whose keys a handler touches comes from the session (the tab's cookie, re-checked in the
database), never from the client: the `section` argument only chooses between the session's
own user keys and its organization's keys, and `_require` checks the session may write there.
Key ids and form values from the client are checked here and again by the domain, which treats
another owner's key exactly like an unknown id.

The secret of a new or rotated key never enters this state: Reflex writes each tab's state to
disk or Redis (with the connection's headers) and keeps it there for an hour. The handler that
made the key sends the secret once, in an event that sets `REVEALED_SECRET`, a variable that
lives only in the browser tab (React state); closing the dialog, and every page load, empty it.
The secret never reaches a log or an audit event either (the domain records only the key's
suffix).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import reflex as rx
from reflex.experimental.client_state import ClientStateVar
from sqlmodel import Session, col, select

from portal_ui import i18n
from portal_ui.domain import api_keys as keys
from portal_ui.domain.clock import utcnow
from portal_ui.domain.errors import Conflict, DomainError, InvalidInput, NotFound
from portal_ui.domain.sessions import ActiveSession
from portal_ui.models import ApiKey, User
from portal_ui.ui import text
from portal_ui.ui.state.portal import PortalState

SECTIONS = ("api_keys", "organization_api_keys")
SHOWN = 100
# Expiry choices offered when creating a key: form value -> days (None: never expires).
EXPIRY_DAYS: dict[str, int | None] = {"never": None, "30": 30, "90": 90, "365": 365}
SCOPE_FIELD = "scope:"  # form checkboxes are named "scope:<scope key>"
MAX_ID_CHARS = 64
CONFIRM_ACTIONS = ("rotate", "revoke")
# The one-time reveal of a secret: browser-side only (see the module docstring); "" when closed.
REVEALED_SECRET = ClientStateVar.create("portal_revealed_secret", "")


@dataclass
class KeyRow:
    """One key as the list shows it: metadata only, never the secret or its hash."""

    id: str = ""
    name: str = ""
    hint: str = ""  # key_prefix…key_suffix
    scopes: list[str] = field(default_factory=list)
    status: str = ""  # active|expired|revoked (effective)
    created_on: str = ""
    created_by: str = ""
    last_used: str = ""
    uses: str = ""  # verification count
    expires: str = ""  # a date, or "Never" (in the tab's language)
    can_rotate: bool = False
    can_revoke: bool = False


def _creator_names(db: Session, rows: list[ApiKey]) -> dict[str, str]:
    ids = sorted({row.created_by for row in rows})
    if not ids:
        return {}
    users = db.exec(select(User).where(col(User.id).in_(ids))).all()
    return {u.id: text.person_name(u.given_name, u.family_name, u.email) for u in users}


def _english(key: str, /, **values: object) -> str:
    return i18n.translate(i18n.FALLBACK, key, **values)


def key_row(key: ApiKey, creators: dict[str, str], never: str | None = None, lang: str = i18n.FALLBACK) -> KeyRow:
    """The list's row for `key` with dates in `lang`; `never` is the word for a date that never
    came (default English)."""
    status = keys.effective_status(key)
    never = _english("api_keys.never") if never is None else never
    return KeyRow(
        id=key.id, name=key.name, hint=f"{key.key_prefix}…{key.key_suffix}", scopes=list(key.scopes or []),
        status=status, created_on=i18n.format_date(key.created_on, lang), created_by=creators.get(key.created_by, key.created_by),
        last_used=i18n.format_date(key.last_verified_on, lang) if key.last_verified_on else never,
        uses=str(key.verification_count or 0),
        expires=i18n.format_date(key.expires_on, lang) if key.expires_on else never,
        can_rotate=status == keys.ACTIVE, can_revoke=key.status == keys.ACTIVE,
    )


def owner_of(active: ActiveSession, section: str) -> keys.KeyOwner:
    """The session's own keys for `section`: its organization's, or its user's."""
    if section == "organization_api_keys":
        return keys.KeyOwner.organization(active.org_code or "")
    return keys.KeyOwner.user(active.user_id)


def checked_section(value: Any) -> str | None:
    return value if isinstance(value, str) and value in SECTIONS else None


def checked_id(value: Any) -> str | None:
    return value if isinstance(value, str) and 0 < len(value) <= MAX_ID_CHARS else None


def parse_create_form(form: Any, say: Callable[[str], str] = _english) -> tuple[str, list[str], int | None]:
    """(name, scope keys, expiry in days) from the create form; InvalidInput when it is not understood.

    `say` words the InvalidInput's message from a catalogue key (default: English).
    Scopes are only collected here; the domain checks them against the catalogue.
    """
    if not isinstance(form, dict):
        raise InvalidInput(say("api_keys.form_not_understood"))
    name = form.get("name", "")
    if not isinstance(name, str):
        raise InvalidInput(say("api_keys.name_required"))
    expiry = form.get("expiry") or "never"
    if not isinstance(expiry, str) or expiry not in EXPIRY_DAYS:
        raise InvalidInput(say("api_keys.expiry_invalid"))
    scopes = [k[len(SCOPE_FIELD):] for k, v in form.items()
              if isinstance(k, str) and k.startswith(SCOPE_FIELD) and v not in (None, "", False)]
    return name, scopes, EXPIRY_DAYS[expiry]


class ApiKeysState(PortalState):
    keys_section: str = ""  # which of SECTIONS this tab's page shows
    key_rows: list[KeyRow] = []
    keys_more: bool = False
    keys_loaded: bool = False
    scope_options: list[dict[str, str]] = []  # the product's scope catalogue: key, description

    create_open: bool = False
    creating: bool = False
    create_error: str = ""

    confirm_action: str = ""  # rotate|revoke while the confirmation dialog is open
    confirm_id: str = ""
    confirm_name: str = ""
    confirm_busy: bool = False

    reveal_title: str = ""  # the reveal dialog's title; "" when no reveal is open (the secret: REVEALED_SECRET)
    secret_copied: bool = False

    # ---- loading ---------------------------------------------------------------------------

    def _load_rows(self, db: Session, active: ActiveSession, section: str) -> None:
        owner = owner_of(active, section)
        found = keys.list_keys(db, **({"org_code": owner.id} if owner.type == keys.ORGANIZATION
                                      else {"user_id": owner.id}))
        shown = found[:SHOWN]
        creators = _creator_names(db, shown)
        never = self._t("api_keys.never")
        self.key_rows = [key_row(k, creators, never, self._shell().lang) for k in shown]
        self.keys_more = len(found) > SHOWN

    def _forget_dialogs(self) -> None:
        self.reveal_title = ""
        self.secret_copied = False
        self.create_open = False
        self.creating = False
        self.create_error = ""
        self._close_confirm()

    def _close_confirm(self) -> None:
        self.confirm_action = ""
        self.confirm_id = ""
        self.confirm_name = ""
        self.confirm_busy = False

    @rx.event
    async def load_keys(self, key: str):
        """on_load of an API keys page; `key` names the page's section."""
        section = checked_section(key) or "api_keys"
        if self.reveal_title:
            # A reveal left open by navigating away (the tab's JavaScript lives on) is emptied first.
            yield REVEALED_SECRET.push("")
        self._forget_dialogs()

        def work(db: Session, active: ActiveSession):
            self._load_rows(db, active, section)
            self.scope_options = [{"key": s.key, "description": s.description} for s in keys.list_api_scopes(db)]
            self.keys_section = section
            self.keys_loaded = True

        async for update in self._act(section, work, level="enter"):
            yield update

    # ---- dialogs (no data changes) --------------------------------------------------------

    @rx.event
    def open_create(self):
        self.create_error = ""
        self.create_open = True

    @rx.event
    def create_open_change(self, is_open: bool):
        if not self.creating:
            self.create_open = bool(is_open)

    @rx.event
    def ask_confirm(self, action: str, key_id: str):
        """Open the rotate/revoke confirmation for one of the keys this tab lists."""
        row = next((r for r in self.key_rows if r.id == key_id), None)
        if action not in CONFIRM_ACTIONS or row is None:
            return
        self.confirm_action, self.confirm_id, self.confirm_name = action, row.id, row.name

    @rx.event
    def confirm_open_change(self, is_open: bool):
        if not is_open and not self.confirm_busy:
            self._close_confirm()

    def _close_reveal(self):
        self.reveal_title = ""
        self.secret_copied = False
        return REVEALED_SECRET.push("")

    @rx.event
    def close_reveal(self):
        """Close the one-time reveal: the browser forgets the secret."""
        return self._close_reveal()

    @rx.event
    def reveal_open_change(self, is_open: bool):
        return self._close_reveal() if not is_open else None

    @rx.event
    def copy_finished(self, copied: bool):
        """The browser's answer to "copy the secret": only whether it worked, never the secret."""
        self.secret_copied = copied is True and self.reveal_title != ""
        if self.reveal_title and not self.secret_copied:
            return rx.toast.error(self._t("api_keys.copy_refused"))
        return None

    # ---- changes ---------------------------------------------------------------------------

    def _reveal(self, secret: str, title: str):
        """Open the reveal dialog: the title in this state, the secret in the event returned, which
        only the browser keeps."""
        self.reveal_title = title
        self.secret_copied = False
        return REVEALED_SECRET.push(secret)

    @rx.event
    def create_key(self, section: str, form: dict):
        """Create a key for the session's user or organization and reveal its secret once."""
        checked = checked_section(section)

        def work(db: Session, active: ActiveSession):
            owner = owner_of(active, checked)
            try:
                name, scopes, days = parse_create_form(form, self._t)
                key, secret = keys.create_key(
                    db, actor=self._actor(active), type=owner.type, name=name, scopes=scopes,
                    org_code=owner.id if owner.type == keys.ORGANIZATION else None,
                    user_id=owner.id if owner.type == keys.USER else None,
                    expires_on=utcnow() + timedelta(days=days) if days else None)
            except DomainError as exc:
                self.create_error = self._error(exc)
                return None
            db.flush()
            self._load_rows(db, active, checked)
            self.create_open = False
            return [self._reveal(secret, self._t("api_keys.reveal_new", name=key.name)),
                    rx.toast.success(self._t("api_keys.created_toast"))]

        self.create_error = ""
        return self._act(checked, work, busy="creating", refused=self._close_create)

    def _close_create(self) -> None:
        self.create_open = False

    @rx.event
    def rotate_key(self, section: str, key_id: str):
        """Give one of the session's keys a new secret (revealed once); the old one stops working."""
        return self._change("rotate", section, key_id)

    @rx.event
    def revoke_key(self, section: str, key_id: str):
        """Revoke one of the session's keys; it stops working at once."""
        return self._change("revoke", section, key_id)

    def _change(self, action: str, section: Any, key_id: Any):
        checked = checked_section(section)

        def work(db: Session, active: ActiveSession):
            owner = owner_of(active, checked)
            secret, name = "", ""
            try:
                if checked_id(key_id) is None:
                    raise NotFound(self._t("api_keys.gone"))
                if action == "rotate":
                    key, secret = keys.rotate_key(db, key_id, owner=owner, actor=self._actor(active))
                else:
                    key = keys.revoke_key(db, key_id, owner=owner, actor=self._actor(active))
                name = key.name
            except (NotFound, Conflict) as exc:
                db.rollback()
                self._load_rows(db, active, checked)
                return rx.toast.error(self._error(exc) if isinstance(exc, Conflict) else self._t("api_keys.gone"))
            db.flush()
            self._load_rows(db, active, checked)
            if action == "rotate":
                return [self._reveal(secret, self._t("api_keys.reveal_rotated", name=name)),
                        rx.toast.success(self._t("api_keys.rotated_toast"))]
            return rx.toast.success(self._t("api_keys.revoked_toast", name=name))

        return self._act(checked, work, busy="confirm_busy", after=self._close_confirm)
