"""Invitations: creation rules, duplicates, listing and revoking."""

import pytest
from sqlmodel import select

from portal_ui.domain.audit import Actor
from portal_ui.domain.errors import Conflict, InvalidInput, NotFound
from portal_ui.domain.invitations import create_invitation, list_invitations, revoke_invitation, role_names
from portal_ui.domain.organizations import create_organization
from portal_ui.domain.roles import create_role
from portal_ui.domain.users import create_user
from portal_ui.models import AuditEvent, Invitation

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
    inv = create_invitation(session, actor=Actor(type="user", id="kp_inviter"), org_code=org.code,
                            email="x@example.com")
    assert inv.invited_by == "kp_inviter"


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
    create_invitation(session, actor=ACTOR, org_code=org.code, email="again@example.com")


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
