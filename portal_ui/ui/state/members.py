"""The members section: who belongs to the session's organization and with which roles (read)."""

from __future__ import annotations

import reflex as rx

from portal_ui.db import session_scope
from portal_ui.domain.members import list_members
from portal_ui.domain.invitations import role_names
from portal_ui.ui import text
from portal_ui.ui.state.portal import PortalState

SECTION = "organization_members"
SHOWN = 100


class MembersState(PortalState):
    member_rows: list[dict[str, str]] = []
    members_more: bool = False
    members_loaded: bool = False

    @rx.event
    def load_members(self):
        """on_load of /org/members."""
        with session_scope() as db:
            active, follow = self._enter(db, SECTION)
            if active is None:
                return follow
            page = list_members(db, org_code=active.org_code, page_size=SHOWN, sort="name_asc")
            names = role_names(db, sorted({key for view in page.items for key in view.role_keys}))
            self.member_rows = [
                {
                    "id": view.user.id,
                    "name": text.person_name(view.user.given_name, view.user.family_name, None) or "—",
                    "email": view.user.email or "",
                    "roles": ", ".join(names.get(key, key) for key in view.role_keys) or "No role",
                    "you": "yes" if view.user.id == active.user_id else "",
                }
                for view in page.items
            ]
            self.members_more = page.next_token is not None
            self.members_loaded = True
        return None
