"""Members and member roles: adding, listing, removing, granting and taking away roles."""

import pytest
from sqlmodel import Session, select

from portal_ui.domain.audit import Actor
from portal_ui.domain.errors import Conflict, InvalidInput, NotFound
from portal_ui.domain.member_list import list_members
from portal_ui.domain.members import add_member_role, add_members, list_member_roles, remove_member, remove_member_role
from portal_ui.domain.organizations import create_organization
from portal_ui.domain.roles import create_role, update_role_system_permissions
from portal_ui.domain.users import create_user
from portal_ui.models import AuditEvent, MemberRole, Membership, SystemPermission

ACTOR = Actor(type="m2m", id="test-client")


@pytest.fixture
def world(session):
    roles = {
        "viewer": create_role(session, actor=ACTOR, key="viewer", name="Viewer", is_default_role=True),
        "admin": create_role(session, actor=ACTOR, key="admin", name="Admin"),
        "billing": create_role(session, actor=ACTOR, key="billing", name="Billing"),
    }
    org = create_organization(session, actor=ACTOR, name="Acme")
    users = [create_user(session, actor=ACTOR, given_name=g, family_name="Smith", email=f"{g.lower()}@example.com")
             for g in ("Cara", "Abe", "Bo")]
    session.commit()
    return org, users, roles


