"""The members section's invitations: the list, inviting someone, and revoking an invitation.

Read with `org:read:members`, changed with `org:write:members`, like the members list (the same
section). As there, every handler asks the guard first and takes the organization from the
session. The invitation is committed first; its email goes out in a second, short transaction
(domain.mailer), so a mail problem never loses the invitation.
"""

from __future__ import annotations

from typing import Any

import reflex as rx
from sqlmodel import Session

from portal_ui.db import session_scope
from portal_ui import i18n
from portal_ui.domain.errors import InvalidInput, say
from portal_ui.domain.invitations import get_invitation, invite_member, list_invitations_page, revoke_invitation
from portal_ui.domain.mailer import Delivery, deliver_invitation
from portal_ui.domain.role_policy import grantable_roles
from portal_ui.domain.sessions import ActiveSession
from portal_ui.settings import get_settings
from portal_ui.ui.state.member_views import (PAGE_SIZE, InvitationItem, RoleChoice, chosen_role_ids, form_text,
                                             invitation_item, page_count, role_choice, showing)
from portal_ui.ui.state.portal import PortalState

SECTION = "organization_members"
CODE_MAX = 64
TOP = "invitations"  # where a new page of the list is scrolled to


class InvitationsState(PortalState):
    invitations_loaded: bool = False
    invitation_rows: list[InvitationItem] = []
    invitation_total: int = 0
    invitation_page: int = 1
    invitation_pages: int = 1
    invitation_showing: str = ""
    include_closed: bool = False
    # The invite dialog.
    invite_open: bool = False
    invite_roles: list[RoleChoice] = []
    invite_error: str = ""
    invite_busy: bool = False
    # The revoke confirmation.
    revoke_open: bool = False
    revoke_email: str = ""
    revoke_error: str = ""
    revoke_busy: bool = False
    _revoking: str = ""  # code of the invitation the revoke dialog is about

    def _load_page(self, db: Session, active: ActiveSession) -> None:
        """Fill the table with the current page (the last one, when the list got shorter)."""
        rows, total = list_invitations_page(db, active.org_code, page=self.invitation_page, page_size=PAGE_SIZE,
                                            include_closed=self.include_closed)
        if not rows and self.invitation_page > 1:
            self.invitation_page = page_count(total)
            rows, total = list_invitations_page(db, active.org_code, page=self.invitation_page,
                                                page_size=PAGE_SIZE, include_closed=self.include_closed)
        self.invitation_rows = [invitation_item(row, self._t, self._shell().lang) for row in rows]
        self.invitation_total = total
        self.invitation_pages = page_count(total)
        self.invitation_showing = showing(self.invitation_page, total, say=self._t)
        self.invitations_loaded = True

    def _reload(self, then: Any = None):
        """Re-read the page after a read-level check (a refusal when the session may not read);
        `then` follows when it worked."""
        def work(db: Session, active: ActiveSession):
            self._load_page(db, active)
            return then

        return self._act(SECTION, work, level="read")

    @rx.event
    def load_invitations(self):
        """Chained from the members page's on_load."""
        return self._reload()

    @rx.event
    def show_closed(self, include: bool):
        """Also list revoked and accepted invitations (or not)."""
        self.include_closed = include is True
        self.invitation_page = 1
        return self._reload()

    @rx.event
    def next_invitations_page(self):
        self.invitation_page = min(self.invitation_page + 1, self.invitation_pages)
        return self._reload(rx.scroll_to(TOP))

    @rx.event
    def previous_invitations_page(self):
        self.invitation_page = max(self.invitation_page - 1, 1)
        return self._reload(rx.scroll_to(TOP))

    # ---- inviting ---------------------------------------------------------------------------

    @rx.event
    def open_invite(self):
        """Open the invite form: roles marked "assign to new members" ticked, the ones this
        member may not grant disabled."""
        def work(db: Session, active: ActiveSession):
            options = grantable_roles(db, active.org_code, active.user_id)
            self.invite_roles = [role_choice(option) for option in options]
            self.invite_error = ""
            self.invite_busy = False
            self.invite_open = True

        return self._act(SECTION, work)

    @rx.event
    def close_invite(self, _open: bool = False):
        self.invite_open = False
        self.invite_busy = False

    @rx.event
    def invite(self, form: dict):
        """Submit of the invite form: first name, last name, email and `role_<id>` checkboxes."""
        self.invite_error = ""
        return self._act(SECTION, lambda db, active: self._invite(db, active, form), busy="invite_busy",
                         refused=self._close_invite, failed=self._invite_failed)

    def _close_invite(self) -> None:
        self.invite_open = False

    def _invite_failed(self, exc: Exception):
        self.invite_error = self._error(exc)

    def _invite(self, db: Session, active: ActiveSession, form: dict):
        options = grantable_roles(db, active.org_code, active.user_id)
        keys = {option.id: option.key for option in options}
        role_keys = [keys[role_id] for role_id in chosen_role_ids(form, options)]
        if not role_keys:
            raise InvalidInput(say("members.choose_a_role"))
        actor = self._actor(active)
        invitation = invite_member(db, actor=actor, acting_user_id=active.user_id, org_code=active.org_code,
                                   email=form_text(form, "email"), first_name=form_text(form, "first_name"),
                                   last_name=form_text(form, "last_name"), role_keys=role_keys)
        db.commit()  # the email goes out once the invitation is committed
        with session_scope() as mail_db:
            delivery = deliver_invitation(mail_db, get_settings(), actor=actor, invite_code=invitation.code)
        self.invite_open = False
        self.invitation_page = 1
        self._load_page(db, active)
        shown = self._delivery_message(delivery)
        return rx.toast.success(shown) if delivery.sent else rx.toast.info(shown)

    def _delivery_message(self, delivery: Delivery) -> str:
        """What happened to the invitation's email, in this tab's language, alias applied."""
        shell = self._shell()
        return i18n.aliased(delivery.localized(shell.lang), shell.org_alias or "", shell.lang)

    # ---- revoking ---------------------------------------------------------------------------

    @rx.event
    def ask_revoke(self, code: str):
        """Ask before revoking a pending invitation of the session's organization."""
        def work(db: Session, active: ActiveSession):
            invitation = get_invitation(db, org_code=active.org_code,
                                        invite_code=code if isinstance(code, str) and len(code) <= CODE_MAX else "")
            self._revoking = invitation.code
            self.revoke_email = invitation.email
            self.revoke_error = ""
            self.revoke_busy = False
            self.revoke_open = True

        return self._act(SECTION, work)

    @rx.event
    def close_revoke(self, _open: bool = False):
        self.revoke_open = False
        self.revoke_busy = False
        self._revoking = ""

    @rx.event
    def confirm_revoke(self):
        def work(db: Session, active: ActiveSession):
            follow = None
            if self._revoking:
                invitation = revoke_invitation(db, actor=self._actor(active), org_code=active.org_code,
                                               invite_code=self._revoking, acting_user_id=active.user_id)
                db.commit()
                self._load_page(db, active)
                follow = rx.toast.success(self._t("members.revoked", email=invitation.email))
            self._end_revoke()
            return follow

        return self._act(SECTION, work, busy="revoke_busy", refused=self._end_revoke, failed=self._revoke_failed)

    def _end_revoke(self) -> None:
        self.revoke_open = False
        self._revoking = ""

    def _revoke_failed(self, exc: Exception):
        self.revoke_error = self._error(exc)
