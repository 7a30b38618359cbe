"""Handler-level authorization of the members section: any client can call any handler.

A socket.io client (tests/ui/socket_tab.py) with a real session cookie calls every changing
handler directly, skipping the disabled buttons. A read-only member (Vic) and a member without
the members permission (Bill) change nothing; a member who manages members but holds fewer
permissions cannot slip a role they may not grant into a forged form; the owner's session (the
control) does change things with the very same calls.
"""

from __future__ import annotations

import pytest
from reflex_base.utils.format import format_event_handler

from portal_ui.demo.personas import DEMO_ORG_CODE
from portal_ui.domain.sessions import SESSION_COOKIE
from portal_ui.ui.state.invitations import InvitationsState
from portal_ui.ui.state.members import MembersState
from tests.ui.members_data import (add_invitation, add_member, drop_member, ensure_role, invitation_of,
                                   role_keys_of, snapshot, unique)
from tests.ui.socket_tab import SocketTab
from tests.ui.test_guards import session_cookie

pytestmark = pytest.mark.browser

PATH = "/org/members"
OWNER_ROLE = "role_demo_owner"
BILLING_ROLE = "role_demo_billing_manager"


def handler(state, name: str) -> str:
    return format_event_handler(state.event_handlers[name])


LOAD = handler(MembersState, "load_members")


def attack(victim_id: str, invite_code: str, email: str) -> list[tuple[str, dict]]:
    """Every changing handler of the section, called with arguments a browser would never send."""
    return [
        (LOAD, {}),
        (handler(InvitationsState, "open_invite"), {}),
        (handler(InvitationsState, "invite"), {"form": {"email": email, "first_name": "Eve",
                                                        f"role_{OWNER_ROLE}": "on", "role_role_demo_viewer": "on"}}),
        (handler(InvitationsState, "ask_revoke"), {"code": invite_code}),
        (handler(InvitationsState, "confirm_revoke"), {}),
        (handler(MembersState, "open_role_editor"), {"user_id": victim_id}),
        (handler(MembersState, "save_member_roles"), {"form": {f"role_{OWNER_ROLE}": "on"}}),
        (handler(MembersState, "ask_remove"), {"user_id": victim_id}),
        (handler(MembersState, "confirm"), {}),
        (handler(MembersState, "ask_remove"), {"user_id": "kp_demo_olivia"}),
        (handler(MembersState, "confirm"), {}),
    ]


def send(portal, cookie: str, events: list[tuple[str, dict]]) -> list[dict]:
    with SocketTab(portal.url, f"{SESSION_COOKIE}={cookie}") as tab:
        for name, payload in events:
            tab.send(name, payload, PATH)
        return tab.updates


@pytest.fixture
def target(portal):
    """A member and a pending invitation for the attacks to aim at; cleaned up afterwards."""
    email = f"{unique('target-')}@example.com"
    user_id = add_member(portal, "Tara", "Target", email)
    invited = f"{unique('pending-')}@example.com"
    yield user_id, add_invitation(portal, invited), invited
    drop_member(portal, user_id)


@pytest.mark.parametrize("user", ["kp_demo_vic", "kp_demo_bill"])
def test_write_handlers_change_nothing_for_sessions_without_write_permission(portal,
                                                                             target, user):
    user_id, code, invited = target
    cookie = session_cookie(portal, user, DEMO_ORG_CODE, "profile")
    email = f"{unique('eve-')}@example.com"
    before = snapshot(portal)
    updates = send(portal, cookie, attack(user_id, code, email))
    assert updates, "the server did not answer the events"
    assert snapshot(portal) == before
    assert invitation_of(portal, email) is None
    assert invitation_of(portal, invited) == ("pending", ["viewer"])
    assert "You do not have permission to change this." in str(updates)


def test_read_handlers_send_nothing_to_a_session_that_may_not_see_members(portal):
    cookie = session_cookie(portal, "kp_demo_bill", DEMO_ORG_CODE, "profile")
    updates = send(portal, cookie, [
        (LOAD, {}),
        (handler(MembersState, "search_members"), {"query": "acme"}),
        (handler(MembersState, "sort_members"), {"sort": "email_desc"}),
        (handler(MembersState, "next_members_page"), {}),
        (handler(InvitationsState, "load_invitations"), {}),
        (handler(InvitationsState, "show_closed"), {"include": True}),
    ])
    assert "_redirect" in str(updates), "the load handler did not send Bill on to a section he may see"
    assert "vic@acme.example" not in str(updates) and "olivia@acme.example" not in str(updates)
    assert "@example.com" not in str(updates)  # no invitation either


def test_a_forged_role_the_inviter_may_not_grant_changes_nothing(portal, target):
    """A member admin (org:write:members, nothing else) may invite and change roles, but only with
    roles they hold every permission of: the owner role in a forged form is ignored."""
    user_id, _code, _invited = target
    role_id = ensure_role(portal, "member_admin", "Member admin", ["org:read:members", "org:write:members"])
    admin_email = f"{unique('madmin-')}@example.com"
    admin = add_member(portal, "Max", "Admin", admin_email, role_keys=["member_admin"])
    try:
        cookie = session_cookie(portal, admin, DEMO_ORG_CODE, "organization_members")
        owner_only = f"{unique('forged-')}@example.com"
        mixed = f"{unique('mixed-')}@example.com"
        send(portal, cookie, [
            (LOAD, {}),
            (handler(InvitationsState, "invite"), {"form": {"email": owner_only, f"role_{OWNER_ROLE}": "on"}}),
            (handler(InvitationsState, "invite"), {"form": {"email": mixed, f"role_{OWNER_ROLE}": "on",
                                                            f"role_{role_id}": "on"}}),
            (handler(MembersState, "open_role_editor"), {"user_id": user_id}),
            (handler(MembersState, "save_member_roles"), {"form": {f"role_{OWNER_ROLE}": "on",
                                                                   f"role_{BILLING_ROLE}": "on"}}),
        ])
        assert invitation_of(portal, owner_only) is None
        assert invitation_of(portal, mixed) == ("pending", ["member_admin"])
        assert role_keys_of(portal, user_id) == ["viewer"]  # a role they may not grant or take away: kept
    finally:
        drop_member(portal, admin)


def test_the_same_calls_work_for_the_owner(portal, target):
    """The control: with the owner's session the handlers do change things."""
    user_id, code, invited = target
    cookie = session_cookie(portal, "kp_demo_olivia", DEMO_ORG_CODE, "organization_members")
    email = f"{unique('welcome-')}@example.com"
    send(portal, cookie, [
        (LOAD, {}),
        (handler(InvitationsState, "invite"), {"form": {"email": email, f"role_{BILLING_ROLE}": "on"}}),
        (handler(InvitationsState, "ask_revoke"), {"code": code}),
        (handler(InvitationsState, "confirm_revoke"), {}),
        (handler(MembersState, "open_role_editor"), {"user_id": user_id}),
        (handler(MembersState, "save_member_roles"), {"form": {f"role_{BILLING_ROLE}": "on"}}),
    ])
    assert invitation_of(portal, email) == ("pending", ["billing_manager"])
    assert invitation_of(portal, invited) == ("revoked", ["viewer"])
    assert role_keys_of(portal, user_id) == ["billing_manager"]
    with SocketTab(portal.url, f"{SESSION_COOKIE}={cookie}") as tab:
        tab.send(LOAD, {}, PATH)
        tab.send(handler(MembersState, "ask_remove"), {"user_id": user_id}, PATH)
        tab.send(handler(MembersState, "confirm"), {}, PATH)
    assert role_keys_of(portal, user_id) is None
