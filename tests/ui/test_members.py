"""The members section in a real browser: invite, revoke, change roles, remove, leave, and the
last-member-admin refusal; what each persona may do.

Tests make their own members (tests/ui/members_data.py), so the demo personas keep their roles
for every other test on the shared server. Kinde's demo: Olivia owns Acme (every permission,
and the only one who may manage members), Vic only views, Bill has no members permission.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from portal_ui.demo.personas import DEMO_ORG_CODE
from tests.ui.helpers import enter, path_of
from tests.ui.members_data import (add_invitation, add_member, drop_member, ensure_role, invitation_of, role_keys_of,
                                   unique)

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
LAST_ADMIN = "would leave the workspace without anyone who can manage members"  # aliased


@pytest.fixture
def member(portal):
    """`member(given, family, role_keys=None)` -> (user id, email): a member of Acme for this test
    only (default roles unless `role_keys`); taken out again afterwards."""
    made: list[str] = []

    def make(given: str, family: str, role_keys: list[str] | None = None) -> tuple[str, str]:
        email = f"{unique(given.lower() + '-')}@example.com"
        made.append(add_member(portal, given, family, email, role_keys))
        return made[-1], email

    yield make
    for user_id in made:
        drop_member(portal, user_id)


def open_members(page: Page, portal, user: str = "kp_demo_olivia") -> None:
    enter(page, portal.link(user, DEMO_ORG_CODE, "organization_members"))
    expect(page.locator("#member-table")).to_be_visible()
    expect(page.locator("#invitations")).to_be_visible()


def search(page: Page, text: str) -> None:
    page.locator("#member-search").fill(text)
    expect(page.locator("#members-showing")).to_contain_text("of")
    expect(page.locator("#member-table tbody tr")).to_have_count(1)


def row_of(page: Page, email: str):
    return page.locator(f"#member-table tbody tr[data-email='{email}']")


def row_action(page: Page, email: str, action: str) -> None:
    """Open a member's actions menu and choose `action` ("change-roles" or "remove-member")."""
    row_of(page, email).locator(".member-actions").click()
    page.locator(f"[role=menuitem].{action}").click()


def role_box(page: Page, dialog: str, role_name: str):
    return page.locator(f"{dialog} label.role-option[data-role='{role_name}'] button[role=checkbox]")


def test_owner_sees_members_with_their_own_row_marked(page: Page, portal, shot):
    open_members(page, portal)
    olivia = row_of(page, "olivia@acme.example")
    expect(olivia.locator(".you-badge")).to_have_text("you")
    expect(olivia).to_contain_text("Owner")
    expect(row_of(page, "vic@acme.example").locator(".you-badge")).to_have_count(0)
    expect(page.locator("#member-table thead")).to_contain_text("Joined")
    expect(page.locator("#invite-button")).to_be_enabled()
    expect(page.locator("#read-only-note")).to_have_count(0)
    shot("desktop")
    page.set_viewport_size(PHONE)
    expect(olivia.locator(".member-actions")).to_be_visible()
    shot("phone")


