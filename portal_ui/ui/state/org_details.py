"""The organization details section: the organization's name, business details and logo.

Read with `org:read:details`, changed with `org:write:details` (README "Where a link lands"). Every handler that
changes data (`save_details`, `upload_logo`, `remove_logo`) asks the guard first, so a client
that calls it without the permission (any client can call any handler) changes nothing. The
rules live in portal_ui.domain.organizations and portal_ui.domain.logos.

Two admins editing at once: the form remembers the version it loaded (server-side only); a save
against a version someone else has moved on is refused with a "changed since you opened it"
callout, and "Reload" loads the current values and version.
"""

from __future__ import annotations

import reflex as rx
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from portal_ui import i18n
from portal_ui.db import session_scope
from portal_ui.domain.errors import Conflict, InvalidFields, InvalidInput, field_message, render
from portal_ui.domain.logos import LOGO_MAX_BYTES, check_logo, current_logo_path, remove_logo, set_logo
from portal_ui.domain.members import get_org
from portal_ui.domain.organizations import (DETAIL_FIELDS, DETAIL_NAMES, details_of, fields_changed_since,
                                            update_details)
from portal_ui.domain.sessions import ActiveSession
from portal_ui.models import Organization
from portal_ui.ui import text
from portal_ui.ui.branding import clean_branding
from portal_ui.ui.state.portal import PortalState

SECTION = "organization_details"
FIELDS = DETAIL_FIELDS  # (field, label, maximum length), in form order
FIELD_NAMES = DETAIL_NAMES
LOGO_UPLOAD_ID = "logo-upload"
# Catalogue keys (portal_ui/i18n/<lang>/org_details.json) of what the state says.
SAVED = "org_details.saved"
RELOADED = "org_details.reloaded"
# react-dropzone's reasons for refusing a file in the browser, in words ({kb}: the size limit).
DROP_REFUSALS = {
    "file-too-large": "org_details.refusal_too_large",
    "file-invalid-type": "org_details.refusal_invalid_type",
    "too-many-files": "org_details.refusal_too_many",
}
LABEL_NAMES = {label: name for name, label, _max in FIELDS}  # the domain's English label -> field name


