"""Server-side refusal: any client can call any event handler, so the handlers check for themselves.

A socket.io client (tests/ui/socket_tab.py), carrying a real session cookie (from the 303 that redeems a link), calls the
organization-details save handler directly. Sessions without `org:write:details` change nothing;
the owner's session (the control) does change the details, proving the call itself works.
"""

from __future__ import annotations

import sqlite3
from urllib.parse import urlsplit

import pytest
from reflex_base.utils.format import format_event_handler

from portal_ui.demo.personas import DEMO_ORG_CODE
from portal_ui.domain.sessions import SESSION_COOKIE
from portal_ui.ui.state import MembersState, OrgDetailsState
from portal_ui.ui.state.org_details import FIELD_NAMES
from tests.ui.helpers import cookie_over_http
from tests.ui.socket_tab import SocketTab

pytestmark = pytest.mark.browser

LOAD = format_event_handler(OrgDetailsState.event_handlers["load_details"])
SAVE = format_event_handler(OrgDetailsState.event_handlers["save_details"])
DETAILS_PATH = "/org/details"


def session_cookie(portal, user: str, org: str | None, sub_nav: str) -> str:
    """The HttpOnly session cookie of a new portal session for `user` (and `org`), opened at `sub_nav`."""
    return cookie_over_http(portal.link(user, org, sub_nav))


def _db(portal) -> sqlite3.Connection:
    return sqlite3.connect(urlsplit(portal.env["REFLEX_DB_URL"]).path)


def org_details(portal) -> dict:
    with _db(portal) as conn:
        row = conn.execute(f"SELECT {', '.join(FIELD_NAMES)} FROM organizations WHERE code = ?",
                           (DEMO_ORG_CODE,)).fetchone()
    return dict(zip(FIELD_NAMES, row))


def send_events(portal, cookie: str, events: list[tuple[str, dict]]) -> list[str]:
    """Connect like a browser tab with `cookie`, send `events` in order; each event's answer (its
    updates, as text)."""
    with SocketTab(portal.url, f"{SESSION_COOKIE}={cookie}" if cookie else None) as tab:
        return [str(tab.send(name, payload, DETAILS_PATH)) for name, payload in events]


NOT_ALLOWED = "You do not have permission to change this."
ENDED = "'ended_rx_state_': True"  # the tab switched to the "session ended" view


def _save(details: dict, **changes: str) -> tuple[str, dict]:
    return SAVE, {"form": {**details, **changes}}


@pytest.mark.parametrize("user, org", [
    ("kp_demo_vic", DEMO_ORG_CODE),   # viewer: details are read-only
    ("kp_demo_bill", DEMO_ORG_CODE),  # billing manager: details are read-only
    ("kp_demo_bea", None),            # no organization at all: the section is hidden
])
def test_save_handler_refuses_sessions_without_write_permission(portal, user, org):
    cookie = session_cookie(portal, user, org, "organization_details")
    before = org_details(portal)
    _load, saved = send_events(portal, cookie, [(LOAD, {}), _save(before, name="Hacked by socket")])
    assert NOT_ALLOWED in saved, "the save handler did not refuse (or did not answer)"
    assert org_details(portal) == before
    assert before["name"] == "Acme"
    assert "Details saved." not in saved


def test_save_handler_works_for_the_owner(portal):
    """The control: the same calls with the owner's session do change the details."""
    cookie = session_cookie(portal, "kp_demo_olivia", DEMO_ORG_CODE, "organization_details")
    before = org_details(portal)
    try:
        send_events(portal, cookie, [(LOAD, {}), _save(before, name="Acme Renamed")])
        assert org_details(portal) == {**before, "name": "Acme Renamed"}
    finally:
        send_events(portal, cookie, [(LOAD, {}), _save(before)])
    assert org_details(portal) == before


def test_no_cookie_no_data(portal):
    """A client without a session gets the ended view and no organization data."""
    [loaded] = send_events(portal, "", [(LOAD, {})])
    assert ENDED in loaded, "the load handler did not answer with the ended view"
    assert "Acme Corporation" not in loaded and "billing@acme.example" not in loaded


MEMBERS = format_event_handler(MembersState.event_handlers["load_members"])


@pytest.mark.parametrize("user, sees_members", [("kp_demo_bill", False), ("kp_demo_olivia", True)])
def test_members_load_handler_sends_members_only_to_sessions_that_may_see_them(portal,
                                                                               user, sees_members):
    cookie = session_cookie(portal, user, DEMO_ORG_CODE, "profile")
    with SocketTab(portal.url, f"{SESSION_COOKIE}={cookie}") as tab:
        updates = str(tab.send(MEMBERS, {}, "/org/members"))
    # Bill is sent on to a section he may see; Olivia's tab gets the list.
    assert ("'members_loaded_rx_state_': True" in updates) is sees_members
    assert ("_redirect" in updates) is not sees_members
    assert ("vic@acme.example" in updates) is sees_members
