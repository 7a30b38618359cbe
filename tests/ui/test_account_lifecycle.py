"""The profile page's account lifecycle in a real browser, each flow paired with the server refusing
the same action to a tab that may not do it (a hand-written websocket client, tests/ui/socket_tab.py):
leaving an organization, the last owner kept from leaving, handing ownership over, downloading your
data, scheduling and undoing account deletion.

The portal is shared by the whole test session, so each test puts memberships, roles and deletion
dates back as it found them.
"""

from __future__ import annotations

import json

import httpx
import pytest
from playwright.sync_api import Page, expect
from reflex_base.utils.format import format_event_handler

from portal_ui.demo.personas import DEMO_ORG_CODE
from portal_ui.domain.audit import Actor
from portal_ui.domain.links import create_link
from portal_ui.domain.members import insert_membership
from portal_ui.domain.sessions import SESSION_COOKIE
from portal_ui.ui.state.account_lifecycle import LifecycleState
from tests.ui.helpers import cookie_over_http, enter
from tests.ui.portal_db import audit_actions, connect, domain_session
from tests.ui.socket_tab import SocketTab

pytestmark = pytest.mark.browser

OLIVIA, BILL, VIC, BEA = "kp_demo_olivia", "kp_demo_bill", "kp_demo_vic", "kp_demo_bea"
PROFILE = "/profile"
SYSTEM = Actor.system("test")


def handler(name: str) -> str:
    return format_event_handler(LifecycleState.event_handlers[name])


LOAD, ASK_LEAVE, CONFIRM_LEAVE = handler("load_lifecycle"), handler("ask_leave"), handler("confirm_leave")
ASK_TRANSFER, CONFIRM_TRANSFER = handler("ask_transfer"), handler("confirm_transfer")
ASK_DELETE, CONFIRM_DELETE, CANCEL_DELETE = (handler("ask_delete"), handler("confirm_delete"),
                                             handler("cancel_account_deletion"))


def roles_of(portal) -> dict[str, set[str]]:
    """Role keys per Acme member."""
    with connect(portal) as conn:
        rows = conn.execute("SELECT m.user_id, r.key FROM memberships m LEFT JOIN member_roles mr ON "
                            "mr.membership_id = m.id LEFT JOIN roles r ON r.id = mr.role_id WHERE m.org_code = ?",
                            (DEMO_ORG_CODE,)).fetchall()
    out: dict[str, set[str]] = {}
    for user, key in rows:
        out.setdefault(user, set()).update({key} if key else set())
    return out


def deletion_due(portal, user: str):
    with connect(portal) as conn:
        return conn.execute("SELECT deletion_due_on FROM users WHERE id = ?", (user,)).fetchone()[0]


@pytest.fixture
def acme_as_seeded(portal):
    """Whatever a test does to Acme's memberships and roles, they are put back afterwards."""
    before = roles_of(portal)
    yield before
    missing = [user for user in before if user not in roles_of(portal)]
    if missing:
        with domain_session(portal) as (session, _settings):
            for user in missing:
                insert_membership(session, DEMO_ORG_CODE, user)
    with connect(portal) as conn:  # the roles as they were, written directly (no rule is crossed on the way)
        for user, keys in before.items():
            membership = conn.execute("SELECT id FROM memberships WHERE org_code = ? AND user_id = ?",
                                      (DEMO_ORG_CODE, user)).fetchone()[0]
            conn.execute("DELETE FROM member_roles WHERE membership_id = ?", (membership,))
            for key in keys:
                conn.execute("INSERT INTO member_roles (membership_id, role_id, granted_on) SELECT ?, id, "
                             "CURRENT_TIMESTAMP FROM roles WHERE key = ?", (membership, key))
    assert roles_of(portal) == before


@pytest.fixture
def no_deletions(portal):
    yield
    with connect(portal) as conn:
        conn.execute("UPDATE users SET deletion_due_on = NULL WHERE id LIKE 'kp_demo_%'")


def tab(portal, cookie: str | None) -> SocketTab:
    return SocketTab(portal.url, f"{SESSION_COOKIE}={cookie}" if cookie else None)


def open_profile(page: Page, portal, user: str, org: str | None) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    enter(page, portal.link(user, org, "profile"))
    expect(page.locator("#profile-orgs, #profile-orgs-none")).to_be_visible()


# ---- leaving ----------------------------------------------------------------------------------

