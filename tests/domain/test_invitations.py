"""Invitations: creation rules, duplicates, listing and revoking."""

import pytest
from sqlmodel import select

from portal_ui.domain.audit import Actor
from portal_ui.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from portal_ui.domain import invitations
from portal_ui.domain.invitations import (InvitationLimitReached, create_invitation, invite_member, list_invitations,
                                          list_invitations_page, revoke_invitation, role_names)
from portal_ui.domain.organizations import create_organization
from portal_ui.domain.roles import create_role
from portal_ui.domain.users import create_user
from portal_ui.models import AuditEvent, Invitation
from tests.domain.members_world import ALL_PERMISSIONS, WRITE, make_member, make_role

ACTOR = Actor(type="m2m", id="test-client")


@pytest.fixture
def org(session):
    create_role(session, actor=ACTOR, key="admin", name="Administrator")
    create_role(session, actor=ACTOR, key="viewer", name="Viewer")
    org = create_organization(session, actor=ACTOR, name="Acme")
    session.commit()
    return org


def test_create_invitation_normalises_and_audits(session, org):
    inv = create_invitation(session, actor=ACTOR, org_code=org.code, email=" New@Example.com ", given_name="New",
                            family_name="Person", role_keys=["admin", "admin", "viewer"])
    session.commit()
    assert inv.code.startswith("inv_") and inv.email == "new@example.com" and inv.status == "pending"
    assert inv.role_keys == ["admin", "viewer"] and inv.invited_by is None
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "invitation.created")).one()
    assert (event.target_id, event.org_code) == (inv.code, org.code)
    assert event.after["email"] == "new@example.com" and event.after["role_keys"] == ["admin", "viewer"]


def test_user_actor_is_recorded_as_inviter(session, org):
    manager = make_role(session, "manager", [WRITE])
    inviter = make_member(session, org, "Inviter", manager)
    inv = create_invitation(session, actor=Actor(type="user", id=inviter), org_code=org.code, email="x@example.com")
    assert inv.invited_by == inviter
    with pytest.raises(Forbidden):  # a user actor is a portal member, held to the portal's rules
        create_invitation(session, actor=Actor(type="user", id="kp_outsider"), org_code=org.code,
                          email="y@example.com")


@pytest.mark.parametrize("kwargs,code", [
    ({"email": "not-an-email"}, "INVALID_EMAIL"),
    ({"email": "a" * 64 + "@" + "b" * 190 + ".com"}, "EMAIL_TOO_LONG"),
    ({"email": "a@example.com", "given_name": "g" * 65}, "FIRST_NAME_TOO_LONG"),
    ({"email": "a@example.com", "family_name": "f" * 65}, "LAST_NAME_TOO_LONG"),
    ({"email": "a@example.com", "role_keys": ["nope"]}, "ROLE_NOT_FOUND"),
    ({"email": "a@example.com", "role_keys": "admin"}, None),
])
def test_bad_invitations_refused_without_writing(session, org, kwargs, code):
    with pytest.raises(InvalidInput) as info:
        create_invitation(session, actor=ACTOR, org_code=org.code, **kwargs)
    if code:
        assert info.value.code == code
    assert session.exec(select(Invitation)).all() == []


def test_duplicate_pending_invitation_is_a_conflict(session, org):
    create_invitation(session, actor=ACTOR, org_code=org.code, email="dup@example.com")
    with pytest.raises(Conflict) as info:
        create_invitation(session, actor=ACTOR, org_code=org.code, email="DUP@example.com")
    assert info.value.code == "INVITATION_ALREADY_PENDING"
    other = create_organization(session, actor=ACTOR, name="Other")
    create_invitation(session, actor=ACTOR, org_code=other.code, email="dup@example.com")  # other org: fine


def test_revoked_invitation_can_be_sent_again(session, org):
    inv = create_invitation(session, actor=ACTOR, org_code=org.code, email="again@example.com")
    revoke_invitation(session, actor=ACTOR, org_code=org.code, invite_code=inv.code)
    again = create_invitation(session, actor=ACTOR, org_code=org.code, email="again@example.com")
    session.commit()
    assert again.code != inv.code and again.status == "pending"
    assert [i.code for i in list_invitations(session, org_code=org.code).items] == [again.code]
    statuses = {i.code: i.status for i in list_invitations(session, org_code=org.code, include_revoked=True).items}
    assert statuses == {inv.code: "revoked", again.code: "pending"}


