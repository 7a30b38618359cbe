"""The profile section: the signed-in user's name, email and organizations."""

from __future__ import annotations

import reflex as rx

from portal_ui.db import session_scope
from portal_ui.domain.users import user_organizations
from portal_ui.models import User
from portal_ui.ui import text
from portal_ui.ui.state.portal import PortalState, organization_names

SECTION = "profile"


class ProfileState(PortalState):
    profile_name: str = ""
    profile_email: str = ""
    profile_orgs: list[str] = []  # names of the organizations the user belongs to
    orgs_heading: str = ""
    profile_loaded: bool = False

    @rx.event
    def load_profile(self):
        """on_load of /profile."""
        with session_scope() as db:
            active, follow = self._enter(db, SECTION)
            if active is None:
                return follow
            user = db.get(User, active.user_id)
            codes = user_organizations(db, [active.user_id])[active.user_id]
            names = organization_names(db, codes)
            self.profile_name = text.person_name(user.given_name, user.family_name, None) if user else ""
            self.profile_email = (user.email or "") if user else ""
            self.profile_orgs = sorted((names.get(code, code) for code in codes), key=str.lower)
            self.orgs_heading = text.aliased("Your organizations", active.settings.org_alias)
            self.profile_loaded = True
        return None
