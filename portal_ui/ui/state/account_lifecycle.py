"""The profile page's account lifecycle: your organizations (leave one, hand ownership over), your
data (download), and deleting your account (schedule, cancel).

Everything here is about the session's own user, so it needs only the profile section (a user
function); every handler still goes through the guard (`_act`: a preview or ended session changes
nothing) and always acts as the session's user, whatever the client sends. The organization a
dialog is about is kept server-side (`_leave_org`, `_transfer_org`) from the moment the dialog
opened; a handler called without one does nothing. Rules: portal_ui.domain.ownership and
account_deletion (the last owner may not leave, and may not delete their account).
"""

from __future__ import annotations

import dataclasses
from datetime import timedelta

import reflex as rx
from sqlmodel import Session, select

from portal_ui import i18n
from portal_ui.domain.account_deletion import GRACE_DAYS, cancel_deletion, deletion_blockers, schedule_deletion
from portal_ui.domain.clock import as_utc, utcnow
from portal_ui.domain.errors import Text, render
from portal_ui.domain.ownership import (CONFIRM_MAX, email_transfer, leave_blocker, leave_organization, owner_ids,
                                        owner_role_ids, transfer_candidates, transfer_ownership)
from portal_ui.domain.sessions import ActiveSession, end_session
from portal_ui.domain.users import get_user
from portal_ui.models import Membership, Organization, Role
from portal_ui.settings import get_settings
from portal_ui.ui import text
from portal_ui.ui.state.portal import PortalState

SECTION = "profile"
ID_MAX = 64


@dataclasses.dataclass
class OrgItem:
    """One of the user's organizations on the profile page."""

    code: str = ""
    name: str = ""
    owner: bool = False
    may_transfer: bool = False  # an owner, with someone to hand over to
    blocked: str = ""  # why leaving is refused now ("" when it is not)
    leave_label: str = ""
    transfer_label: str = ""


@dataclasses.dataclass
class CandidateItem:
    id: str = ""
    label: str = ""  # "Name (email)"


def _a_code(value: object) -> str:
    return value if isinstance(value, str) and 0 < len(value) <= ID_MAX else ""


