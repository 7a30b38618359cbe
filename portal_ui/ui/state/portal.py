"""The portal shell's state, and the one guard every handler goes through.

The cookie and the database are the authority; this state is a per-tab cache of what the last
check found. Every event that reads or changes data goes through `_act`, which runs the guard
and the work in a worker thread, off the event loop. The guard (`_session()`, through `_enter`
or `_require`) loads the session named by the HttpOnly cookie of this tab's websocket
connection and re-checks it in the database (the connection carries the token's SHA-256, never
the token: portal_ui.session_cookie). Public vars hold only what this session's own user
may see; nothing here is ever read back as proof of anything.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any, Literal, TypeVar

import reflex as rx
from sqlmodel import Session, col, select

from portal_ui import i18n
from portal_ui.db import session_scope
from portal_ui.domain import audit
from portal_ui.domain.errors import DomainError, InvalidFields
from portal_ui.domain.logos import current_logo_path
from portal_ui.domain.portal_settings import effective_settings
from portal_ui.domain.previews import preview_roles, switch_preview_role
from portal_ui.domain.sections import BY_KEY, Access, Section, landing_section, section_access, visible_sections
from portal_ui.domain.sessions import ActiveSession, TokenHash, load_session, session_status
from portal_ui.models import Organization, User
from portal_ui.session_cookie import socket_session
from portal_ui.settings import get_settings
from portal_ui.ui import routes, text
from portal_ui.ui.branding import clean_branding

T = TypeVar("T")
Level = Literal["enter", "session", "read", "write"]
Work = Callable[[Session, ActiveSession], Any]
LOADING_TITLE = i18n.translate("en", "shell.loading_title")  # before the server has chosen a language
FLOW_PAGE = "flow"  # the key the focused flow's page enters with (it is no section of its own)
NEUTRAL_ACCENT = "#8d8d8d"  # Radix gray-9: what shows before any session's branding is known


def _context(active: ActiveSession) -> dict[str, Any]:
    """The keyword arguments the domain's section rules take, for this session."""
    return active.section_context()


async def off_loop(fn: Callable[..., T], *args: Any) -> T:
    """`fn(*args)` in a worker thread, so its database work never blocks the event loop.

    The caller holds this tab's state lock while it waits, and keeps holding it until the thread
    has returned even when its task is cancelled (a navigation cancels the page's unfinished
    on_load chain): the thread may be changing the tab's state, and nothing else may touch that
    state until it is done. Reflex's change tracking is plain attribute bookkeeping
    (`Field.__set__` records the name in `dirty_vars` and marks the parents), so changes made in
    the thread are sent like any other; `asyncio.to_thread` carries the context variables over.
    """
    task = asyncio.ensure_future(asyncio.to_thread(fn, *args))
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        while not task.done():
            try:
                await asyncio.shield(task)
            except asyncio.CancelledError:
                pass
        raise


def access_to(active: ActiveSession, section: Section) -> Access:
    """What `active` may do in `section` (hidden, read or write), as the domain decides."""
    return section_access(section, **_context(active))


