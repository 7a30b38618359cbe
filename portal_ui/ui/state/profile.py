"""The profile section: the signed-in user's name (editable), email (read-only) and latest activity
(the organizations, data download and account deletion: LifecycleState, ui/state/account_lifecycle.py).

A user manages their own profile, so the section needs only the profile function switched on;
`save_profile` still goes through the guard (a preview session or an ended one writes nothing)
and always changes the session's own user, whatever the client sends. The rules live in
portal_ui.domain.users (`update_profile`).
"""

from __future__ import annotations

import reflex as rx
from sqlmodel import Session

from portal_ui.domain.audit_log import recent_activity
from portal_ui.domain.errors import InvalidFields
from portal_ui.domain.sessions import ActiveSession
from portal_ui.domain.users import get_user, update_profile
from portal_ui.models import User
from portal_ui.ui import text
from portal_ui.ui.state.audit_views import ActivityItem, activity_item
from portal_ui.ui.state.portal import PortalState, organization_names

SECTION = "profile"
SAVED = "profile.saved"  # catalogue keys (portal_ui/i18n/<lang>/profile.json)
NOT_UNDERSTOOD = "profile.form_not_understood"


class ProfileState(PortalState):
    profile_given: str = ""
    profile_family: str = ""
    profile_email: str = ""
    profile_loaded: bool = False
    profile_saving: bool = False
    profile_errors: dict[str, str] = {}  # field name -> what is wrong with it
    profile_revision: int = 0  # moves on whenever the inputs must show the loaded names again
    profile_activity: list[ActivityItem] = []  # the user's own latest audit events, in any organization

    def _show(self, user: User) -> None:
        self.profile_given = user.given_name or ""
        self.profile_family = user.family_name or ""
        self.profile_email = user.email or ""
        self.profile_errors = {}
        self.profile_revision += 1
        self.user_name = text.person_name(user.given_name, user.family_name, user.email)

    @rx.event
    def load_profile(self):
        """on_load of /profile."""
        def work(db: Session, active: ActiveSession):
            self._show(get_user(db, active.user_id))
            self._load_activity(db, active.user_id)
            self.profile_loaded = True

        return self._act(SECTION, work, level="enter")

    def _load_activity(self, db: Session, user_id: str) -> None:
        """What this user did lately (README "Audit log"): their own events only, never others'."""
        entries = recent_activity(db, user_id)
        names = organization_names(db, sorted({e.org_code for e in entries if e.org_code}))
        lang = self._shell().lang
        self.profile_activity = [activity_item(entry, names, self._t, lang) for entry in entries]

    @rx.event
    def discard_profile(self):
        """Put the loaded names back in the form (this tab only; nothing is read or written)."""
        self.profile_errors = {}
        self.profile_revision += 1

    @rx.event
    def save_profile(self, form: dict):
        """Save the session's own user's given and family name."""
        def work(db: Session, active: ActiveSession):
            if not isinstance(form, dict):
                return rx.toast.error(self._t(NOT_UNDERSTOOD))
            user = update_profile(db, actor=self._actor(active), user_id=active.user_id,
                                  given_name=form.get("given_name", ""), family_name=form.get("family_name", ""))
            self._show(user)
            db.flush()
            self._load_activity(db, active.user_id)  # the save is the latest activity now
            return rx.toast.success(self._t(SAVED))

        self.profile_errors = {}
        return self._act(SECTION, work, busy="profile_saving", failed=self._save_failed)

    def _save_failed(self, exc: Exception):
        if isinstance(exc, InvalidFields):
            self.profile_errors = self._field_errors(exc)  # in the tab's language
            return rx.set_focus(f"profile-{next(iter(exc.fields))}")  # the first field to fix
        return rx.toast.error(self._error(exc))