def test_a_member_leaves_an_organization_from_their_profile(page: Page, portal, shot, acme_as_seeded):
    open_profile(page, portal, VIC, DEMO_ORG_CODE)
    row = page.locator("#profile-orgs .org-item", has_text="Acme")
    expect(row.locator(".org-owner-badge")).to_have_count(0)
    row.get_by_role("button", name="Leave Acme").click()
    dialog = page.locator("#leave-dialog")
    expect(dialog).to_contain_text("Leave Acme?")
    expect(dialog).to_contain_text("this portal session, which is for Acme, ends")
    shot("asked")
    page.locator("#leave-confirm").click()
    expect(page.locator("#ended-heading")).to_have_text("Your session has ended")  # it was Acme's session
    assert VIC not in roles_of(portal)
    assert audit_actions(portal, "member.left")[-1] == ("member.left", VIC)


def test_the_leave_handlers_act_only_for_the_sessions_own_user(portal, acme_as_seeded):
    """No session, a preview, or a forged argument: nobody leaves and nobody is removed."""
    with domain_session(portal) as (session, settings):
        preview = create_link(session, settings, user_id=VIC, org_code=DEMO_ORG_CODE, sub_nav="profile",
                              actor=SYSTEM, preview={"permissions": []})
    answers = []
    for cookie in (None, cookie_over_http(preview)):
        with tab(portal, cookie) as t:
            t.send(LOAD, {}, PROFILE)
            answers.append(str(t.send(ASK_LEAVE, {"org_code": DEMO_ORG_CODE}, PROFILE)))
            answers.append(str(t.send(CONFIRM_LEAVE, {}, PROFILE)))
    vic = cookie_over_http(portal.link(VIC, DEMO_ORG_CODE, "profile"))
    with tab(portal, vic) as t:  # Vic's own session, without opening the dialog: nothing to confirm
        t.send(LOAD, {}, PROFILE)
        answers.append(str(t.send(CONFIRM_LEAVE, {"org_code": DEMO_ORG_CODE, "user_id": OLIVIA}, PROFILE)))
    assert roles_of(portal) == acme_as_seeded
    assert "Preview" in answers[2] + answers[3]
    assert not any("You left" in a for a in answers)


def test_the_last_owner_cannot_leave_and_is_told_why(page: Page, portal, shot, acme_as_seeded):
    open_profile(page, portal, OLIVIA, DEMO_ORG_CODE)
    row = page.locator("#profile-orgs .org-item", has_text="Acme")
    expect(row.locator(".org-owner-badge")).to_have_text("Owner")
    expect(row.get_by_role("button", name="Leave Acme")).to_be_disabled()
    expect(row.locator(".org-blocked")).to_contain_text("You are the last owner of Acme. Hand ownership over")
    shot()
    # The server refuses the same, called directly by her own tab.
    cookie = cookie_over_http(portal.link(OLIVIA, DEMO_ORG_CODE, "profile"))
    with tab(portal, cookie) as t:
        t.send(LOAD, {}, PROFILE)
        asked = str(t.send(ASK_LEAVE, {"org_code": DEMO_ORG_CODE}, PROFILE))
        done = str(t.send(CONFIRM_LEAVE, {}, PROFILE))
    assert "last owner of Acme" in asked + done
    assert roles_of(portal) == acme_as_seeded


# ---- handing ownership over -------------------------------------------------------------------

def test_the_owner_hands_ownership_over_after_typing_the_name(page: Page, portal, shot, acme_as_seeded):
    open_profile(page, portal, OLIVIA, DEMO_ORG_CODE)
    page.locator("#profile-orgs .org-item", has_text="Acme").get_by_role("button", name="Transfer ownership of Acme").click()
    dialog = page.locator("#transfer-dialog")
    expect(dialog).to_contain_text("The member you choose gets the owner role (Owner)")
    page.locator("#transfer-new-owner").select_option(label="Bill Payne (bill@acme.example)")
    page.locator("#transfer-confirm").fill("Acme Inc")
    page.locator("#transfer-submit").click()
    expect(page.locator("#transfer-error")).to_contain_text("name, Acme, exactly to confirm")
    assert roles_of(portal) == acme_as_seeded  # a wrong name changes nothing
    shot("mismatch")
    page.locator("#transfer-confirm").fill("acme")
    page.locator("#transfer-submit").click()
    expect(page.get_by_text("Bill Payne is now the owner of Acme.")).to_be_visible()
    expect(dialog).to_have_count(0)
    row = page.locator("#profile-orgs .org-item", has_text="Acme")
    expect(row.locator(".org-owner-badge")).to_have_count(0)
    expect(row.get_by_role("button", name="Leave Acme")).to_be_enabled()  # not the last owner any more
    shot("done")
    roles = roles_of(portal)
    assert roles[BILL] == {"owner", "billing_manager"} and roles[OLIVIA] == {"viewer"}
    assert audit_actions(portal, "organization.ownership")[-1] == ("organization.ownership_transferred", OLIVIA)


