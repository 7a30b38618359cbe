"""The audit-log section: who changed what in the organization, when, from where; filters, pages, export.

Read with `org:read:audit_log` (README "Audit log"); there is nothing to change. The state holds one
page of rows and the filters in force; filtering, counting and paging happen in SQL
(portal_ui.domain.audit_log), newest first, in keyset pages: the cursors of the pages before this
one stay on the server (`_cursors`), so "older" and "newer" cost one page each however deep.

Any client can call any handler with any arguments (reflex-notes): every handler goes through the
guard at read level for this section, reads only the session's own organization, and takes the
filters as short texts that the domain parses again. The export button is a plain link to the
HTTP route (portal_ui.api.audit_export), which checks the session cookie itself.
"""

from __future__ import annotations

import reflex as rx
from sqlmodel import Session, select

from portal_ui.domain.audit_log import (COUNT_CAP, PAGE_SIZE, AuditFilter, Cursor, count_events, describe,
                                        page_events, parse_filter)
from portal_ui.domain.errors import InvalidInput
from portal_ui.domain.sessions import ActiveSession
from portal_ui.domain.users import normalize_email
from portal_ui.models import User
from portal_ui.ui.state.audit_views import (ANY, AuditFilters, AuditItem, action_options, actor_options, audit_item,
                                            export_href, read_filters)
from portal_ui.ui.state.portal import PortalState

SECTION = "organization_audit_log"
TOP = "audit-filters"  # where a new page of the list is scrolled to