def test_invite_with_default_role_preselected_then_revoke(page: Page, portal, shot):
    email = f"{unique('invitee-')}@example.com"
    open_members(page, portal)
    page.locator("#invite-button").click()
    dialog = "#invite-dialog"
    expect(page.locator(dialog)).to_be_visible()
    expect(role_box(page, dialog, "Viewer")).to_have_attribute("data-state", "checked")  # "assign to new members"
    expect(role_box(page, dialog, "Owner")).to_have_attribute("data-state", "unchecked")
    expect(role_box(page, dialog, "Owner")).to_be_enabled()
    page.locator("#invite-first-name").fill("Ivy")
    page.locator("#invite-last-name").fill("Newman")
    page.locator("#invite-email").fill(email)
    role_box(page, dialog, "Billing manager").click()
    shot("form")
    page.locator("#invite-send").click()
    expect(page.locator(dialog)).to_have_count(0)
    expect(page.get_by_text("Invitation saved")).to_be_visible()  # no SMTP on the test server
    row = page.locator(f"#invitation-table tr[data-email='{email}']")
    expect(row).to_contain_text("Ivy Newman")
    expect(row).to_contain_text("Billing manager")
    expect(row).to_contain_text("Viewer")
    expect(row.locator(".invitation-status")).to_have_text("Pending")
    assert invitation_of(portal, email) == ("pending", ["billing_manager", "viewer"])
    shot("invited")

    row.locator(".revoke-invitation").click()
    expect(page.locator("#revoke-dialog")).to_contain_text(email)
    shot("revoke-confirm")
    page.locator("#revoke-confirm").click()
    expect(page.locator("#revoke-dialog")).to_have_count(0)
    expect(row).to_have_count(0)  # only pending invitations are listed by default
    assert invitation_of(portal, email)[0] == "revoked"
    page.locator("#show-closed").click()
    expect(row.locator(".invitation-status")).to_have_text("Revoked")
    expect(row.locator(".revoke-invitation")).to_have_count(0)


def test_invite_refusals_show_the_domain_message(page: Page, portal):
    open_members(page, portal)
    page.locator("#invite-button").click()
    page.locator("#invite-email").fill("vic@acme.example")
    page.locator("#invite-send").click()
    expect(page.locator("#invite-error")).to_contain_text("already a member")
    role_box(page, "#invite-dialog", "Viewer").click()  # no role left
    page.locator("#invite-email").fill(f"{unique('x-')}@example.com")
    page.locator("#invite-send").click()
    expect(page.locator("#invite-error")).to_contain_text("Choose at least one role")


def test_change_a_members_roles(page: Page, portal, member, shot):
    user_id, email = member("Rory", "Changer")
    open_members(page, portal)
    search(page, email)
    row_action(page, email, "change-roles")
    dialog = "#roles-dialog"
    expect(page.locator(dialog)).to_contain_text("Rory Changer")
    expect(role_box(page, dialog, "Viewer")).to_have_attribute("data-state", "checked")
    role_box(page, dialog, "Billing manager").click()
    role_box(page, dialog, "Viewer").click()
    shot("dialog")
    page.locator("#roles-save").click()
    expect(page.locator(dialog)).to_have_count(0)
    expect(row_of(page, email)).to_contain_text("Billing manager")
    expect(row_of(page, email)).not_to_contain_text("Viewer")
    assert role_keys_of(portal, user_id) == ["billing_manager"]


def test_remove_a_member_after_confirming(page: Page, portal, member, shot):
    user_id, email = member("Remy", "Leaver")
    open_members(page, portal)
    search(page, email)
    row_action(page, email, "remove-member")
    dialog = page.locator("#confirm-dialog")
    expect(dialog).to_contain_text("Remove Remy Leaver?")
    shot("confirm")
    page.locator("#confirm-cancel").click()  # cancelling changes nothing
    expect(dialog).to_have_count(0)
    assert role_keys_of(portal, user_id) == ["viewer"]
    row_action(page, email, "remove-member")
    page.locator("#confirm-action").click()
    expect(dialog).to_have_count(0)
    expect(page.locator("#members-none")).to_be_visible()
    assert role_keys_of(portal, user_id) is None


def test_last_member_admin_cannot_leave(page: Page, portal, shot):
    open_members(page, portal)
    row_action(page, "olivia@acme.example", "remove-member")
    expect(page.locator("#confirm-dialog")).to_contain_text("Leave Acme?")
    page.locator("#confirm-action").click()
    expect(page.locator("#confirm-error")).to_contain_text(LAST_ADMIN)
    expect(page.locator("#confirm-action")).to_have_count(0)
    shot("refused")
    assert role_keys_of(portal, "kp_demo_olivia") == ["owner"]