def test_a_member_who_is_not_an_owner_cannot_hand_ownership_over(portal, acme_as_seeded):
    cookie = cookie_over_http(portal.link(VIC, DEMO_ORG_CODE, "profile"))
    form = {"form": {"new_owner": VIC, "confirm": "Acme"}}
    with tab(portal, cookie) as t:
        t.send(LOAD, {}, PROFILE)
        asked = str(t.send(ASK_TRANSFER, {"org_code": DEMO_ORG_CODE}, PROFILE))
        done = str(t.send(CONFIRM_TRANSFER, form, PROFILE))
    assert "Only an owner" in asked
    assert "Bill Payne (bill@acme.example)" not in asked  # the member list is not handed out either
    assert "now the owner" not in done
    with tab(portal, None) as t:
        t.send(CONFIRM_TRANSFER, form, PROFILE)
    assert roles_of(portal) == acme_as_seeded


# ---- your data --------------------------------------------------------------------------------

def test_download_my_data(page: Page, portal, shot):
    open_profile(page, portal, BILL, DEMO_ORG_CODE)
    with page.expect_download() as info:
        page.locator("#data-download").click()
    download = info.value
    assert download.suggested_filename.startswith("my-data-kp_demo_bill-")
    data = json.loads(open(download.path(), encoding="utf-8").read())
    assert data["profile"]["email"] == "bill@acme.example"
    assert [(m["organization_name"], m["roles"], m["is_owner"]) for m in data["memberships"]] == \
        [("Acme", ["billing_manager"], False)]
    assert "portal_session.started" in {e["action"] for e in data["audit_events"]}
    assert "olivia@acme.example" not in json.dumps(data)
    # Without the session cookie the same address gives nothing.
    refused = httpx.get(portal.url + "/profile/my-data.json", timeout=20)
    assert refused.status_code == 403 and "bill@acme.example" not in refused.text


# ---- deleting the account ---------------------------------------------------------------------

def test_schedule_deletion_then_undo_it(page: Page, portal, shot, no_deletions):
    open_profile(page, portal, BEA, None)
    page.locator("#deletion-ask").click()
    expect(page.locator("#delete-dialog")).to_contain_text("Your account will be deleted on")
    page.locator("#delete-confirm").click()
    expect(page.locator("#deletion-scheduled")).to_contain_text("Your account will be deleted on")
    assert deletion_due(portal, BEA) is not None
    page.reload()
    expect(page.locator("#deletion-scheduled")).to_be_visible()  # the date stays on the profile
    shot("scheduled")
    page.locator("#deletion-cancel").click()
    expect(page.get_by_text("The deletion is cancelled. Your account stays.")).to_be_visible()
    expect(page.locator("#deletion-ask")).to_be_enabled()
    assert deletion_due(portal, BEA) is None
    assert [a for a, _ in audit_actions(portal, "user.deletion")][-2:] == ["user.deletion_scheduled",
                                                                           "user.deletion_cancelled"]


def test_the_last_owner_cannot_delete_their_account(page: Page, portal, shot, no_deletions):
    open_profile(page, portal, OLIVIA, DEMO_ORG_CODE)
    expect(page.locator("#deletion-ask")).to_be_disabled()
    expect(page.locator("#deletion-blocked")).to_contain_text("You are the last owner of Acme")
    cookie = cookie_over_http(portal.link(OLIVIA, DEMO_ORG_CODE, "profile"))
    with tab(portal, cookie) as t:
        t.send(LOAD, {}, PROFILE)
        answer = str(t.send(CONFIRM_DELETE, {}, PROFILE))
    assert "cannot be deleted yet" in answer
    assert deletion_due(portal, OLIVIA) is None


def test_deletion_handlers_refuse_no_session_and_previews(portal, no_deletions):
    with domain_session(portal) as (session, settings):
        preview = create_link(session, settings, user_id=BEA, sub_nav="profile", actor=SYSTEM,
                              preview={"permissions": []})
    answers = []
    for cookie in (None, cookie_over_http(preview)):
        with tab(portal, cookie) as t:
            answers.append(str(t.send(CONFIRM_DELETE, {}, PROFILE)))
    assert deletion_due(portal, BEA) is None
    assert "Preview" in answers[1]
    with connect(portal) as conn:  # and nobody without a session undoes a scheduled deletion
        conn.execute("UPDATE users SET deletion_due_on = '2099-01-01 00:00:00' WHERE id = ?", (BEA,))
    with tab(portal, None) as t:
        t.send(CANCEL_DELETE, {}, PROFILE)
    assert deletion_due(portal, BEA) is not None