def test_existing_member_cannot_be_invited(session, org):
    create_user(session, actor=ACTOR, email="member@example.com", organization_code=org.code)
    with pytest.raises(Conflict) as info:
        create_invitation(session, actor=ACTOR, org_code=org.code, email="member@example.com")
    assert info.value.code == "ALREADY_MEMBER"


def test_unknown_org_is_not_found(session):
    with pytest.raises(NotFound):
        create_invitation(session, actor=ACTOR, org_code="org_missing", email="a@example.com")
    with pytest.raises(NotFound):
        list_invitations(session, org_code="org_missing")


def test_list_shows_pending_unless_asked(session, org):
    a = create_invitation(session, actor=ACTOR, org_code=org.code, email="a@example.com", given_name="Zoe")
    b = create_invitation(session, actor=ACTOR, org_code=org.code, email="b@example.com", given_name="Al")
    revoke_invitation(session, actor=ACTOR, org_code=org.code, invite_code=a.code)
    session.commit()
    assert [i.code for i in list_invitations(session, org_code=org.code).items] == [b.code]
    assert {i.code for i in list_invitations(session, org_code=org.code, include_revoked=True).items} == {a.code, b.code}
    assert [i.email for i in list_invitations(session, org_code=org.code, include_revoked=True,
                                              sort="name_asc").items] == ["b@example.com", "a@example.com"]
    with pytest.raises(InvalidInput):
        list_invitations(session, org_code=org.code, sort="role_asc")


def test_revoke_rules_and_audit(session, org):
    inv = create_invitation(session, actor=ACTOR, org_code=org.code, email="r@example.com")
    revoke_invitation(session, actor=ACTOR, org_code=org.code, invite_code=inv.code)
    session.commit()
    assert session.get(Invitation, inv.code).status == "revoked"
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "invitation.revoked")).one()
    assert event.before == {"status": "pending"} and event.after == {"status": "revoked"}
    with pytest.raises(Conflict):
        revoke_invitation(session, actor=ACTOR, org_code=org.code, invite_code=inv.code)
    with pytest.raises(NotFound):
        revoke_invitation(session, actor=ACTOR, org_code=org.code, invite_code="inv_missing")
    other = create_organization(session, actor=ACTOR, name="Other")
    with pytest.raises(NotFound):  # an invitation is only found through its own organization
        revoke_invitation(session, actor=ACTOR, org_code=other.code, invite_code=inv.code)


def test_role_names_fall_back_to_key(session, org):
    assert role_names(session, ["admin", "gone"]) == {"admin": "Administrator", "gone": "gone"}


def test_duplicate_message_names_the_email_and_the_way_out(session, org):
    create_invitation(session, actor=ACTOR, org_code=org.code, email="dup@example.com")
    with pytest.raises(Conflict) as info:
        create_invitation(session, actor=ACTOR, org_code=org.code, email="dup@example.com")
    assert "dup@example.com" in info.value.message and "revoke" in info.value.message


def test_open_invitations_are_limited_per_organization(session, org, monkeypatch):
    monkeypatch.setattr(invitations, "MAX_OPEN_INVITATIONS", 3)
    made = [create_invitation(session, actor=ACTOR, org_code=org.code, email=f"n{i}@example.com") for i in range(3)]
    with pytest.raises(InvitationLimitReached) as info:
        create_invitation(session, actor=ACTOR, org_code=org.code, email="n3@example.com")
    assert info.value.status == 429 and info.value.code == "TOO_MANY_OPEN_INVITATIONS"
    assert "revoke" in info.value.message
    revoke_invitation(session, actor=ACTOR, org_code=org.code, invite_code=made[0].code)
    create_invitation(session, actor=ACTOR, org_code=org.code, email="n3@example.com")  # room again
    other = create_organization(session, actor=ACTOR, name="Other")
    create_invitation(session, actor=ACTOR, org_code=other.code, email="n4@example.com")  # per organization