class PortalState(rx.State):
    """Header, navigation, branding and the current section's gating, for one tab."""

    lang: str = "en"  # the catalogue this tab shows (portal_ui.i18n), from Accept-Language
    shell_ready: bool = False  # the shell below was filled by a session check on this connection
    ended: bool = False  # the last check found no live session
    return_url: str = ""  # where "Exit" / "Return" goes: the link's return URL
    product_name: str = ""
    logo_url: str = ""
    accent_color: str = NEUTRAL_ACCENT
    accent_contrast: str = "#ffffff"
    radix_accent: str = "gray"
    appearance_class: str = ""
    org_alias: str = ""
    org_group: str = ""  # the organization navigation group's heading (the alias)
    account_group: str = ""  # the user navigation group's heading ("Your account")
    org_name: str = ""
    user_name: str = ""
    account_nav: list[dict[str, str]] = []
    org_nav: list[dict[str, str]] = []
    section_key: str = ""
    section_title: str = ""
    section_description: str = ""
    page_title: str = LOADING_TITLE
    read_only: bool = False
    read_only_note: str = ""
    notice: str = ""
    nothing_visible: bool = False
    is_preview: bool = False  # a product team's read-only preview session
    preview_label: str = ""  # whose view the preview shows (role name)
    preview_role: str = ""
    preview_roles: list[dict[str, str]] = []
    _refusal: str = ""  # why the last `_require` said no (server-side only)

    # ---- words ----------------------------------------------------------------------------

    def _t(self, key: str, /, **values: Any) -> str:
        """Catalogue message `key` in this tab's language, with the organization alias applied."""
        shell = self._shell()
        return i18n.translate_aliased(shell.lang, key, shell.org_alias or "", **values)

    def _error(self, exc: DomainError) -> str:
        """A domain refusal's message in this tab's language (catalogue messages; others as raised),
        with the organization alias applied."""
        shell = self._shell()
        return text.refusal(exc, shell.org_alias or "", shell.lang)

    def _field_errors(self, exc: InvalidFields) -> dict[str, str]:
        """Each bad field's sentence in this tab's language, alias applied."""
        shell = self._shell()
        return {name: i18n.aliased(text, shell.org_alias or "", shell.lang)
                for name, text in exc.localized_fields(shell.lang).items()}

    def _choose_language(self) -> None:
        """The tab's language: the browser's Accept-Language, else PORTAL_DEFAULT_LANGUAGE."""
        self._shell().lang = i18n.negotiate(self.router.headers.accept_language, get_settings().default_language)

    # ---- the guard ------------------------------------------------------------------------

    def _cookie_token(self) -> TokenHash | None:
        """The session this tab's websocket connected with: the SHA-256 of its cookie's token, which
        is all the connection's Cookie header holds by the time Reflex stores it
        (portal_ui.session_cookie.SocketCookie)."""
        return socket_session(self.router.headers.cookie)

    def _shell(self) -> "PortalState":
        """This tab's PortalState instance, also when called from a section's substate."""
        state: Any = self
        while type(state) is not PortalState:
            state = state.parent_state
        return state

    def _session(self, db: Session) -> ActiveSession | None:
        """The live session for this tab's cookie, re-checked in the database; None when there is none."""
        return load_session(db, get_settings(), self._cookie_token())

    def _require(self, db: Session, key: str, level: Access = "write") -> ActiveSession | None:
        """The live session if it may act at `level` in section `key`; None otherwise.

        Every handler that changes data calls this first. When the session is gone, the tab is
        switched to the "session ended" view as well. A preview session never writes. After a
        refusal, `_refused()` is the toast that says why.
        """
        section = BY_KEY.get(key)
        active = self._session(db)
        shell = self._shell()
        shell._refusal = self._t("shell.not_allowed")
        if active is None:
            self._show_ended(db)
            return None
        if section is None:
            return None
        granted = access_to(active, section)
        if granted == "hidden" or (level == "write" and granted != "write"):
            return None
        if level == "write" and active.is_preview:
            shell._refusal = self._t("shell.preview_refusal")
            return None
        return active

    def _refused(self):
        """The toast for the last refusal by `_require` (nothing when the session has ended)."""
        shell = self._shell()
        if shell.ended:
            return None
        return rx.toast.error(shell._refusal or self._t("shell.not_allowed"))

    def _actor(self, active: ActiveSession) -> audit.Actor:
        """The audit actor for a change made in this tab: the session's user, their IP and browser."""
        return audit.Actor(type="user", id=active.user_id, client_ip=self.router.session.client_ip or "",
                           user_agent=(self.router.headers.user_agent or "")[:512])

    # ---- the one path of every handler that reads or changes data --------------------------

    def _act(self, key: str | None, work: Work, *, level: Level = "write", busy: str | None = None,
             busy_value: Any = True, refused: Callable[[], None] | None = None,
             failed: Callable[[Exception], Any] | None = None,
             catch: tuple[type[Exception], ...] = (), after: Callable[[], None] | None = None
             ) -> AsyncIterator[Any]:
        """Guard, busy flag, work, follow-up: what a handler returns to read or change data.

        1. When `busy` names a var, it is set to `busy_value` and the change is sent at once (a
           button shows its progress).
        2. In a worker thread (`off_loop`), with one database session: the guard for `level` in
           section `key`, then `work(db, session)`, which changes data through the domain, reloads
           what the page shows and returns the follow-up (a toast, a redirect, a list of them, or
           None). The guard's own write (the session's activity, `load_session(touch=True)`) is
           committed before `work` starts, so `work` never begins inside a write transaction: on
           SQLite a write holds the whole database's write lock until commit, and a handler whose
           work waits for the network (a DNS query, a call to Stripe) would otherwise keep every
           other tab and worker from writing meanwhile. `work`'s own changes commit when it
           returns (or where `work` commits first) and roll back when it raises; the domain
           functions it calls make their network calls before they write. A session ended (or a
           member removed) between the guard's commit and `work` can do no more than before: only
           a touch ever held the session row until `work` was done, so for most events (the guard
           writes at most every `sessions.TOUCH_EVERY`) the same window existed already; `work`
           re-reads every row it changes, and the next event finds the session gone. After a
           refusal by the guard: `refused()` (closing a dialog, say), and the follow-up is the
           refusal's toast. After a DomainError (or an exception of a type in `catch`):
           `failed(exc)` (it puts the message where it belongs and returns the follow-up), or else
           the follow-up is an error toast with the message.
        3. Back on the loop, whatever happened: the busy var goes back to its default (False, "")
           and `after()` runs (closing a confirmation, say). Then the follow-up is sent.

        Levels: "write"/"read" ask `_require`; "enter" is a page's on_load (`_enter`: fills the
        shell, or redirects to a visible section); "session" asks only for a live session.
        No handler reaches the database except through here (tests/ui/test_handler_paths.py).

        A handler returns what this returns (an async generator, which Reflex runs like an async
        generator handler), so the handler's own body only checks its arguments, on the loop.
        """
        return self._acting(key, work, level, busy, busy_value, refused, failed, catch, after)

    async def _acting(self, key: str | None, work: Work, level: Level, busy: str | None, busy_value: Any,
                      refused: Callable[[], None] | None, failed: Callable[[Exception], Any] | None,
                      catch: tuple[type[Exception], ...], after: Callable[[], None] | None):
        if busy is not None:
            setattr(self, busy, busy_value)
            yield None
        try:
            outcome = await off_loop(self._guarded, key, work, level, refused, failed, catch)
        finally:
            if busy is not None:
                setattr(self, busy, type(busy_value)())
            if after is not None:
                after()
        yield outcome

    def _guarded(self, key: str | None, work: Work, level: Level, refused: Callable[[], None] | None,
                 failed: Callable[[Exception], Any] | None, catch: tuple[type[Exception], ...]) -> Any:
        """Steps 2 and 3 of `_act`, in the worker thread: the guard, its commit, then `work`."""
        try:
            with session_scope() as db:
                if level == "enter":
                    active, follow = self._enter(db, str(key))
                    if active is None:
                        return follow
                elif level == "session":
                    active = self._session(db)
                    if active is None:
                        self._show_ended(db)
                        return None
                else:
                    active = self._require(db, key, level) if isinstance(key, str) else None
                    if active is None:
                        if refused is not None:
                            refused()
                        return self._refused()
                db.commit()  # the guard's touch: no write transaction stays open through `work`
                return work(db, active)
        except (DomainError, *catch) as exc:
            if failed is not None:
                return failed(exc)
            return rx.toast.error(self._error(exc) if isinstance(exc, DomainError) else self._t("shell.not_allowed"))

    def _show_ended(self, db: Session) -> None:
        """Forget everything this tab cached and show the "session ended" view."""
        settings = get_settings()
        _status, url = session_status(db, settings, self._cookie_token())
        environment = effective_settings(db, settings, None)
        brand = clean_branding(environment.branding)  # the environment's: nobody's in particular
        shell = self._shell()
        shell.reset()  # also resets every loaded section substate
        shell._choose_language()
        shell.ended = True
        shell.return_url = url or environment.return_url
        shell.product_name = brand["product_name"]
        shell._apply_brand(brand)
        shell.page_title = f"{self._t('shell.session_ended_title')} · {brand['product_name']}"

    def _enter(self, db: Session, key: str) -> tuple[ActiveSession | None, Any]:
        """Check the session and fill the shell for section `key`.

        Returns (session, None) when the section may be shown, or (None, follow-up) where the
        follow-up is a redirect to the first visible section (or None when the tab now shows
        the "session ended" view or has nothing to show).
        """
        active = self._session(db)
        if active is None:
            self._show_ended(db)
            return None, None
        if active.flow is not None or key == FLOW_PAGE:
            return self._enter_flow(db, active, key)
        context = _context(active)
        section, redirected = landing_section(key, **context)
        if section is None:
            self._fill_shell(db, active, None)
            return None, None
        if redirected:
            return None, rx.redirect(routes.unavailable_redirect(section.path, key), replace=True)
        self._fill_shell(db, active, section)
        return active, None

    def _enter_flow(self, db: Session, active: ActiveSession, key: str) -> tuple[ActiveSession | None, Any]:
        """`_enter` where a focused flow is involved: a flow's session enters only the flow page
        (`FLOW_PAGE`), in the flow's section; any other session is sent from the flow page to its
        landing section."""
        if active.flow is None:
            return None, rx.redirect(routes.HOME, replace=True)
        if key != FLOW_PAGE:
            return None, rx.redirect(routes.FLOW, replace=True)
        section, _redirected = landing_section(active.flow.section, **_context(active))
        self._fill_shell(db, active, section)
        return (active, None) if section is not None else (None, None)

    def _apply_brand(self, brand: dict[str, str]) -> None:
        self.accent_color = brand["accent_color"]
        self.accent_contrast = brand["accent_contrast"]
        self.radix_accent = brand["radix_accent"]
        self.appearance_class = brand["appearance_class"]

    def _fill_shell(self, db: Session, active: ActiveSession, section: Section | None) -> None:
        self._shell()._fill(db, active, section)

    def _fill(self, db: Session, active: ActiveSession, section: Section | None) -> None:
        settings = active.settings
        alias = settings.org_alias
        brand = clean_branding(settings.branding)
        user = db.get(User, active.user_id)
        org = db.get(Organization, active.org_code) if active.org_code else None
        context = _context(active)

        self._choose_language()
        lang = self.lang
        self.ended = False
        self.return_url = active.return_url
        self.product_name = brand["product_name"]
        # The organization's own logo when it has one, else the product's.
        self.logo_url = current_logo_path(db, active.org_code) or brand["logo_url"]
        self._apply_brand(brand)
        self.org_alias = alias
        self.org_group = self._t("shell.organization")
        self.account_group = self._t("shell.your_account")
        self.org_name = org.name if org else ""
        self.user_name = text.person_name(user.given_name, user.family_name, user.email) if user else ""
        account_nav, org_nav = [], []
        for visible, _access in visible_sections(**context):
            item = {"key": visible.key, "title": text.section_title(visible, alias, lang), "path": visible.path}
            (account_nav if visible.portal == "user" else org_nav).append(item)
        self.account_nav = account_nav
        self.org_nav = org_nav
        self.nothing_visible = section is None
        if section is None:
            self.section_key = ""
            self.section_title = self._t("shell.nothing_to_manage")
            self.section_description = ""
            self.page_title = brand["product_name"]
            self.read_only = False
            self.read_only_note = ""
            self.notice = ""
        else:
            access = section_access(section, **context)
            self.section_key = section.key
            self.section_title = text.section_title(section, alias, lang)
            self.section_description = text.section_description(section, alias, lang)
            self.page_title = text.page_title(section, alias, brand["product_name"], lang)
            self.read_only = access != "write" or active.is_preview
            if active.is_preview:
                self.read_only_note = self._t("shell.preview_refusal")
            else:
                # A section with nothing to change (the audit log) needs no "view only" note.
                changeable = section.portal == "user" or section.write_permission is not None
                self.read_only_note = (text.read_only_note(section, alias, self.org_name, lang)
                                       if self.read_only and changeable else "")
            requested = self.router.url.query_parameters.get(routes.UNAVAILABLE_PARAM)
            self.notice = text.unavailable_notice(requested, section, alias, lang)
        self.is_preview = active.is_preview
        self.preview_label = str(active.preview.get("label", "")) if active.is_preview else ""
        self.preview_role = str(active.preview.get("role_key", "")) if active.is_preview else ""
        self.preview_roles = preview_roles(db, active.preview) if active.is_preview and active.org_code else []
        self.shell_ready = True

    # ---- page loads ---------------------------------------------------------------------------

    @rx.event
    def open_section(self, key: str):
        """on_load of a section page that has no data of its own yet."""
        return self._act(str(key), lambda _db, _active: None, level="enter")

    @rx.event
    def switch_preview_role(self, role_key: str):
        """Preview banner: show another role's view. Only a preview session's own options change."""
        def work(db: Session, _active: ActiveSession):
            changed = switch_preview_role(db, self._cookie_token(), str(role_key)[:64]) \
                if isinstance(role_key, str) else False
            if not changed:
                return rx.toast.error(self._t("shell.only_preview_switches"))
            # Load the current section again (its on_load re-checks the session with the new role).
            # No script: the CSP forbids eval, which rx.call_script needs.
            section = BY_KEY.get(self._shell().section_key)
            return rx.redirect(section.path if section else routes.HOME, replace=True)

        return self._act(None, work, level="session")

    @rx.event
    def open_home(self):
        """on_load of "/": the section the link named (or the first visible one)."""
        def work(db: Session, active: ActiveSession):
            if active.flow is not None:
                return rx.redirect(routes.FLOW, replace=True)
            section, _redirected = landing_section(active.sub_nav, **_context(active))
            if section is None:
                self._fill_shell(db, active, None)
                return None
            return rx.redirect(section.path, replace=True)

        return self._act(None, work, level="session")

    @rx.event
    def open_ended(self):
        """on_load of /session-ended: a live session is sent back into the portal."""
        def work(_db: Session, active: ActiveSession):
            if active.flow is not None:
                return rx.redirect(routes.FLOW, replace=True)
            section, _redirected = landing_section(active.sub_nav, **_context(active))
            return rx.redirect(section.path if section is not None else routes.HOME, replace=True)

        return self._act(None, work, level="session")


def organization_names(db: Session, codes: list[str]) -> dict[str, str]:
    """Organization names by code, for the codes given."""
    if not codes:
        return {}
    rows = db.exec(select(Organization.code, Organization.name).where(col(Organization.code).in_(codes))).all()
    return dict(rows)
