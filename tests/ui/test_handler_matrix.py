"""The websocket authorization matrix: every event handler of every portal State, called directly by
a raw socket.io client with plausible arguments, as sessions that may not change what it changes.

The list of handlers comes from the app itself, so a new handler is in the matrix the moment it
exists; one without a server-side check fails here. Sessions:
- no session cookie, an ended session, and a preview (with the owner's permissions): nothing in the
  database may change at all;
- the read-only viewer (kp_demo_vic): nothing the organization owns may change.
Before the handlers, the client also flips the public vars a careless handler might trust
(`read_only`, `is_preview`, ...) through Reflex's generic `setvar`: public vars are never authority.
"""

from __future__ import annotations

import inspect
import sqlite3
import urllib.request
from typing import Any, Iterator
from urllib.parse import urlsplit

import pytest
import reflex as rx
from reflex_base.utils.format import format_event_handler

import portal_ui.ui.pages  # noqa: F401  (imports every page's State, without building the app)
from portal_ui.demo.personas import DEMO_ORG_CODE
from tests.ui.helpers import cookie_over_http
from tests.ui.socket_tab import SocketTab
from tests.ui.test_guards import session_cookie

pytestmark = pytest.mark.browser

# Tables whose rows say who is signed in, not what anyone owns.
# Not compared: sessions and links, and the webhook worker's delivery bookkeeping, which it updates
# on its own while a test runs (deliveries of earlier tests' events); new events would show in
# webhook_events.
SESSION_TABLES = {"portal_sessions", "portal_links", "alembic_version", "webhook_deliveries", "webhook_attempts"}
# What the organization owns: the viewer must not change any of it.
ORG_TABLES = {"organizations", "memberships", "member_roles", "roles", "role_permissions", "invitations",
              "portal_settings", "system_permissions", "organization_logos", "organization_domains",
              "join_requests"}
ORG_OWNED = {"api_keys", "subscriptions", "payment_methods", "invoices"}  # rows with org_code set
PERMISSIVE_VARS = {"read_only": False, "is_preview": False, "ended": False, "shell_ready": True,
                   "nothing_visible": False}


def _states() -> Iterator[type[rx.State]]:
    def walk(cls):
        for sub in cls.get_substates():
            yield sub
            yield from walk(sub)
    for state in walk(rx.State):
        if state.__module__.startswith("portal_ui."):
            yield state


def _handlers() -> list[tuple[type[rx.State], str]]:
    return [(state, name) for state in _states() for name in state.event_handlers if name != "setvar"]


def _db(portal) -> sqlite3.Connection:
    return sqlite3.connect(urlsplit(portal.env["REFLEX_DB_URL"]).path)


def _snapshot(portal, tables: set[str] | None, owned_only: bool = False) -> dict:
    """Every row of the chosen tables (all but the session tables when None)."""
    with _db(portal) as conn:
        names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        out = {}
        for name in names:
            if name in SESSION_TABLES:
                continue
            if tables is None:
                query = f'SELECT * FROM "{name}"'
            elif name == "memberships":
                # Not sort_name / sort_email: copies of each member's own name and email, which the
                # viewer may change (their profile) without changing anything the organization owns.
                query = 'SELECT id, org_code, user_id, joined_on FROM "memberships"'
            elif name in tables:
                query = f'SELECT * FROM "{name}"'
            elif owned_only and name in ORG_OWNED:
                query = f'SELECT * FROM "{name}" WHERE org_code IS NOT NULL'
            elif owned_only and name == "audit_events":
                query = f'SELECT * FROM "{name}" WHERE org_code IS NOT NULL'
            else:
                continue
            out[name] = sorted(map(repr, conn.execute(query).fetchall()))
        return out


def _candidates(portal) -> dict[str, list[Any]]:
    """Real ids from the database, so a handler that skips its check would really act on them."""
    with _db(portal) as conn:
        def col(query):
            return [r[0] for r in conn.execute(query).fetchall()]
        return {
            "user": ["kp_demo_olivia", "kp_demo_bill"],
            "role": col("SELECT id FROM roles") + col("SELECT key FROM roles"),
            "invite": col("SELECT code FROM invitations") or ["inv_x"],
            "key": col("SELECT id FROM api_keys") or ["key_x"],
            "plan": col("SELECT key FROM plans") or ["business"],
            "payment": col("SELECT id FROM payment_methods") or ["pm_x"],
        }


def _value(param: inspect.Parameter, cands: dict[str, list[Any]], section: str) -> Any:
    name = param.name.lower()
    annotation = str(param.annotation).lower()
    if name in ("key", "section", "section_key"):
        return section
    if "form" in name or "dict" in annotation:
        return {"name": "Matrix", "given_name": "Matrix", "family_name": "Matrix", "first_name": "Matrix",
                "last_name": "Matrix", "email": "matrix@example.com", "billing_email": "matrix@example.com",
                "country": "GB", "scopes": "read:projects", "expires": "30", "role_keys": "owner",
                "number": "4242424242424242", "exp_month": "12", "exp_year": "2040", "cvc": "123"}
    for hint, values in cands.items():
        if hint in name:
            return values[0] if "list" not in annotation else values
    if "list" in annotation:
        return list(cands["role"])
    if "bool" in annotation:
        return True
    if "int" in annotation:
        return 1
    return "matrix"


SECTION_PARAMS = ("key", "section", "section_key")


# What the server logs when an event names no handler, or a payload does not fit the handler's
# parameters (whitespace removed: the log wraps long lines).
NOT_CALLED = ("Noregisteredhandlerfoundforevent", "gotanunexpectedkeywordargument", "missing1requiredpositional",
              "requiredpositionalarguments")


