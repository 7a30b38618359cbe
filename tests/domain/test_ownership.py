"""Owners, leaving an organization, and handing ownership over (portal_ui.domain.ownership), on the demo."""

from __future__ import annotations

import pytest
from sqlmodel import select

from portal_ui.demo.personas import DEMO_ORG_CODE
from portal_ui.domain.audit import Actor
from portal_ui.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from portal_ui.domain.members import change_member_roles
from portal_ui.domain.ownership import (email_transfer, is_owner, leave_blocker, leave_organization, owner_ids,
                                        transfer_candidates, transfer_ownership)
from portal_ui.models import AuditEvent, Membership, Role
from tests.domain.members_world import member_roles
from tests.domain.smtp_inbox import Inbox, serve

OLIVIA, BILL, VIC = "kp_demo_olivia", "kp_demo_bill", "kp_demo_vic"


def me(user_id: str) -> Actor:
    return Actor(type="user", id=user_id)


def actions(session) -> list[tuple[str, str]]:
    return [(e.action, e.target_id) for e in session.exec(select(AuditEvent).order_by(AuditEvent.id)).all()]


@pytest.fixture
def smtp_server():
    yield from serve(Inbox())


def test_the_owner_is_whoever_holds_a_role_given_to_creators(demo, session):
    assert owner_ids(session, DEMO_ORG_CODE) == [OLIVIA]
    assert is_owner(session, DEMO_ORG_CODE, OLIVIA) and not is_owner(session, DEMO_ORG_CODE, VIC)


def test_a_member_leaves(demo, session):
    leave_organization(session, actor=me(VIC), org_code=DEMO_ORG_CODE, user_id=VIC)
    session.commit()
    assert VIC not in member_roles(session, DEMO_ORG_CODE)
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "member.left")).one()
    assert (event.actor_id, event.target_id, event.org_code, event.before) == (VIC, VIC, DEMO_ORG_CODE,
                                                                               {"roles": ["viewer"]})


def test_the_last_owner_cannot_leave_and_nothing_changes(demo, session):
    before = member_roles(session, DEMO_ORG_CODE)
    with pytest.raises(Conflict) as refused:
        leave_organization(session, actor=me(OLIVIA), org_code=DEMO_ORG_CODE, user_id=OLIVIA)
    assert refused.value.code == "LAST_OWNER"
    assert "last owner of Acme" in refused.value.message and "Hand ownership over" in refused.value.message
    session.rollback()
    assert member_roles(session, DEMO_ORG_CODE) == before


def test_a_second_owner_lets_the_first_one_leave(demo, session):
    owner = session.exec(select(Role).where(Role.key == "owner")).one()
    viewer = session.exec(select(Role).where(Role.key == "viewer")).one()
    change_member_roles(session, actor=Actor.system("test"), org_code=DEMO_ORG_CODE, user_id=VIC,
                        role_ids=[owner.id, viewer.id])
    assert leave_blocker(session, DEMO_ORG_CODE, OLIVIA) is None
    leave_organization(session, actor=me(OLIVIA), org_code=DEMO_ORG_CODE, user_id=OLIVIA)
    assert owner_ids(session, DEMO_ORG_CODE) == [VIC]


def test_leaving_an_organization_you_are_not_in_is_not_found(demo, session):
    with pytest.raises(NotFound):
        leave_organization(session, actor=me("kp_demo_bea"), org_code=DEMO_ORG_CODE, user_id="kp_demo_bea")


