"""Every event handler of every portal State reaches the database only through the guard, and never
on the event loop. No browser: the handlers are called in this process on a fresh state tree, as
Reflex calls them, against a migrated and seeded SQLite database.

- With no session behind the tab, every handler either is one of the few that only change this
  tab's own dialogs (NO_DATA below, which must then run no SQL at all) or asks the guard, shows
  the "session ended" view and writes nothing. A new handler that reads or writes without the
  guard fails here.
- With a live owner's session, every handler runs with plausible arguments (some change real
  rows), and every SQL statement runs in a thread other than the event loop's.
"""

from __future__ import annotations

import asyncio
import inspect
import io
import threading
from contextlib import contextmanager
from typing import Any, Iterator

import pytest
import reflex as rx
from reflex.state import State
from sqlalchemy import event

import portal_ui.ui.pages  # noqa: F401  (imports every page's State, without building the app)
from portal_ui import db as portal_db
from portal_ui.demo.personas import DEMO_ORG_CODE
from portal_ui.demo.seed import seed_demo
from portal_ui.domain import audit
from portal_ui.domain.links import create_link, redeem_link
from portal_ui.domain.sessions import start_session
from portal_ui.models import Organization, User
from portal_ui.ui.state.portal import PortalState, off_loop
from tests.conftest import run_coroutine

# Handlers that only open, close or reset this tab's own dialogs and form from what the tab
# already holds: no session check is needed because they read and write no data.
NO_DATA = {
    ("OrgDetailsState", "discard_details"), ("OrgDetailsState", "logo_rejected"),
    ("ProfileState", "discard_profile"),
    ("MembersState", "close_editor"), ("MembersState", "close_confirm"),
    ("InvitationsState", "close_invite"), ("InvitationsState", "close_revoke"),
    ("ApiKeysState", "open_create"), ("ApiKeysState", "create_open_change"), ("ApiKeysState", "ask_confirm"),
    ("ApiKeysState", "confirm_open_change"), ("ApiKeysState", "close_reveal"),
    ("ApiKeysState", "reveal_open_change"), ("ApiKeysState", "copy_finished"),
    ("BillingState", "ask_remove"), ("BillingState", "dialog_open_change"), ("BillingState", "discard_details"),
    ("DomainsState", "close_remove"),
    ("JoinRequestsState", "close_approve"), ("JoinRequestsState", "close_reject"),
    ("LifecycleState", "close_dialogs"),
}
# The section a `key`/`section` argument names, per state (one each handler accepts).
SECTION_ARG = {"ApiKeysState": "organization_api_keys", "BillingState": "organization_plan_selection",
               "PortalState": "organization_details"}
WRITES = ("INSERT", "UPDATE", "DELETE")


def _states() -> Iterator[type[rx.State]]:
    def walk(cls):
        for sub in cls.get_substates():
            yield sub
            yield from walk(sub)
    for state in walk(State):
        if state.__module__.startswith("portal_ui."):
            yield state


def _handlers() -> list[tuple[type[rx.State], str]]:
    return [(state, name) for state in _states() for name in state.event_handlers if name != "setvar"]


def _argument(state: type[rx.State], param: inspect.Parameter) -> Any:
    """A plausible value for one handler parameter (ids of real demo rows where they matter)."""
    name, annotation = param.name.lower(), str(param.annotation).lower()
    if name in ("key", "section"):
        return SECTION_ARG.get(state.__name__, "profile")
    if "uploadfile" in annotation:
        return [rx.UploadFile(file=io.BytesIO(b"\x89PNG not really"), path=None)]
    if "form" in name or "dict" in annotation:
        return {"name": "Paths", "given_name": "Paths", "family_name": "Test", "first_name": "Paths",
                "last_name": "Test", "email": "paths@example.com", "phone": "+44 20 7946 0000",
                "card_number": "4242424242424242", "card_expiry": "12/40", "card_cvc": "123", "expiry": "30"}
    if "user" in name:
        return "kp_demo_bill"
    if "plan" in name:
        return "business"
    if "role" in name:
        return "viewer"
    if "list" in annotation:
        return []
    if "bool" in annotation:
        return True
    return "matrix"


def _tab(state_cls: type[rx.State], root: State | None = None) -> rx.State:
    """The instance of `state_cls` in `root` (default: a fresh state tree, as a new tab gets)."""
    root = root or State(_reflex_internal_init=True)
    return root.get_substate(state_cls.get_full_name().split(".")[1:])


