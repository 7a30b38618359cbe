"""The members section's rows and form reading, without a browser (portal_ui.ui.state.member_views)."""

from __future__ import annotations

from datetime import datetime, timezone

from portal_ui.domain.errors import Conflict
from portal_ui.domain.invitations import InvitationRow
from portal_ui.domain.member_list import MemberRow, RoleRef
from portal_ui.domain.role_policy import RoleOption
from portal_ui.ui.state.member_views import (chosen_role_ids, form_text, invitation_item, member_item, page_count,
                                             showing)
from portal_ui.ui.text import refusal


def option(role_id: str, *, grantable: bool = True, selected: bool = False) -> RoleOption:
    return RoleOption(id=role_id, key=role_id, name=role_id.title(), description="", is_default_role=False,
                      permissions=(), grantable=grantable, selected=selected)


def test_only_grantable_roles_are_read_from_the_form():
    options = [option("owner", grantable=False, selected=True), option("billing", grantable=False),
               option("viewer", selected=True), option("support")]
    # A disabled (unsubmitted) checkbox keeps its role; a forged field for one changes nothing.
    form = {"role_billing": "on", "role_support": "on", "role_unknown": "on", "email": "x"}
    assert chosen_role_ids(form, options) == ["owner", "support"]
    assert chosen_role_ids({}, options) == ["owner"]
    assert chosen_role_ids("not a form", options) == ["owner"]


def test_form_text_takes_only_short_text():
    assert form_text({"email": "a@b.example"}, "email") == "a@b.example"
    assert form_text({"email": ["a@b.example"]}, "email") == ""
    assert form_text({"first_name": "x" * 1000}, "first_name") == "x" * 320
    assert form_text(None, "email") == ""


def test_paging_words():
    assert page_count(0) == 1 and page_count(25) == 1 and page_count(26) == 2 and page_count(10_000) == 400
    assert showing(1, 0) == ""
    assert showing(2, 312) == "26–50 of 312"
    assert showing(13, 312) == "301–312 of 312"


def test_rows_mark_the_session_user_and_format_dates():
    joined = datetime(2025, 3, 7, 23, 30, tzinfo=timezone.utc)
    row = MemberRow(user_id="kp_1", given_name="Ann", family_name="Lee", email="ann@x.example", joined_on=joined,
                    roles=(RoleRef("r1", "owner", "Owner"), RoleRef("r2", "viewer", "Viewer")))
    item = member_item(row, "kp_1")
    assert (item.name, item.roles, item.joined, item.you) == ("Ann Lee", ["Owner", "Viewer"], "7 Mar 2025", True)
    assert member_item(row, "kp_2").you is False
    nameless = MemberRow(user_id="kp_3", given_name="", family_name="", email=None, joined_on=joined, roles=())
    assert (member_item(nameless, "kp_1").name, member_item(nameless, "kp_1").email) == ("—", "")
    invitation = InvitationRow(code="inv_1", email="new@x.example", full_name="", roles=(("viewer", "Viewer"),),
                               invited_on=joined, status="revoked", is_sent=False)
    assert invitation_item(invitation).status_label == "Revoked"
    assert invitation_item(invitation).roles == ["Viewer"]


def test_refusals_speak_of_the_alias():
    exc = Conflict("This would leave the organization without anyone who can manage members.")
    assert refusal(exc, "Workspace") == "This would leave the workspace without anyone who can manage members."
