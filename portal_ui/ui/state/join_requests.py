"""Join requests in the portal: asking to join from the profile, deciding in the members section.

`JoinSuggestionsState` (profile): the organization whose verified `suggest` domain matches the
user's email, and "Ask to join"; it always acts for the session's own user. `JoinRequestsState`
(members section): pending requests, shown to sessions that may change members
(`org:write:members`), approved with roles from the grant rule (role_policy) or rejected. The
requester is emailed the decision after it is committed (domain.mailer). The rules live in
portal_ui.domain.join_requests.
"""

from __future__ import annotations

import dataclasses

import reflex as rx
from sqlmodel import Session

from portal_ui import i18n
from portal_ui.db import session_scope
from portal_ui.domain import join_requests
from portal_ui.domain.mailer import deliver_join_decision
from portal_ui.domain.role_policy import grantable_roles
from portal_ui.domain.sections import BY_KEY
from portal_ui.domain.sessions import ActiveSession
from portal_ui.models import JoinRequest, User
from portal_ui.settings import get_settings
from portal_ui.ui import text
from portal_ui.ui.state.member_views import RoleChoice, chosen_role_ids, day, role_choice
from portal_ui.ui.state.portal import PortalState, access_to

MEMBERS = "organization_members"
PROFILE = "profile"
ID_MAX = 64


def _an_id(value: object) -> str:
    return value if isinstance(value, str) and 0 < len(value) <= ID_MAX else ""


@dataclasses.dataclass
class SuggestionItem:
    org_code: str = ""
    org_name: str = ""
    text: str = ""  # "Your email address is at acme.com, which Acme has verified."
    status: str = ""  # "" (not asked) | pending | rejected | approved


@dataclasses.dataclass
class RequestItem:
    id: str = ""
    name: str = ""
    email: str = ""
    asked: str = ""  # "Asked 4 Dec 2026 · acme.com"


class JoinSuggestionsState(PortalState):
    join_suggestions: list[SuggestionItem] = []
    join_heading: str = ""
    join_busy: str = ""  # org code being asked

    def _load_suggestions(self, db: Session, active: ActiveSession) -> None:
        self.join_suggestions = [
            SuggestionItem(org_code=s.org_code, org_name=s.org_name, status=s.status or "",
                           text=self._t("join.suggested_text", domain=s.domain, org=s.org_name))
            for s in join_requests.suggestions_for(db, active.user_id)]
        self.join_heading = self._t("join.suggested_heading")

    @rx.event
    def load_suggestions(self):
        """Part of the profile's on_load."""
        return self._act(PROFILE, self._load_suggestions, level="read")

    @rx.event
    def ask_to_join(self, org_code: str):
        """Ask to join `org_code` as the session's own user."""
        wanted = _an_id(org_code)

        def work(db: Session, active: ActiveSession):
            join_requests.ask_to_join(db, actor=self._actor(active), user_id=active.user_id, org_code=wanted)
            db.commit()
            self._load_suggestions(db, active)
            name = next((s.org_name for s in self.join_suggestions if s.org_code == wanted), "")
            return rx.toast.success(self._t("join.asked_toast", org=name))

        return self._act(PROFILE, work, busy="join_busy", busy_value=wanted or "-")