async def _call(state: rx.State, state_cls: type[rx.State], name: str) -> list[Any]:
    """Call handler `name` as Reflex does (sync, coroutine, generator or async generator); what it sent."""
    handler = state_cls.event_handlers[name]
    params = list(inspect.signature(handler.fn).parameters.values())[1:]
    result = handler.fn(state, **{p.name: _argument(state_cls, p) for p in params})
    if inspect.isawaitable(result):
        result = await result
    if inspect.isasyncgen(result):
        return [update async for update in result]
    if inspect.isgenerator(result):
        return list(result)
    return [result]


@contextmanager
def _sql(engine) -> Iterator[list[tuple[str, threading.Thread]]]:
    """Every statement the engine runs meanwhile, with the thread that ran it."""
    seen: list[tuple[str, threading.Thread]] = []

    def record(_conn, _cursor, statement, *_args):
        seen.append((statement.lstrip().split(None, 1)[0].upper(), threading.current_thread()))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


@pytest.fixture
def demo(settings, engine):
    with portal_db.session_scope(engine) as db:
        seed_demo(db, settings)
    return engine


def test_every_handler_asks_the_guard_or_touches_no_data(demo, monkeypatch):
    asked: list[str] = []

    def no_session(self, db):  # the guard's session lookup: nobody is signed in
        asked.append(type(self).__name__)
        return None

    monkeypatch.setattr(PortalState, "_session", no_session)
    monkeypatch.setattr(PortalState, "_cookie_token", lambda self: None)
    handlers = _handlers()
    names = {(state.__name__, name) for state, name in handlers}
    assert NO_DATA <= names, f"not handlers (any more): {sorted(NO_DATA - names)}"
    assert len(handlers) > len(NO_DATA) + 20

    failures = []
    for state_cls, name in handlers:
        asked.clear()
        state = _tab(state_cls)
        with _sql(demo) as statements:
            run_coroutine(_call(state, state_cls, name))
        label = f"{state_cls.__name__}.{name}"
        if (state_cls.__name__, name) in NO_DATA:
            if statements:
                failures.append(f"{label} is listed as touching no data but ran {len(statements)} statement(s)")
            continue
        if not asked:
            failures.append(f"{label} did not ask the guard")
        elif not state._shell().ended:
            failures.append(f"{label} did not show the ended session")
        writes = [kind for kind, _thread in statements if kind in WRITES]
        if writes:
            failures.append(f"{label} wrote without a session: {writes}")
    assert not failures, "\n".join(failures)


def test_no_sql_runs_on_the_event_loop(demo, settings, monkeypatch):
    with portal_db.session_scope(demo) as db:
        url = create_link(db, settings, user_id="kp_demo_olivia", org_code=DEMO_ORG_CODE,
                          sub_nav="organization_details", actor=audit.Actor.system("test"))
        link = redeem_link(db, url.rsplit("key=", 1)[1].split("&", 1)[0])
        token = start_session(db, settings, link)
    monkeypatch.setattr(PortalState, "_cookie_token", lambda self: token)

    root = State(_reflex_internal_init=True)  # one tab, through every handler in turn
    on_loop: list[str] = []
    kinds: set[str] = set()

    async def run_all() -> None:
        loop_thread = threading.current_thread()
        for state_cls, name in _handlers():
            state = _tab(state_cls, root)
            with _sql(demo) as statements:
                await _call(state, state_cls, name)
            kinds.update(kind for kind, _thread in statements)
            if any(thread is loop_thread for _kind, thread in statements):
                on_loop.append(f"{state_cls.__name__}.{name}")

    run_coroutine(run_all())
    assert not on_loop, f"SQL on the event loop in: {', '.join(on_loop)}"
    assert {"SELECT", "UPDATE", "INSERT"} <= kinds
    with portal_db.session_scope(demo) as db:  # the saves really happened (in the worker threads)
        assert db.get(User, "kp_demo_olivia").given_name == "Paths"
        assert db.get(Organization, DEMO_ORG_CODE).phone == "+44 20 7946 0000"


def test_a_cancelled_handler_keeps_the_state_until_its_thread_is_done():
    """A navigation cancels the page's unfinished on_load: the handler must not let go of the tab's
    state (and its lock) while its worker thread may still be changing it."""
    started, release, finished = threading.Event(), threading.Event(), []

    def work() -> str:
        started.set()
        release.wait(30)
        finished.append(True)
        return "done"

    async def main() -> None:
        task = asyncio.create_task(off_loop(work))
        while not started.is_set():
            await asyncio.sleep(0.01)
        task.cancel()
        for _ in range(5):
            await asyncio.sleep(0.01)
        assert not task.done()  # still waiting for the thread
        release.set()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert finished  # the thread was done before the cancellation went on

    run_coroutine(main())