def events(session, action):
    return session.exec(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_add_members_grants_default_and_requested_roles(session, world):
    org, users, _ = world
    added = add_members(session, actor=ACTOR, org_code=org.code,
                        users=[{"id": users[0].id, "roles": ["admin"]}, {"id": users[1].id}])
    session.commit()
    assert added == [users[0].id, users[1].id]
    assert [r.key for r in list_member_roles(session, org_code=org.code, user_id=users[0].id)] == ["admin", "viewer"]
    assert [r.key for r in list_member_roles(session, org_code=org.code, user_id=users[1].id)] == ["viewer"]
    audited = events(session, "member.added")
    assert sorted(e.target_id for e in audited) == sorted(added)
    assert all(e.org_code == org.code and e.before == {} for e in audited)


def test_existing_members_are_skipped(session, world):
    org, users, _ = world
    add_members(session, actor=ACTOR, org_code=org.code, users=[{"id": users[0].id}])
    assert add_members(session, actor=ACTOR, org_code=org.code, users=[{"id": users[0].id}, {"id": users[1].id}]) \
        == [users[1].id]


@pytest.mark.parametrize("entries,code", [
    ([], None), ([{"id": "kp_nobody"}], "USER_NOT_FOUND"), ([{"roles": []}], None),
    ([{"id": "USER", "roles": ["nope"]}], "ROLE_NOT_FOUND"), ([{"id": "USER", "roles": "admin"}], None),
])
def test_add_members_refuses_bad_input_without_writing(session, world, entries, code):
    org, users, _ = world
    entries = [{**e, "id": users[0].id} if e.get("id") == "USER" else e for e in entries]
    with pytest.raises(InvalidInput) as info:
        add_members(session, actor=ACTOR, org_code=org.code, users=[*entries, {"id": users[1].id}] if entries else [])
    if code:
        assert info.value.code == code
    assert session.exec(select(Membership)).all() == [] and events(session, "member.added") == []


def test_add_members_to_unknown_org_is_not_found(session, world):
    _, users, _ = world
    with pytest.raises(NotFound):
        add_members(session, actor=ACTOR, org_code="org_missing", users=[{"id": users[0].id}])


def test_list_members_sorting_filters_and_paging(session, world):
    org, users, roles = world
    add_members(session, actor=ACTOR, org_code=org.code,
                users=[{"id": users[0].id, "roles": ["admin"]}, {"id": users[1].id}, {"id": users[2].id}])
    perm = session.exec(select(SystemPermission).where(SystemPermission.key == "org:write:members")).one()
    update_role_system_permissions(session, actor=ACTOR, role_id=roles["admin"].id, changes=[{"id": perm.id}])
    session.commit()
    by_name = list_members(session, org_code=org.code, sort="name_asc")
    assert [m.user.given_name for m in by_name.items] == ["Abe", "Bo", "Cara"]
    assert [m.user.given_name for m in list_members(session, org_code=org.code, sort="email_desc").items] == \
        ["Cara", "Bo", "Abe"]
    assert by_name.items[2].role_keys == ["admin", "viewer"]
    assert [m.user.id for m in list_members(session, org_code=org.code, roles=["admin", "viewer"]).items] == \
        [users[0].id]
    assert [m.user.id for m in list_members(session, org_code=org.code, permissions=["org:write:members"]).items] \
        == [users[0].id]
    first = list_members(session, org_code=org.code, page_size=2)
    second = list_members(session, org_code=org.code, page_size=2, next_token=first.next_token)
    assert len(first.items) == 2 and len(second.items) == 1 and second.next_token is None
    with pytest.raises(InvalidInput):
        list_members(session, org_code=org.code, sort="bogus")
    with pytest.raises(NotFound):
        list_members(session, org_code="org_missing")


def test_remove_member_deletes_roles_and_audits(session, world):
    org, users, _ = world
    add_members(session, actor=ACTOR, org_code=org.code, users=[{"id": users[0].id, "roles": ["admin"]}])
    remove_member(session, actor=ACTOR, org_code=org.code, user_id=users[0].id)
    session.commit()
    assert session.exec(select(Membership)).all() == [] and session.exec(select(MemberRole)).all() == []
    [event] = events(session, "member.removed")
    assert event.before == {"roles": ["admin", "viewer"]} and event.after == {}
    with pytest.raises(NotFound):
        remove_member(session, actor=ACTOR, org_code=org.code, user_id=users[0].id)


def test_add_and_remove_member_role(session, world):
    org, users, roles = world
    add_members(session, actor=ACTOR, org_code=org.code, users=[{"id": users[0].id}])
    add_member_role(session, actor=ACTOR, org_code=org.code, user_id=users[0].id, role_id=roles["billing"].id)
    [added] = events(session, "member.role_added")
    assert added.before == {"roles": ["viewer"]} and added.after == {"roles": ["billing", "viewer"]}
    with pytest.raises(Conflict):
        add_member_role(session, actor=ACTOR, org_code=org.code, user_id=users[0].id, role_id=roles["billing"].id)
    with pytest.raises(InvalidInput):
        add_member_role(session, actor=ACTOR, org_code=org.code, user_id=users[0].id, role_id="role_nope")
    with pytest.raises(NotFound):
        add_member_role(session, actor=ACTOR, org_code=org.code, user_id=users[1].id, role_id=roles["billing"].id)
    remove_member_role(session, actor=ACTOR, org_code=org.code, user_id=users[0].id, role_id=roles["viewer"].id)
    [removed] = events(session, "member.role_removed")
    assert removed.before == {"roles": ["billing", "viewer"]} and removed.after == {"roles": ["billing"]}
    with pytest.raises(NotFound):
        remove_member_role(session, actor=ACTOR, org_code=org.code, user_id=users[0].id, role_id=roles["viewer"].id)
    assert [r.key for r in list_member_roles(session, org_code=org.code, user_id=users[0].id)] == ["billing"]


def test_member_role_calls_need_a_membership(session, world):
    org, users, _ = world
    for call in (lambda: list_member_roles(session, org_code=org.code, user_id=users[0].id),
                 lambda: list_member_roles(session, org_code="org_missing", user_id=users[0].id)):
        with pytest.raises(NotFound):
            call()


@pytest.mark.postgres
def test_membership_flow_on_postgresql(pg_url):
    """The same queries (sorting, filters, paging, conditional updates) on PostgreSQL."""
    from portal_ui import db
    from portal_ui.domain.invitations import create_invitation, list_invitations, revoke_invitation
    from portal_ui.domain.users import list_users

    with Session(db.engine_for(pg_url), expire_on_commit=False) as s:
        viewer = create_role(s, actor=ACTOR, key="viewer", name="Viewer", is_default_role=True)
        create_role(s, actor=ACTOR, key="owner", name="Owner", assign_to_creator=True)
        creator = create_user(s, actor=ACTOR, given_name="Zed", email="zed@example.com")
        org = create_organization(s, actor=ACTOR, name="Acme", creator_user_id=creator.id)
        other = create_user(s, actor=ACTOR, given_name="Amy", email="amy@example.com")
        loner = create_user(s, actor=ACTOR, given_name="Lo", email="lo@example.com")
        add_members(s, actor=ACTOR, org_code=org.code, users=[{"id": other.id}])
        s.commit()
        assert [m.user.given_name for m in list_members(s, org_code=org.code, sort="name_asc").items] == ["Amy", "Zed"]
        assert [m.user.id for m in list_members(s, org_code=org.code, roles=["owner"]).items] == [creator.id]
        assert [u.id for u in list_users(s, has_organization=False).items] == [loner.id]
        page = list_members(s, org_code=org.code, page_size=1, sort="email_desc")
        assert page.items[0].user.id == creator.id and page.next_token
        remove_member_role(s, actor=ACTOR, org_code=org.code, user_id=other.id, role_id=viewer.id)
        inv = create_invitation(s, actor=ACTOR, org_code=org.code, email="new@example.com", role_keys=["viewer"])
        revoke_invitation(s, actor=ACTOR, org_code=org.code, invite_code=inv.code)
        s.commit()
        assert list_invitations(s, org_code=org.code).items == []
        assert len(s.exec(select(AuditEvent)).all()) == 10  # one per change
    db.engine_for(pg_url).dispose()