def test_invite_member_applies_the_grant_rule(session, org):
    owner = make_role(session, "owner", ALL_PERMISSIONS)
    member_admin = make_role(session, "member_admin", ["org:read:members", WRITE])
    reader = make_role(session, "reader", ["org:read:members"])
    mia = make_member(session, org, "Mia", member_admin)
    vic = make_member(session, org, "Vic", reader)
    session.commit()
    inv = invite_member(session, actor=Actor(type="user", id=mia), acting_user_id=mia, org_code=org.code,
                        email="new@example.com", first_name="New", last_name="Person",
                        role_keys=["reader", "member_admin", "viewer"])
    assert inv.invited_by == mia and inv.role_keys == ["reader", "member_admin", "viewer"]
    with pytest.raises(Forbidden) as info:
        invite_member(session, actor=Actor(type="user", id=mia), acting_user_id=mia, org_code=org.code,
                      email="boss@example.com", role_keys=["reader", owner.key])
    assert info.value.code == "ROLE_NOT_GRANTABLE" and "'Owner'" in info.value.message
    with pytest.raises(Forbidden) as info:
        invite_member(session, actor=Actor(type="user", id=vic), acting_user_id=vic, org_code=org.code,
                      email="friend@example.com")
    assert info.value.code == "MISSING_PERMISSION"
    with pytest.raises(Forbidden):
        revoke_invitation(session, actor=Actor(type="user", id=vic), org_code=org.code, invite_code=inv.code)
    revoke_invitation(session, actor=Actor(type="user", id=mia), org_code=org.code, invite_code=inv.code)
    # M2M callers are the product team: any role.
    create_invitation(session, actor=ACTOR, org_code=org.code, email="boss@example.com", role_keys=[owner.key])


def test_list_invitations_page(session, org):
    made = [create_invitation(session, actor=ACTOR, org_code=org.code, email=f"p{i}@example.com",
                              given_name=f"P{i}", role_keys=["admin"]) for i in range(5)]
    revoke_invitation(session, actor=ACTOR, org_code=org.code, invite_code=made[0].code)
    session.commit()
    rows, total = list_invitations_page(session, org.code, page=1, page_size=3)
    assert total == 4 and [r.code for r in rows] == [m.code for m in reversed(made[2:])]
    assert rows[0].roles == (("admin", "Administrator"),) and rows[0].status == "pending" and not rows[0].is_sent
    assert rows[0].full_name == "P4" and rows[0].email == "p4@example.com"
    rows, total = list_invitations_page(session, org.code, page=2, page_size=3)
    assert total == 4 and [r.code for r in rows] == [made[1].code]
    rows, total = list_invitations_page(session, org.code, include_closed=True, page_size=10)
    assert total == 5 and rows[-1].status == "revoked"
    for bad in ({"page": 0}, {"page_size": 101}, {"page": True}):
        with pytest.raises(InvalidInput):
            list_invitations_page(session, org.code, **bad)


@pytest.mark.parametrize("email", [
    "a,victim@corp.example", "a@example.com,victim@corp.example", "a@example.com;victim@corp.example",
    "a@example.com victim@corp.example", "Victim <victim@corp.example>", "<victim@corp.example>",
    "a@example.com\r\nBcc: victim@corp.example", "a@example.com\nbcc:victim@corp.example", '"a,b"@example.com',
    "a(comment)@example.com", "a@example.com (comment)", "a@[127.0.0.1]", "a@localhost", "a@example",
    "a..b@example.com", ".a@example.com", "a@-example.com", "a@example.com.",
])
def test_an_invitation_goes_to_exactly_one_plain_address(session, org, email):
    with pytest.raises(InvalidInput) as info:
        create_invitation(session, actor=ACTOR, org_code=org.code, email=email)
    assert info.value.code == "INVALID_EMAIL" and "is not an email address" in info.value.message
    assert session.exec(select(Invitation)).all() == []


@pytest.mark.parametrize("email, stored", [
    ("First.Last+tag@Example.COM", "first.last+tag@example.com"), (" o'brien@example.ie ", "o'brien@example.ie"),
    ("a@sub.example.co.uk", "a@sub.example.co.uk"), ("jörg@example.de", "jörg@example.de"),
])
def test_ordinary_addresses_are_accepted(session, org, email, stored):
    assert create_invitation(session, actor=ACTOR, org_code=org.code, email=email).email == stored