def test_last_member_admin_cannot_demote_themselves(page: Page, portal, shot):
    open_members(page, portal)
    row_action(page, "olivia@acme.example", "change-roles")
    role_box(page, "#roles-dialog", "Owner").click()
    role_box(page, "#roles-dialog", "Viewer").click()
    page.locator("#roles-save").click()
    confirm = page.locator("#confirm-dialog")
    expect(confirm).to_contain_text("Change your own roles?")
    expect(confirm).to_contain_text("Owner")
    shot("asks")
    page.locator("#confirm-action").click()
    expect(page.locator("#confirm-error")).to_contain_text(LAST_ADMIN)
    shot("refused")
    assert role_keys_of(portal, "kp_demo_olivia") == ["owner"]


def test_a_second_admin_may_demote_themselves_after_confirming(page: Page, portal, member, shot):
    user_id, email = member("Ada", "Second", ["owner", "viewer"])
    open_members(page, portal, user_id)
    search(page, email)
    row_action(page, email, "change-roles")
    role_box(page, "#roles-dialog", "Owner").click()
    page.locator("#roles-save").click()
    page.locator("#confirm-action").click()
    expect(page.locator("#confirm-dialog")).to_have_count(0)
    expect(page.locator("#read-only-note")).to_be_visible()  # viewer now: the section turns read-only
    expect(page.locator("#invite-button")).to_be_disabled()
    shot("now-viewer")
    assert role_keys_of(portal, user_id) == ["viewer"]


def test_a_member_may_leave_and_the_session_ends(page: Page, portal, member):
    user_id, email = member("Lee", "Leaving", ["owner"])
    open_members(page, portal, user_id)
    search(page, email)
    row_action(page, email, "remove-member")
    expect(page.locator("#confirm-dialog")).to_contain_text("Leave Acme?")
    page.locator("#confirm-action").click()
    expect(page.locator("#ended-heading")).to_be_visible()
    assert role_keys_of(portal, user_id) is None


def test_roles_the_inviter_may_not_grant_are_disabled(page: Page, portal, member, shot):
    ensure_role(portal, "member_admin", "Member admin", ["org:read:members", "org:write:members"])
    user_id, _email = member("Mia", "Admin", ["member_admin"])
    page.set_viewport_size(PHONE)
    open_members(page, portal, user_id)
    page.locator("#invite-button").click()
    dialog = "#invite-dialog"
    for name in ("Owner", "Billing manager", "Viewer"):
        expect(role_box(page, dialog, name)).to_be_disabled()
        expect(role_box(page, dialog, name)).to_have_attribute("data-state", "unchecked")
    expect(page.locator(f"{dialog} label[data-role='Viewer']")).to_contain_text("You cannot grant this role")
    expect(role_box(page, dialog, "Member admin")).to_be_enabled()
    shot("phone")


def test_viewer_gets_a_read_only_list(page: Page, portal, shot):
    add_invitation(portal, f"{unique('pending-')}@example.com")
    open_members(page, portal, "kp_demo_vic")
    expect(page.locator("#read-only-note")).to_be_visible()
    expect(row_of(page, "vic@acme.example").locator(".you-badge")).to_be_visible()
    expect(page.locator("#invite-button")).to_be_disabled()
    for control in page.locator(".member-actions").all():
        expect(control).to_be_disabled()
    assert page.locator(".revoke-invitation").count() > 0
    for control in page.locator(".revoke-invitation").all():
        expect(control).to_be_disabled()
    page.locator("#member-search").fill("olivia")  # reading is allowed: search works
    expect(page.locator("#member-table tbody tr")).to_have_count(1)
    shot("desktop")
    page.set_viewport_size(PHONE)
    shot("phone")


def test_billing_manager_does_not_see_members(page: Page, portal):
    enter(page, portal.link("kp_demo_bill", DEMO_ORG_CODE, "organization_members"))
    assert path_of(page) == "/profile"
    expect(page.locator("#unavailable-notice")).to_contain_text(re.compile("Members .* not available"))
    expect(page.locator("#nav-desktop a[data-section=organization_members]")).to_have_count(0)
    expect(page.locator("#member-table")).to_have_count(0)