class LifecycleState(PortalState):
    lifecycle_loaded: bool = False
    orgs_heading: str = ""
    org_items: list[OrgItem] = []
    data_text: str = ""
    delete_text: str = ""
    deletion_due: str = ""  # the day the account is deleted ("" when no deletion is scheduled)
    deletion_blockers: list[str] = []  # why deleting is refused now
    deletion_blocked_intro: str = ""
    # The leave dialog.
    leave_open: bool = False
    leave_title: str = ""
    leave_body: str = ""
    leave_error: str = ""
    leave_busy: bool = False
    # The transfer dialog.
    transfer_open: bool = False
    transfer_title: str = ""
    transfer_body: str = ""
    transfer_confirm_label: str = ""
    transfer_candidates: list[CandidateItem] = []
    transfer_empty: str = ""
    transfer_error: str = ""
    transfer_busy: bool = False
    transfer_revision: int = 0
    # The delete dialog.
    delete_open: bool = False
    delete_body: str = ""
    delete_error: str = ""
    delete_busy: bool = False
    cancel_busy: bool = False
    _leave_org: str = ""
    _transfer_org: str = ""

    # ---- loading ----------------------------------------------------------------------------

    def _load(self, db: Session, active: ActiveSession) -> None:
        user_id = active.user_id
        rows = db.exec(select(Organization.code, Organization.name).join(Membership, Membership.org_code ==
                                                                         Organization.code)
                       .where(Membership.user_id == user_id)).all()
        items = []
        for code, name in sorted(rows, key=lambda row: (row[1].lower(), row[0])):
            owners = owner_ids(db, code)
            blocker = leave_blocker(db, code, user_id)
            others = db.exec(select(Membership.id).where(Membership.org_code == code,
                                                         Membership.user_id != user_id).limit(1)).first()
            items.append(OrgItem(code=code, name=name, owner=user_id in owners,
                                 may_transfer=user_id in owners and others is not None,
                                 blocked=self._error_text(blocker) if blocker else "",
                                 leave_label=self._t("lifecycle.leave_label", org=name),
                                 transfer_label=self._t("lifecycle.transfer_label", org=name)))
        self.org_items = items
        self.orgs_heading = self._t("profile.your_organizations")
        self.data_text = self._t("lifecycle.data_text")
        self.delete_text = self._t("lifecycle.delete_text")
        user = get_user(db, user_id)
        lang = self._shell().lang
        self.deletion_due = i18n.format_date(as_utc(user.deletion_due_on), lang) if user.deletion_due_on else ""
        self.deletion_blocked_intro = self._t("lifecycle.delete_blocked")
        self.deletion_blockers = [self._error_text(b.reason) for b in deletion_blockers(db, user_id)]
        self.lifecycle_loaded = True

    def _error_text(self, message: Text) -> str:
        """A domain message (why something is refused) in this tab's language, alias applied."""
        shell = self._shell()
        return i18n.aliased(render(message, shell.lang), shell.org_alias or "", shell.lang)

    @rx.event
    def load_lifecycle(self):
        """on_load of /profile (after the profile itself)."""
        return self._act(SECTION, self._load, level="read")

    # ---- leaving ----------------------------------------------------------------------------

    @rx.event
    def ask_leave(self, org_code: str):
        """Open the leave dialog for one of the user's organizations."""
        def work(db: Session, active: ActiveSession):
            code = _a_code(org_code)
            org = db.get(Organization, code) if code else None
            member = org is not None and db.exec(select(Membership.id).where(
                Membership.org_code == code, Membership.user_id == active.user_id)).first() is not None
            if not member:
                self._load(db, active)
                return None
            self._leave_org = code
            self.leave_title = self._t("lifecycle.leave_title", org=org.name)
            key = "lifecycle.leave_text_this_session" if code == active.org_code else "lifecycle.leave_text"
            self.leave_body = self._t(key, org=org.name)
            blocker = leave_blocker(db, code, active.user_id)
            self.leave_error = self._error_text(blocker) if blocker else ""
            self.leave_open = True

        return self._act(SECTION, work, level="read")

    @rx.event
    def close_dialogs(self, _open: bool = False):
        """Close whichever dialog is open (this tab only; nothing is read or written)."""
        self.leave_open = self.transfer_open = self.delete_open = False
        self._leave_org = self._transfer_org = ""

    @rx.event
    def confirm_leave(self):
        """The leave dialog's action: the session's user leaves the organization the dialog named."""
        def work(db: Session, active: ActiveSession):
            code = self._leave_org
            if not code:
                self.leave_open = False
                return None
            org = db.get(Organization, code)
            name = org.name if org else code
            actor = self._actor(active)
            leave_organization(db, actor=actor, org_code=code, user_id=active.user_id)
            self.leave_open, self._leave_org = False, ""
            left = rx.toast.success(self._t("lifecycle.left", org=name))
            if code == active.org_code:  # this session was for that organization: it ends
                end_session(db, self._cookie_token(), client_ip=actor.client_ip, user_agent=actor.user_agent)
                db.commit()
                self._show_ended(db)
                return left
            db.commit()
            self._load(db, active)
            return left

        return self._act(SECTION, work, busy="leave_busy", failed=self._leave_failed)

    def _leave_failed(self, exc: Exception):
        self.leave_error = self._error(exc)

    # ---- handing ownership over -------------------------------------------------------------

    @rx.event
    def ask_transfer(self, org_code: str):
        """Open the transfer dialog: the organization's other members to choose from (owners only)."""
        def work(db: Session, active: ActiveSession):
            code = _a_code(org_code)
            org = db.get(Organization, code) if code else None
            if org is None:
                return None
            candidates = transfer_candidates(db, code, active.user_id)  # Forbidden unless an owner
            roles = db.exec(select(Role.name).where(Role.id.in_(owner_role_ids(db))).order_by(Role.name)).all()
            self._transfer_org = code
            self.transfer_title = self._t("lifecycle.transfer_title", org=org.name)
            self.transfer_body = self._t("lifecycle.transfer_text", roles=", ".join(roles))
            self.transfer_confirm_label = self._t("lifecycle.transfer_confirm_label", org=org.name)
            self.transfer_candidates = [
                CandidateItem(id=c.user_id, label=text.person_name(c.given_name, c.family_name, c.email)
                              + (f" ({c.email})" if c.email and (c.given_name or c.family_name) else ""))
                for c in candidates]
            self.transfer_empty = "" if candidates else self._t("lifecycle.transfer_no_candidates", org=org.name)
            self.transfer_error = ""
            self.transfer_revision += 1
            self.transfer_open = True

        return self._act(SECTION, work, level="read")

    @rx.event
    def confirm_transfer(self, form: dict):
        """The transfer dialog's submit: `new_owner` (a member's id) and `confirm` (the typed name)."""
        def work(db: Session, active: ActiveSession):
            code = self._transfer_org
            if not code:
                self.transfer_open = False
                return None
            data = form if isinstance(form, dict) else {}
            new_owner, typed = data.get("new_owner", ""), data.get("confirm", "")
            typed = typed[:CONFIRM_MAX + 1] if isinstance(typed, str) else ""
            done = transfer_ownership(db, actor=self._actor(active), org_code=code, from_user_id=active.user_id,
                                      to_user_id=_a_code(new_owner), confirm_name=typed)
            db.commit()
            new = get_user(db, done.to_user_id)
            name = text.person_name(new.given_name, new.family_name, new.email)
            product = str(active.settings.branding.get("product_name") or "the portal")
            emailed = email_transfer(db, get_settings(), done, product_name=product) > 0
            self.transfer_open, self._transfer_org = False, ""
            key = "lifecycle.transfer_emailed" if emailed else "lifecycle.transfer_done"
            told = rx.toast.success(self._t(key, name=name, org=done.org_name))
            # Your own roles changed: the shell may now show less (or be read-only).
            still, follow = self._enter(db, SECTION)
            if still is not None:
                self._load(db, still)
            return [event for event in (follow, told) if event is not None]

        return self._act(SECTION, work, busy="transfer_busy", failed=self._transfer_failed)

    def _transfer_failed(self, exc: Exception):
        self.transfer_error = self._error(exc)

    # ---- deleting the account ---------------------------------------------------------------

    @rx.event
    def ask_delete(self):
        """Open the delete dialog, naming the day the account would be deleted."""
        def work(db: Session, active: ActiveSession):
            self._load(db, active)
            day = i18n.format_date(utcnow() + timedelta(days=GRACE_DAYS), self._shell().lang)
            self.delete_body = self._t("lifecycle.delete_confirm_text", day=day)
            self.delete_error = self.deletion_blockers[0] if self.deletion_blockers else ""
            self.delete_open = True

        return self._act(SECTION, work, level="read")

    @rx.event
    def confirm_delete(self):
        """Schedule the deletion of the session's own account."""
        def work(db: Session, active: ActiveSession):
            due = schedule_deletion(db, actor=self._actor(active), user_id=active.user_id)
            db.commit()
            self.delete_open = False
            self._load(db, active)
            return rx.toast.success(self._t("lifecycle.delete_scheduled_toast",
                                            day=i18n.format_date(due, self._shell().lang)))

        return self._act(SECTION, work, busy="delete_busy", failed=self._delete_failed)

    def _delete_failed(self, exc: Exception):
        self.delete_error = self._error(exc)

    @rx.event
    def cancel_account_deletion(self):
        """Undo the scheduled deletion of the session's own account."""
        def work(db: Session, active: ActiveSession):
            cancel_deletion(db, actor=self._actor(active), user_id=active.user_id)
            db.commit()
            self._load(db, active)
            return rx.toast.success(self._t("lifecycle.deletion_cancelled"))

        return self._act(SECTION, work, busy="cancel_busy")
