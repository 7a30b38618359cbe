"""Users: creation rules, email normalisation, listing and paging."""

import pytest
from sqlmodel import select

from portal_ui.domain.audit import Actor
from portal_ui.domain.errors import Conflict, InvalidInput, NotFound
from portal_ui.domain.members import list_member_roles
from portal_ui.domain.organizations import create_organization
from portal_ui.domain.roles import create_role
from portal_ui.domain.users import create_user, get_user, list_users, normalize_email, user_organizations
from portal_ui.models import AuditEvent, Membership, User

ACTOR = Actor(type="m2m", id="test-client", client_ip="10.0.0.1", user_agent="pytest")


def audit_rows(session, action=None):
    stmt = select(AuditEvent)
    if action:
        stmt = stmt.where(AuditEvent.action == action)
    return session.exec(stmt).all()


def test_create_user_assigns_kp_id_normalises_email_and_audits(session):
    user = create_user(session, actor=ACTOR, given_name=" Ada ", family_name="Lovelace", email=" Ada@Example.COM ")
    session.commit()
    assert user.id.startswith("kp_") and len(user.id) == 3 + 32
    assert (user.given_name, user.family_name, user.email) == ("Ada", "Lovelace", "ada@example.com")
    [event] = audit_rows(session)
    assert (event.action, event.actor_type, event.actor_id, event.target_id) == ("user.created", "m2m", "test-client", user.id)
    assert event.after == {"given_name": "Ada", "family_name": "Lovelace", "email": "ada@example.com"}
    assert (event.client_ip, event.user_agent) == ("10.0.0.1", "pytest")


def test_create_user_without_email_is_allowed(session):
    user = create_user(session, actor=ACTOR, given_name="No", family_name="Mail")
    assert user.email is None


@pytest.mark.parametrize("email", ["", "plain", "a@b", "a b@example.com", "a@@example.com", "a@exa mple.com",
                                   "a\x00@example.com", "x" * 250 + "@example.com", 42,
                                   "a,victim@corp.example", "a@example.com\r\nBcc: v@corp.example", "V <v@corp.example>"])
def test_create_user_refuses_bad_email_and_writes_nothing(session, email):
    with pytest.raises(InvalidInput):
        create_user(session, actor=ACTOR, given_name="A", email=email)
    assert session.exec(select(User)).all() == [] and audit_rows(session) == []


def test_email_too_long_has_kinde_code():
    with pytest.raises(InvalidInput) as info:
        normalize_email("a" * 64 + "@" + "b" * 190 + ".com")
    assert info.value.code == "EMAIL_TOO_LONG"


def test_duplicate_email_is_a_conflict_whatever_the_case(session):
    create_user(session, actor=ACTOR, email="dup@example.com")
    with pytest.raises(Conflict):
        create_user(session, actor=ACTOR, email="DUP@example.com")


@pytest.mark.parametrize("field", ["given_name", "family_name"])
def test_names_are_limited(session, field):
    with pytest.raises(InvalidInput):
        create_user(session, actor=ACTOR, **{field: "x" * 256})
    with pytest.raises(InvalidInput):
        create_user(session, actor=ACTOR, **{field: "bad\nname"})


def test_explicit_user_id_for_seeding(session):
    user = create_user(session, actor=ACTOR, user_id="kp_demo_ada", email="ada@example.com")
    assert user.id == "kp_demo_ada"
    with pytest.raises(Conflict):
        create_user(session, actor=ACTOR, user_id="kp_demo_ada")
    with pytest.raises(InvalidInput):
        create_user(session, actor=ACTOR, user_id="not-a-kinde-id")


def test_create_user_into_organization_gets_default_roles_in_one_audit_event(session):
    create_role(session, actor=ACTOR, key="viewer", name="Viewer", is_default_role=True)
    create_role(session, actor=ACTOR, key="owner", name="Owner", assign_to_creator=True)
    org = create_organization(session, actor=ACTOR, name="Acme")
    user = create_user(session, actor=ACTOR, email="m@example.com", organization_code=org.code)
    session.commit()
    assert [r.key for r in list_member_roles(session, org_code=org.code, user_id=user.id)] == ["viewer"]
    [event] = audit_rows(session, "user.created")
    assert event.org_code == org.code and event.after["roles"] == ["viewer"]


def test_unknown_organization_code_is_invalid_input_and_writes_nothing(session):
    with pytest.raises(InvalidInput):
        create_user(session, actor=ACTOR, email="x@example.com", organization_code="org_nope")
    assert session.exec(select(User)).all() == [] and session.exec(select(Membership)).all() == []


def test_get_user(session):
    user = create_user(session, actor=ACTOR, email="g@example.com")
    assert get_user(session, user.id).email == "g@example.com"
    with pytest.raises(NotFound):
        get_user(session, "kp_missing")


def test_list_users_pages_with_next_token(session):
    ids = [create_user(session, actor=ACTOR, email=f"u{i}@example.com").id for i in range(5)]
    session.commit()
    first = list_users(session, page_size=2)
    assert [u.id for u in first.items] == ids[:2] and first.next_token
    second = list_users(session, page_size=2, next_token=first.next_token)
    third = list_users(session, page_size=2, next_token=second.next_token)
    assert [u.id for u in second.items + third.items] == ids[2:] and third.next_token is None


def test_list_users_filters(session):
    org = create_organization(session, actor=ACTOR, name="Org")
    a = create_user(session, actor=ACTOR, email="a@example.com", organization_code=org.code)
    b = create_user(session, actor=ACTOR, email="b@example.com")
    assert [u.id for u in list_users(session, user_ids=[b.id]).items] == [b.id]
    assert [u.id for u in list_users(session, emails=["A@example.com"]).items] == [a.id]
    assert [u.id for u in list_users(session, has_organization=True).items] == [a.id]
    assert [u.id for u in list_users(session, has_organization=False).items] == [b.id]
    assert user_organizations(session, [a.id, b.id]) == {a.id: [org.code], b.id: []}


@pytest.mark.parametrize("kwargs", [{"page_size": 0}, {"page_size": 501}, {"next_token": "garbage!"},
                                    {"next_token": "MTA6b3RoZXI"}])
def test_list_users_refuses_bad_paging(session, kwargs):
    with pytest.raises(InvalidInput):
        list_users(session, **kwargs)


def test_token_from_one_listing_is_refused_by_another(session):
    for i in range(3):
        create_user(session, actor=ACTOR, email=f"t{i}@example.com")
    token = list_users(session, page_size=1).next_token
    with pytest.raises(InvalidInput):
        list_users(session, page_size=1, next_token=token, has_organization=False)
