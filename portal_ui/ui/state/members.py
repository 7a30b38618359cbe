"""The members section: the organization's members and their roles; changing roles, removing, leaving.

Read with `org:read:members`, changed with `org:write:members` (README "Where a link lands"). The state holds one
page of rows and the list's query, sort and page; searching, sorting, counting and paging happen
in SQL (domain.member_list), so an organization with 10,000 members costs one page per event.

Any client can call any handler with any arguments (reflex-notes): every handler re-checks the
session through the guard, takes only ids and short strings, and reads the organization from the
session, never from its arguments. Changes go through the domain, which applies the grant rule
and keeps at least one member who can manage members (role_policy) whatever the UI sends.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from sqlmodel import Session

from portal_ui.domain.member_list import MEMBER_PAGE_SORTS, SEARCH_MAX, list_members_page
from portal_ui.domain.members import change_member_roles, get_membership, list_member_roles, remove_member
from portal_ui.domain.role_policy import grantable_roles
from portal_ui.domain.sessions import ActiveSession, end_session
from portal_ui.models import Organization, User
from portal_ui.ui import text
from portal_ui.ui.state.invitations import InvitationsState
from portal_ui.ui.state.join_requests import JoinRequestsState
from portal_ui.ui.state.member_views import (PAGE_SIZE, MemberItem, RoleChoice, chosen_role_ids, member_item,
                                             page_count, role_choice, showing)
from portal_ui.ui.state.portal import PortalState

SECTION = "organization_members"
ID_MAX = 64
TOP = "member-toolbar"  # where a new page of the list is scrolled to


def _an_id(value: object) -> str:
    """`value` if it could be an id; "" otherwise (the domain then finds nothing)."""
    return value if isinstance(value, str) and 0 < len(value) <= ID_MAX else ""


class MembersState(PortalState):
    members_loaded: bool = False
    member_rows: list[MemberItem] = []
    member_total: int = 0
    member_query: str = ""
    member_sort: str = "name_asc"
    member_page: int = 1
    member_pages: int = 1
    member_showing: str = ""
    # The change-roles dialog.
    editor_open: bool = False
    editor_name: str = ""
    editor_roles: list[RoleChoice] = []
    editor_error: str = ""
    editor_busy: bool = False
    # The confirmation dialog: remove a member, leave, or take roles away from yourself.
    confirm_open: bool = False
    confirm_title: str = ""
    confirm_body: str = ""
    confirm_action: str = ""
    confirm_error: str = ""
    confirm_busy: bool = False
    _editing: str = ""  # user id of the member in the change-roles dialog
    _confirm_kind: str = ""  # "remove" | "self_roles"
    _confirm_target: str = ""
    _pending_role_ids: list[str] = []

    # ---- words ------------------------------------------------------------------------------

    def _about(self, key: str, where: str, /, **values: object) -> str:
        """Message `key` naming the organization `where`; when it has no name, the `key`_unnamed
        message, which says "the organization" (its own words, so every language can decline it)."""
        return self._t(key, where=where, **values) if where else self._t(f"{key}_unnamed", **values)

    # ---- the list ---------------------------------------------------------------------------

    def _load_page(self, db: Session, active: ActiveSession) -> None:
        """Fill the table with the current page (the last one, when the list got shorter)."""
        query = dict(query=self.member_query, sort=self.member_sort, page_size=PAGE_SIZE)
        rows, total = list_members_page(db, active.org_code, page=self.member_page, **query)
        if not rows and self.member_page > 1:
            self.member_page = page_count(total)
            rows, total = list_members_page(db, active.org_code, page=self.member_page, **query)
        self.member_rows = [member_item(row, active.user_id, self._shell().lang) for row in rows]
        self.member_total = total
        self.member_pages = page_count(total)
        self.member_showing = showing(self.member_page, total, say=self._t)
        self.members_loaded = True

    def _reload(self, then: Any = None):
        """Re-read the page after a read-level check (a refusal when the session may not read);
        `then` follows when it worked."""
        def work(db: Session, active: ActiveSession):
            self._load_page(db, active)
            return then

        return self._act(SECTION, work, level="read")

    @rx.event
    def load_members(self):
        """on_load of /org/members: the shell, then this page of members and the invitations."""
        def work(db: Session, active: ActiveSession):
            self._load_page(db, active)
            return [InvitationsState.load_invitations, JoinRequestsState.load_join_requests]

        return self._act(SECTION, work, level="enter")

    @rx.event
    def refresh_members(self):
        """Read this page of members again (after someone joined from a request)."""
        return self._reload()

    @rx.event
    def search_members(self, query: str):
        """Search by name or email (the input is debounced); back to page 1."""
        self.member_query = query[:SEARCH_MAX] if isinstance(query, str) else ""
        self.member_page = 1
        return self._reload()

    @rx.event
    def sort_members(self, sort: str):
        self.member_sort = sort if sort in MEMBER_PAGE_SORTS else "name_asc"
        self.member_page = 1
        return self._reload()

    @rx.event
    def next_members_page(self):
        self.member_page = min(self.member_page + 1, self.member_pages)
        return self._reload(rx.scroll_to(TOP))

    @rx.event
    def previous_members_page(self):
        self.member_page = max(self.member_page - 1, 1)
        return self._reload(rx.scroll_to(TOP))

    # ---- changing roles ---------------------------------------------------------------------

    @rx.event
    def open_role_editor(self, user_id: str):
        """Open the change-roles dialog for a member of the session's organization."""
        def work(db: Session, active: ActiveSession):
            held = {role.id for role in list_member_roles(db, org_code=active.org_code, user_id=_an_id(user_id))}
            user = db.get(User, user_id)
            options = grantable_roles(db, active.org_code, active.user_id, selected_role_ids=held)
            self._editing = user_id
            self.editor_name = text.person_name(user.given_name, user.family_name, user.email) if user else ""
            self.editor_roles = [role_choice(option) for option in options]
            self.editor_error = ""
            self.editor_open = True

        return self._act(SECTION, work)

    @rx.event
    def close_editor(self, _open: bool = False):
        self.editor_open = False
        self.editor_busy = False

    @rx.event
    def save_member_roles(self, form: dict):
        """Submit of the change-roles dialog; taking roles away from yourself asks first."""
        def work(db: Session, active: ActiveSession):
            if not self._editing:
                self.editor_open = False
                return None
            held = {role.id: role.name for role in
                    list_member_roles(db, org_code=active.org_code, user_id=self._editing)}
            options = grantable_roles(db, active.org_code, active.user_id, selected_role_ids=set(held))
            wanted = chosen_role_ids(form, options)
            lost = [name for role_id, name in held.items() if role_id not in wanted]
            if self._editing == active.user_id and lost:
                self._ask_self_roles(wanted, lost)
                return None
            return self._apply_roles(db, active, self._editing, wanted)

        return self._act(SECTION, work, busy="editor_busy", failed=self._editor_failed)

    def _editor_failed(self, exc: Exception):
        self.editor_error = self._error(exc)

    def _ask_self_roles(self, wanted: list[str], lost: list[str]) -> None:
        self.editor_open = False
        self._open_confirm("self_roles", self._editing, title=self._t("members.self_roles_title"),
                           body=self._t("members.self_roles_text", roles=", ".join(lost)),
                           action=self._t("members.self_roles_action"))
        self._pending_role_ids = wanted

    def _apply_roles(self, db: Session, active: ActiveSession, user_id: str, role_ids: list[str]):
        change_member_roles(db, actor=self._actor(active), org_code=active.org_code, user_id=user_id,
                            role_ids=role_ids, acting_user_id=active.user_id)
        db.commit()
        self.editor_open = False
        if user_id != active.user_id:
            self._load_page(db, active)
            if self.editor_name:
                return rx.toast.success(self._t("members.roles_updated", name=self.editor_name))
            return rx.toast.success(self._t("members.roles_updated_unnamed"))
        # Your own roles: the shell may now be read-only, or the section hidden (then the page
        # moves on to a section that is still visible).
        still, follow = self._enter(db, SECTION)
        if still is not None:
            self._load_page(db, still)
        changed = rx.toast.success(self._t("members.own_roles_changed"))
        return [event for event in (follow, changed) if event is not None]

    # ---- removing and leaving ---------------------------------------------------------------

    @rx.event
    def ask_remove(self, user_id: str):
        """Ask before removing a member, or before leaving when it is the session's own user."""
        def work(db: Session, active: ActiveSession):
            get_membership(db, active.org_code, _an_id(user_id))
            user = db.get(User, user_id)
            org = db.get(Organization, active.org_code)
            where = org.name if org else ""
            if user_id == active.user_id:
                self._open_confirm("remove", user_id, title=self._about("members.leave_title", where),
                                   action=self._t("members.leave"), body=self._about("members.leave_text", where))
            else:
                name = text.person_name(user.given_name, user.family_name, user.email) if user else user_id
                self._open_confirm("remove", user_id, title=self._t("members.remove_title", name=name),
                                   action=self._t("members.remove_action"),
                                   body=self._about("members.remove_text", where, name=name))

        return self._act(SECTION, work)

    def _open_confirm(self, kind: str, target: str, *, title: str, body: str, action: str) -> None:
        self._confirm_kind, self._confirm_target = kind, target
        self.confirm_title, self.confirm_body, self.confirm_action = title, body, action
        self.confirm_error = ""
        self.confirm_busy = False
        self.confirm_open = True

    @rx.event
    def close_confirm(self, _open: bool = False):
        self._close_confirm()

    def _close_confirm(self) -> None:
        self.confirm_open = False
        self.confirm_busy = False
        self._confirm_kind = self._confirm_target = ""
        self._pending_role_ids = []

    @rx.event
    def confirm(self):
        """The confirmation dialog's action: do what `ask_remove` or the role editor asked about.

        A refusal by the domain (the last member who manages members, say) stays in the dialog.
        """
        def work(db: Session, active: ActiveSession):
            follow = None
            if self._confirm_kind == "remove" and self._confirm_target:
                follow = self._remove(db, active, self._confirm_target)
            elif self._confirm_kind == "self_roles" and self._confirm_target == active.user_id:
                follow = self._apply_roles(db, active, active.user_id, list(self._pending_role_ids))
            self._close_confirm()
            return follow

        return self._act(SECTION, work, busy="confirm_busy", refused=self._close_confirm,
                         failed=self._confirm_failed)

    def _confirm_failed(self, exc: Exception):
        self.confirm_error = self._error(exc)

    def _remove(self, db: Session, active: ActiveSession, user_id: str):
        user = db.get(User, user_id)
        name = text.person_name(user.given_name, user.family_name, user.email) if user else ""
        remove_member(db, actor=self._actor(active), org_code=active.org_code, user_id=user_id,
                      acting_user_id=active.user_id)
        if user_id == active.user_id:
            # Leaving ends the portal session: nothing in it is yours to manage any more.
            left = self._about("members.left", self._shell().org_name)
            actor = self._actor(active)
            end_session(db, self._cookie_token(), client_ip=actor.client_ip, user_agent=actor.user_agent)
            db.commit()
            self._show_ended(db)
            return rx.toast.success(left)
        db.commit()
        self._load_page(db, active)
        return rx.toast.success(self._t("members.removed", name=name) if name
                                else self._t("members.removed_unnamed"))