def _call_everything(portal, cookie: str | None) -> int:
    """Call every handler once per section it could be aimed at; returns how many handlers were called.

    Each call waits for the server's answer (tests/ui/socket_tab.py), and the server's log must show
    that every event reached its handler with the arguments it takes: a matrix whose calls never
    arrive proves nothing."""
    cands = _candidates(portal)
    called = 0
    log_start = portal.log.stat().st_size
    with SocketTab(portal.url, f"portal_session={cookie}" if cookie else None) as tab:
        for state in _states():
            setvar = format_event_handler(state.event_handlers["setvar"])
            for var, value in PERMISSIVE_VARS.items():
                if var in state.vars:
                    tab.send(setvar, {"var_name": var, "value": value}, "/org/details")
        for state, name in _handlers():
            handler = state.event_handlers[name]
            params = list(inspect.signature(handler.fn).parameters.values())[1:]
            targets = SECTIONS if any(p.name in SECTION_PARAMS for p in params) else SECTIONS[:1]
            for section, path in targets:
                payload = {p.name: _value(p, cands, section) for p in params}
                tab.send(format_event_handler(handler), payload, path)
            called += 1
    with open(portal.log, "rb") as log:
        log.seek(log_start)
        logged = "".join(log.read().decode(errors="replace").split())
    assert not [sign for sign in NOT_CALLED if sign in logged], "events that reached no handler; see the server log"
    return called


SECTIONS = [("organization_details", "/org/details"), ("organization_domains", "/org/domains"),
            ("organization_members", "/org/members"),
            ("organization_api_keys", "/org/api-keys"), ("organization_plan_selection", "/org/billing/plans"),
            ("organization_payment_details", "/org/billing/payment"), ("profile", "/profile"),
            ("api_keys", "/api-keys"), ("plan_selection", "/billing/plans"), ("payment_details", "/billing/payment")]


def _ended_cookie(portal) -> str:
    cookie = session_cookie(portal, "kp_demo_olivia", DEMO_ORG_CODE, "organization_details")
    req = urllib.request.Request(f"{portal.url}/portal_exit", method="POST", data=b"",
                                 headers={"Cookie": f"portal_session={cookie}"})

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None
    try:
        urllib.request.build_opener(NoRedirect).open(req, timeout=10)
    except urllib.error.HTTPError:
        pass  # the 303
    return cookie


def _preview_cookie(portal) -> str:
    return cookie_over_http(portal.cli("preview", "--org", DEMO_ORG_CODE, "--role", "owner",
                                       "--sub-nav", "organization_details"))


@pytest.mark.parametrize("who", ["no-session", "ended-session", "preview"])
def test_nothing_changes_without_a_live_writing_session(portal, who):
    cookie = {"no-session": lambda: None, "ended-session": lambda: _ended_cookie(portal),
              "preview": lambda: _preview_cookie(portal)}[who]()
    before = _snapshot(portal, None)
    assert _call_everything(portal, cookie) == len(_handlers())
    assert _snapshot(portal, None) == before


MATRIX_VIEWER = "kp_matrix_viewer"


def _add_viewer(portal) -> None:
    """A member with Acme's viewer role of the matrix's own, so that what the matrix may legitimately
    change (their own profile, keys, cards) never touches the demo personas other tests rely on."""
    from sqlmodel import Session, select

    from portal_ui.db import engine_for
    from portal_ui.domain.clock import utcnow
    from portal_ui.domain.member_list import sync_member_sort_keys
    from portal_ui.models import MemberRole, Membership, Role, User
    from portal_ui.settings import Settings

    with Session(engine_for(Settings.from_env(portal.env).db_url)) as db:
        if db.get(User, MATRIX_VIEWER) is None:
            db.add(User(id=MATRIX_VIEWER, given_name="Matrix", family_name="Viewer",
                        email="matrix.viewer@acme.example", created_on=utcnow()))
            db.flush()
            membership = Membership(org_code=DEMO_ORG_CODE, user_id=MATRIX_VIEWER, joined_on=utcnow())
            db.add(membership)
            db.flush()
            sync_member_sort_keys(db, membership_ids=[membership.id])
            viewer = db.exec(select(Role).where(Role.key == "viewer")).one()
            db.add(MemberRole(membership_id=membership.id, role_id=viewer.id, granted_on=utcnow()))
            db.commit()


def _remove_viewer(portal) -> None:
    """Take the matrix's viewer out of Acme again, so the members list is as other tests expect."""
    with _db(portal) as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM memberships WHERE user_id = ?", (MATRIX_VIEWER,))]
        for membership_id in ids:
            conn.execute("DELETE FROM member_roles WHERE membership_id = ?", (membership_id,))
        conn.execute("DELETE FROM memberships WHERE user_id = ?", (MATRIX_VIEWER,))


def test_the_viewer_changes_nothing_the_organization_owns(portal):
    _add_viewer(portal)
    try:
        cookie = session_cookie(portal, MATRIX_VIEWER, DEMO_ORG_CODE, "organization_details")
        before = _snapshot(portal, ORG_TABLES, owned_only=True)
        _call_everything(portal, cookie)
        after = _snapshot(portal, ORG_TABLES, owned_only=True)
    finally:
        _remove_viewer(portal)
    assert after == before


def test_the_matrix_covers_every_handler():
    handlers = _handlers()
    assert len(handlers) >= 10
    assert any(name == "save_details" for _state, name in handlers)