class JoinRequestsState(PortalState):
    join_requests_loaded: bool = False
    request_rows: list[RequestItem] = []
    request_total: int = 0
    request_more: str = ""  # "Showing the oldest 100 of 130 requests." when there are more
    # The approve dialog.
    approve_open: bool = False
    approve_title: str = ""
    approve_text: str = ""
    approve_roles: list[RoleChoice] = []
    approve_error: str = ""
    approve_busy: bool = False
    # The reject confirmation.
    reject_open: bool = False
    reject_title: str = ""
    reject_error: str = ""
    reject_busy: bool = False
    _deciding: str = ""  # id of the request a dialog is about

    def _load_requests(self, db: Session, active: ActiveSession) -> None:
        """Pending requests, only for sessions that may decide them (others see none)."""
        may_decide = access_to(active, BY_KEY[MEMBERS]) == "write" and not active.is_preview
        rows, total = join_requests.pending_requests(db, active.org_code) if may_decide else ([], 0)
        lang = self._shell().lang
        self.request_rows = [RequestItem(id=r.id, name=r.name or r.email, email=r.email,
                                         asked=self._t("join.asked_on", date=day(r.asked_on, lang), domain=r.domain))
                             for r in rows]
        self.request_total = total
        self.request_more = self._t("join.more_pending", shown=len(rows), total=total) if total > len(rows) else ""
        self.join_requests_loaded = True

    @rx.event
    def load_join_requests(self):
        """Chained from the members page's on_load."""
        return self._act(MEMBERS, self._load_requests, level="read")

    def _requester(self, db: Session, request: JoinRequest) -> str:
        user = db.get(User, request.user_id)
        return text.person_name(user.given_name, user.family_name, user.email) if user else request.user_id

    # ---- approving ------------------------------------------------------------------------------

    @rx.event
    def ask_approve(self, request_id: str):
        """Open the approve dialog: roles marked "assign to new members" ticked, the ones this
        member may not grant disabled."""
        def work(db: Session, active: ActiveSession):
            request = join_requests.get_request(db, active.org_code, _an_id(request_id))
            name = self._requester(db, request)
            self._deciding = request.id
            self.approve_roles = [role_choice(o) for o in grantable_roles(db, active.org_code, active.user_id)]
            self.approve_title = self._t("join.approve_title", name=name)
            self.approve_text = self._t("join.approve_text", name=name)
            self.approve_error = ""
            self.approve_open = True

        return self._act(MEMBERS, work)

    @rx.event
    def close_approve(self, _open: bool = False):
        self.approve_open = False
        self.approve_busy = False
        self._deciding = ""

    @rx.event
    def approve(self, form: dict):
        """Submit of the approve dialog (`role_<id>` checkboxes)."""
        def work(db: Session, active: ActiveSession):
            if not self._deciding:
                self.approve_open = False
                return None
            options = grantable_roles(db, active.org_code, active.user_id)
            keys = {o.id: o.key for o in options}
            request = join_requests.approve_request(
                db, actor=self._actor(active), org_code=active.org_code, request_id=self._deciding,
                role_keys=[keys[i] for i in chosen_role_ids(form, options)], acting_user_id=active.user_id)
            return self._decided(db, active, request, "join.approved_toast")

        def failed(exc: Exception):
            self.approve_error = self._error(exc)

        return self._act(MEMBERS, work, busy="approve_busy", refused=self._end_dialogs, failed=failed)

    # ---- rejecting ------------------------------------------------------------------------------

    @rx.event
    def ask_reject(self, request_id: str):
        def work(db: Session, active: ActiveSession):
            request = join_requests.get_request(db, active.org_code, _an_id(request_id))
            self._deciding = request.id
            self.reject_title = self._t("join.reject_title", name=self._requester(db, request))
            self.reject_error = ""
            self.reject_open = True

        return self._act(MEMBERS, work)

    @rx.event
    def close_reject(self, _open: bool = False):
        self.reject_open = False
        self.reject_busy = False
        self._deciding = ""

    @rx.event
    def reject(self):
        def work(db: Session, active: ActiveSession):
            if not self._deciding:
                self.reject_open = False
                return None
            request = join_requests.reject_request(db, actor=self._actor(active), org_code=active.org_code,
                                                   request_id=self._deciding, acting_user_id=active.user_id)
            return self._decided(db, active, request, "join.rejected_toast")

        def failed(exc: Exception):
            self.reject_error = self._error(exc)

        return self._act(MEMBERS, work, busy="reject_busy", refused=self._end_dialogs, failed=failed)

    # ---- after a decision -----------------------------------------------------------------------

    def _decided(self, db: Session, active: ActiveSession, request: JoinRequest, toast_key: str):
        """Commit, email the requester (its own short transaction), reload; the toasts to show."""
        name = self._requester(db, request)
        db.commit()
        with session_scope() as mail_db:
            delivery = deliver_join_decision(mail_db, get_settings(), request_id=request.id)
        self._end_dialogs()
        self._load_requests(db, active)
        shell = self._shell()
        mailed = i18n.aliased(delivery.localized(shell.lang), shell.org_alias or "", shell.lang)
        from portal_ui.ui.state.members import MembersState  # members.py chains this state's loader

        return [rx.toast.success(self._t(toast_key, name=name)),
                rx.toast.success(mailed) if delivery.sent else rx.toast.info(mailed),
                MembersState.refresh_members]

    def _end_dialogs(self) -> None:
        self.approve_open = self.reject_open = False
        self._deciding = ""
