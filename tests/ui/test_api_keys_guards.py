"""API key handlers called straight over the websocket: sessions that may not write change nothing.

Any client can call any event handler with any arguments, so a raw socket.io client
(tests/ui/socket_tab.py), carrying a real session cookie (from the 303 that redeems a link), calls the
create, rotate and revoke handlers. Sessions without write access to the keys they name (a
read-only viewer, a billing manager, a user without an organization, no session at all)
leave every key and the audit log as they were and never receive a secret. The owner's
session, the control, does change keys with the very same calls.
"""

from __future__ import annotations

import hashlib
import re

import pytest
from reflex_base.utils.format import format_event_handler

from portal_ui.demo.personas import DEMO_ORG_CODE
from portal_ui.domain.sessions import SESSION_COOKIE
from portal_ui.ui.state import ApiKeysState
from portal_ui.i18n import translate
from tests.ui.socket_tab import SocketTab
from tests.ui.test_api_keys import audit_rows, key_table, seed_key
from tests.ui.test_guards import session_cookie

pytestmark = pytest.mark.browser

LOAD, CREATE, ROTATE, REVOKE = (format_event_handler(ApiKeysState.event_handlers[name])
                                for name in ("load_keys", "create_key", "rotate_key", "revoke_key"))
ORG = "organization_api_keys"
PATH = "/org/api-keys"
SECRET = re.compile(r"pk_(?:org|user)_[0-9A-Za-z]{46}")
FORM = {"name": "Sneaky", "scope:read:projects": "on", "expiry": "never"}


def _attacks(org_key: str, user_key: str) -> list[tuple[str, dict]]:
    return [
        (CREATE, {"section": ORG, "form": FORM}),
        (ROTATE, {"section": ORG, "key_id": org_key}),
        (REVOKE, {"section": ORG, "key_id": org_key}),
        # through the user section, someone else's keys are unknown ids
        (ROTATE, {"section": "api_keys", "key_id": org_key}),
        (REVOKE, {"section": "api_keys", "key_id": user_key}),
        # junk sections and arguments
        (CREATE, {"section": "organization_details", "form": FORM}),
        (ROTATE, {"section": None, "key_id": org_key}),
        (REVOKE, {"section": ORG, "key_id": {"$ne": ""}}),
        (CREATE, {"section": ORG, "form": "name=x"}),
        (CREATE, {"section": "api_keys", "form": {**FORM, "expiry": ["never"], "name": ["x"]}}),
    ]


def _run(portal, cookie: str, events: list[tuple[str, dict]]) -> str:
    with SocketTab(portal.url, f"{SESSION_COOKIE}={cookie}" if cookie else None) as tab:
        tab.send(LOAD, {"key": ORG}, PATH)
        for name, payload in events:
            tab.send(name, payload, PATH)
        return str(tab.updates)


@pytest.fixture(scope="module")
def targets(portal) -> tuple[str, str]:
    """An organization key and Olivia's own user key, for the attacks to aim at."""
    org_key, _ = seed_key(portal, name="Guarded org key", org_code=DEMO_ORG_CODE)
    user_key, _ = seed_key(portal, name="Olivia's own key", user_id="kp_demo_olivia")
    return org_key, user_key


@pytest.mark.parametrize("user, org", [
    ("kp_demo_vic", DEMO_ORG_CODE),   # viewer: organization keys are read-only
    ("kp_demo_bill", DEMO_ORG_CODE),  # billing manager: organization keys are hidden
    ("kp_demo_bea", None),            # no organization at all
])
def test_write_handlers_refuse_sessions_without_write_access(portal, targets, user, org):
    cookie = session_cookie(portal, user, org, "organization_api_keys")
    keys_before, audit_before = key_table(portal), audit_rows(portal)
    updates = _run(portal, cookie, _attacks(*targets))
    assert updates, "the server did not answer the events"
    assert key_table(portal) == keys_before
    assert audit_rows(portal) == audit_before
    assert not SECRET.search(updates)
    assert translate("en", "shell.not_allowed") in updates  # refused by the guard, not merely ignored
    assert "Guarded org key" not in updates or user == "kp_demo_vic"  # only the viewer may read the list


def test_write_handlers_refuse_a_client_without_a_session(portal, targets):
    keys_before = key_table(portal)
    updates = _run(portal, "", _attacks(*targets))
    assert "'ended_rx_state_': True" in updates, "the handlers did not answer with the ended view"
    assert key_table(portal) == keys_before
    assert not SECRET.search(updates) and "Guarded org key" not in updates


def test_write_handlers_work_for_the_owner(portal, targets):
    """The control: the owner's session creates, rotates and revokes with the same calls."""
    cookie = session_cookie(portal, "kp_demo_olivia", DEMO_ORG_CODE, "organization_api_keys")
    before = {row[0] for row in key_table(portal)}
    with SocketTab(portal.url, f"{SESSION_COOKIE}={cookie}") as tab:
        tab.send(LOAD, {"key": ORG}, PATH)
        created = str(tab.send(CREATE, {"section": ORG, "form": {**FORM, "name": "Socket-made"}}, PATH))
        secret = SECRET.search(created).group(0)
        new = [row for row in key_table(portal) if row[0] not in before]
        assert len(new) == 1 and new[0][2] == hashlib.sha256(secret.encode()).hexdigest()
        # a page load closes the one-time reveal (the secret itself only ever lived in the browser)
        reloaded = str(tab.send(LOAD, {"key": ORG}, PATH))
        assert re.search(r"'reveal_title\w*': ''", reloaded) and not SECRET.search(reloaded)
        rotated = str(tab.send(ROTATE, {"section": ORG, "key_id": new[0][0]}, PATH))
        assert SECRET.search(rotated).group(0) != secret
        tab.send(REVOKE, {"section": ORG, "key_id": new[0][0]}, PATH)
    assert dict((row[0], row[1]) for row in key_table(portal))[new[0][0]] == "revoked"