class OrgDetailsState(PortalState):
    org_details: dict[str, str] = {}  # the values as loaded (also what "Discard changes" restores)
    details_loaded: bool = False
    details_saving: bool = False
    details_errors: dict[str, str] = {}  # field name -> what is wrong with it
    details_conflict: str = ""  # "changed since you opened it", with what changed
    details_revision: int = 0  # moves on whenever the inputs must show org_details again
    logo_src: str = ""
    logo_error: str = ""
    logo_busy: bool = False
    details_name_label: str = ""  # the organization name field's label (names the alias)
    _details_version: int = 0

    def _drop_refusal(self, code: str) -> str:
        """Why the browser refused a file (react-dropzone's `code`), in the tab's language."""
        return self._t(DROP_REFUSALS[code], kb=LOGO_MAX_BYTES // 1024)

    def _about_field(self, exc: InvalidInput, label: str) -> str:
        """`exc` as a sentence about one field (no "label: " prefix), in the tab's language, alias applied."""
        shell = self._shell()
        return i18n.aliased(render(field_message(exc, label), shell.lang), shell.org_alias or "", shell.lang)

    def _show(self, db: Session, org: Organization) -> None:
        """Show `org`'s current details and logo; forget errors, conflicts and unsaved typing."""
        self.org_details = details_of(org)
        self._details_version = org.version
        self.details_errors = {}
        self.details_conflict = ""
        self.details_revision += 1
        self.logo_src = current_logo_path(db, org.code)
        self.logo_error = ""
        self.org_name = org.name
        self.details_loaded = True

    @rx.event
    def load_details(self):
        """on_load of /org/details."""
        def work(db: Session, active: ActiveSession):
            self.details_name_label = self._t("org_details.field_name")
            self._show(db, get_org(db, active.org_code))

        return self._act(SECTION, work, level="enter")

    @rx.event
    def reload_details(self):
        """The current values and version, after a conflict (needs read access)."""
        def work(db: Session, active: ActiveSession):
            self._show(db, get_org(db, active.org_code))
            return rx.toast.info(self._t(RELOADED))

        return self._act(SECTION, work, level="read")

    @rx.event
    def discard_details(self):
        """Put the loaded values back in the form (this tab only; nothing is read or written)."""
        self.details_errors = {}
        self.details_revision += 1

    @rx.event
    def save_details(self, form: dict):
        """Save the details form; refused unless this session may write the organization's details."""
        def work(db: Session, active: ActiveSession):
            org = update_details(db, actor=self._actor(active), org_code=active.org_code, values=form,
                                 expected_version=self._details_version)
            self._show(db, org)
            return rx.toast.success(self._t(SAVED))

        self.details_errors = {}
        return self._act(SECTION, work, busy="details_saving", failed=self._save_failed)

    def _save_failed(self, exc: Exception):
        """Where a refused save says why: beside the fields, in the conflict callout, or a toast."""
        if isinstance(exc, InvalidFields):
            self.details_errors = self._field_errors(exc)  # in the tab's language
            return rx.set_focus(f"details-{next(iter(exc.fields))}")  # the first field to fix
        if isinstance(exc, Conflict):
            self.details_conflict = self._conflict_message(self._error(exc))
            return None
        return rx.toast.error(self._error(exc))

    def _conflict_message(self, message: str) -> str:
        """`message` with the fields someone else changed since this tab loaded them (runs in the
        worker thread, from `_save_failed`, after the refused transaction has rolled back)."""
        with session_scope() as db:
            active = self._require(db, SECTION, "read")
            if active is None:
                return message
            changed = fields_changed_since(self.org_details, get_org(db, active.org_code))
        if not changed:
            return message
        labels = ", ".join(self._t(f"org_details.field_{LABEL_NAMES[label]}") if label in LABEL_NAMES
                           else text.aliased(label, self.org_alias) for label in changed)
        return self._t("org_details.changed_meanwhile", message=message, labels=labels)

    # ---- logo ---------------------------------------------------------------------------

    @rx.event
    async def upload_logo(self, files: list[rx.UploadFile]):
        """Make the uploaded file the organization's logo (rx.upload sends it over HTTP)."""
        if isinstance(files, list) and not files:
            return  # the browser refused the file (logo_rejected says why): nothing arrived
        self.logo_error = ""
        if not isinstance(files, list) or len(files) != 1 or not isinstance(files[0], rx.UploadFile):
            self.logo_error = self._drop_refusal("too-many-files")
            return
        data = await files[0].read(LOGO_MAX_BYTES + 1)

        def work(db: Session, active: ActiveSession):
            # The guard has said yes before the file is looked at; decoding and re-encoding it
            # happens here, in the worker thread.
            set_logo(db, actor=self._actor(active), org_code=active.org_code, data=check_logo(data))
            self.logo_src = current_logo_path(db, active.org_code)
            self.logo_url = self.logo_src  # the header shows it at once
            return rx.toast.success(self._t("org_details.logo_updated"))

        async for update in self._act(SECTION, work, busy="logo_busy", failed=self._logo_failed,
                                       catch=(IntegrityError,)):
            yield update

    def _logo_failed(self, exc: Exception):
        if isinstance(exc, InvalidInput):
            self.logo_error = self._about_field(exc, "logo")
            return None
        if isinstance(exc, IntegrityError):  # another admin's upload won the race for the first logo
            self.logo_error = self._t("org_details.logo_race")
            return None
        return rx.toast.error(self._error(exc))

    @rx.event
    def logo_rejected(self, rejections: list):
        """The browser refused the chosen file (react-dropzone); say why. Only known reasons are shown."""
        codes = [error.get("code") for item in (rejections if isinstance(rejections, list) else [])
                 if isinstance(item, dict) for error in (item.get("errors") or []) if isinstance(error, dict)]
        known = next((code for code in codes if code in DROP_REFUSALS), "file-invalid-type")
        self.logo_error = self._drop_refusal(known)

    @rx.event
    def remove_logo(self):
        """Remove the organization's logo; the header goes back to the product's."""
        def work(db: Session, active: ActiveSession):
            removed = remove_logo(db, actor=self._actor(active), org_code=active.org_code)
            self.logo_src = ""
            self.logo_error = ""
            self.logo_url = clean_branding(active.settings.branding)["logo_url"]
            return rx.toast.success(self._t("org_details.logo_removed")) if removed else None

        return self._act(SECTION, work)