def test_transfer_moves_the_owner_role_and_keeps_the_old_owner_a_member(demo, session):
    transfer = transfer_ownership(session, actor=me(OLIVIA), org_code=DEMO_ORG_CODE, from_user_id=OLIVIA,
                                  to_user_id=BILL, confirm_name="  acme ")
    session.commit()
    roles = member_roles(session, DEMO_ORG_CODE)
    assert roles[BILL] == {"owner", "billing_manager"}
    assert roles[OLIVIA] == {"viewer"}  # she held only the owner role: she gets the default role
    assert owner_ids(session, DEMO_ORG_CODE) == [BILL]
    assert (transfer.roles_given, transfer.from_roles_after) == (("owner",), ("viewer",))
    done = [a for a in actions(session) if a[0] in ("organization.ownership_transferred", "member.roles_changed")]
    assert done == [("organization.ownership_transferred", DEMO_ORG_CODE), ("member.roles_changed", BILL),
                    ("member.roles_changed", OLIVIA)]
    # Now Olivia may leave; Bill is the last owner.
    leave_organization(session, actor=me(OLIVIA), org_code=DEMO_ORG_CODE, user_id=OLIVIA)
    with pytest.raises(Conflict):
        leave_organization(session, actor=me(BILL), org_code=DEMO_ORG_CODE, user_id=BILL)


@pytest.mark.parametrize("who, to, typed, error, code", [
    (VIC, BILL, "Acme", Forbidden, "NOT_OWNER"),  # not an owner
    (OLIVIA, OLIVIA, "Acme", InvalidInput, "INVALID_NEW_OWNER"),
    (OLIVIA, "kp_demo_bea", "Acme", NotFound, "MEMBER_NOT_FOUND"),  # not a member of Acme
    (OLIVIA, BILL, "Acme Ltd", InvalidInput, "CONFIRMATION_MISMATCH"),
    (OLIVIA, BILL, None, InvalidInput, "CONFIRMATION_MISMATCH"),
    (OLIVIA, ["kp_demo_bill"], "Acme", InvalidInput, "INVALID_NEW_OWNER"),
])
def test_transfer_refusals_change_nothing(demo, session, who, to, typed, error, code):
    before = member_roles(session, DEMO_ORG_CODE)
    with pytest.raises(error) as refused:
        transfer_ownership(session, actor=me(who), org_code=DEMO_ORG_CODE, from_user_id=who, to_user_id=to,
                           confirm_name=typed)
    assert refused.value.code == code
    session.rollback()
    assert member_roles(session, DEMO_ORG_CODE) == before


def test_only_an_owner_sees_whom_to_hand_over_to(demo, session):
    names = [(c.given_name, c.email) for c in transfer_candidates(session, DEMO_ORG_CODE, OLIVIA)]
    assert names == [("Bill", "bill@acme.example"), ("Vic", "vic@acme.example")]
    with pytest.raises(Forbidden):
        transfer_candidates(session, DEMO_ORG_CODE, VIC)


def test_both_people_are_emailed_after_a_transfer(demo, env, session, smtp_server):
    inbox, port = smtp_server
    settings = env(PORTAL_SMTP_URL=f"smtp://127.0.0.1:{port}")
    transfer = transfer_ownership(session, actor=me(OLIVIA), org_code=DEMO_ORG_CODE, from_user_id=OLIVIA,
                                  to_user_id=VIC, confirm_name="Acme")
    session.commit()
    assert email_transfer(session, settings, transfer, product_name="Nimbus") == 2
    sent = {rcpt[0]: msg for _from, rcpt, msg in inbox.messages}
    assert set(sent) == {"vic@acme.example", "olivia@acme.example"}
    assert sent["vic@acme.example"]["Subject"] == "You are now an owner of Acme"
    assert "Olivia Owens handed ownership of Acme on Nimbus" in sent["vic@acme.example"].get_content()
    assert "You remain a member with: viewer" in sent["olivia@acme.example"].get_content()


def test_without_smtp_no_email_and_no_error(demo, settings, session):
    transfer = transfer_ownership(session, actor=me(OLIVIA), org_code=DEMO_ORG_CODE, from_user_id=OLIVIA,
                                  to_user_id=VIC, confirm_name="Acme")
    assert email_transfer(session, settings, transfer, product_name="Nimbus") == 0
    assert session.exec(select(Membership).where(Membership.user_id == VIC)).one()