class AuditLogState(PortalState):
    audit_loaded: bool = False
    audit_rows: list[AuditItem] = []
    audit_total: int = 0
    audit_more_than: bool = False  # the count stopped at COUNT_CAP
    audit_page: int = 1
    audit_pages: int = 1
    audit_showing: str = ""
    audit_filtered: bool = False
    audit_error: str = ""
    # The filter form, as shown.
    audit_actor_type: str = ANY
    audit_actor: str = ""
    audit_action: str = ANY
    audit_from: str = ""
    audit_to: str = ""
    audit_form_revision: int = 0  # moves on whenever the inputs must show the values above again
    audit_actor_options: list[dict[str, str]] = []
    audit_action_options: list[dict[str, str]] = []
    audit_export_href: str = ""
    _cursors: list[str] = []  # where each page before this one starts, as cursor tokens ("": the newest)
    _start: str = ""  # where this page starts
    _next: str = ""  # where the next page starts ("": this is the last)
    _actor: str = ""  # the actor filter in force (an id or a type), the form's email resolved

    # ---- the filter ---------------------------------------------------------------------------

    def _filter(self, db: Session, form: AuditFilters) -> tuple[AuditFilter, str]:
        """The domain filter for the form (InvalidInput names what is wrong) and the actor it uses."""
        actor = form.actor
        if "@" in actor:
            try:
                email = normalize_email(actor)  # as users' addresses are stored
            except InvalidInput:
                email = ""
            user_id = db.exec(select(User.id).where(User.email == email)).first() if email else None
            if user_id is None:
                raise InvalidInput(self._t("audit.no_such_person", email=actor))
            actor = user_id
        actor = actor or (form.actor_type if form.actor_type != ANY else "")
        action = "" if form.action == ANY else form.action
        return parse_filter(actor=actor, action=action, date_from=form.date_from, date_to=form.date_to,
                            from_name=self._t("audit.date_from"), to_name=self._t("audit.date_to")), actor

    def _form(self) -> AuditFilters:
        return AuditFilters(actor_type=self.audit_actor_type, actor=self.audit_actor, action=self.audit_action,
                            date_from=self.audit_from, date_to=self.audit_to)

    def _show_form(self, form: AuditFilters) -> None:
        self.audit_actor_type, self.audit_actor, self.audit_action = form.actor_type, form.actor, form.action
        self.audit_from, self.audit_to = form.date_from, form.date_to
        self.audit_form_revision += 1

    # ---- one page -----------------------------------------------------------------------------

    def _load(self, db: Session, active: ActiveSession, wanted: AuditFilter, start: str) -> None:
        """Show the page that starts at cursor token `start` ("" for the newest)."""
        scope = wanted.scope(active.org_code)
        rows, after = page_events(db, active.org_code, wanted, after=Cursor.from_token(start, scope), size=PAGE_SIZE)
        total, more_than = count_events(db, active.org_code, wanted)
        shell = self._shell()
        self.audit_rows = [audit_item(entry, self._t, shell.lang) for entry in describe(db, rows)]
        self._start, self._next = start, after.token(scope) if after else ""
        self.audit_total, self.audit_more_than = total, more_than
        # Capped counts can end before the pages do: there is a next page whenever a cursor says so.
        self.audit_pages = max(1, -(-total // PAGE_SIZE), self.audit_page + (1 if after else 0))
        first = (self.audit_page - 1) * PAGE_SIZE + 1
        last = first + len(rows) - 1
        key = "audit.showing_more" if more_than else "audit.showing"
        sep = self._t("audit.thousands_separator")

        def number(n: int) -> str:
            return f"{n:,}".replace(",", sep)

        self.audit_showing = self._t(key, first=number(first), last=number(last), total=number(total)) if rows else ""
        self.audit_loaded = True

    def _apply(self, db: Session, active: ActiveSession, form: AuditFilters) -> None:
        """Filter by `form` and show its newest page. A bad filter changes nothing but says why (the
        inputs keep what was typed, to be corrected)."""
        try:
            wanted, actor = self._filter(db, form)
        except InvalidInput as exc:
            self.audit_error = self._error(exc)
            return
        self.audit_error = ""
        self._show_form(form)
        self._actor = actor
        self._cursors, self.audit_page = [], 1
        self.audit_filtered = form != AuditFilters()
        self.audit_export_href = export_href(actor, "" if form.action == ANY else form.action, form.date_from,
                                             form.date_to)
        self._load(db, active, wanted, "")

    def _current(self) -> AuditFilter:
        """The filter in force (the form as last applied)."""
        form = self._form()
        return parse_filter(actor=self._actor, action="" if form.action == ANY else form.action,
                            date_from=form.date_from, date_to=form.date_to)

    # ---- handlers -----------------------------------------------------------------------------

    @rx.event
    def load_audit_log(self):
        """on_load of /org/audit-log: the shell, the filter choices, and the newest events."""
        def work(db: Session, active: ActiveSession):
            self.audit_actor_options = actor_options(self._t)
            self.audit_action_options = action_options(self._t)
            self._apply(db, active, AuditFilters())

        return self._act(SECTION, work, level="enter")

    @rx.event
    def apply_audit_filters(self, form: dict):
        """Submit of the filter form: back to the newest page of what matches."""
        chosen = read_filters(form)

        def work(db: Session, active: ActiveSession):
            self._apply(db, active, chosen)

        return self._act(SECTION, work, level="read")

    @rx.event
    def clear_audit_filters(self):
        def work(db: Session, active: ActiveSession):
            self._apply(db, active, AuditFilters())

        return self._act(SECTION, work, level="read")

    @rx.event
    def older_audit_events(self):
        """The next page down (older events), from the cursor the last page handed out."""
        def work(db: Session, active: ActiveSession):
            if not self._next:
                return None
            self._cursors = [*self._cursors, self._start]
            self.audit_page += 1
            self._load(db, active, self._current(), self._next)
            return rx.scroll_to(TOP)

        return self._act(SECTION, work, level="read", catch=(InvalidInput,))

    @rx.event
    def newer_audit_events(self):
        """The page above (newer events): the start of the previous page, kept on the server."""
        def work(db: Session, active: ActiveSession):
            if not self._cursors:
                return None
            *earlier, start = self._cursors
            self._cursors = earlier
            self.audit_page = max(1, self.audit_page - 1)
            self._load(db, active, self._current(), start)
            return rx.scroll_to(TOP)

        return self._act(SECTION, work, level="read", catch=(InvalidInput,))
