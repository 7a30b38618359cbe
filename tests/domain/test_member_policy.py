"""Role changes and removals under the grant rule and the last-member-admin invariant."""

import pytest
from sqlmodel import select

from portal_ui.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from portal_ui.domain.members import (add_member_role, add_members, change_member_roles, remove_member,
                                      remove_member_role)
from portal_ui.domain.role_policy import grantable_roles, writer_count
from portal_ui.domain.roles import update_role_system_permissions
from portal_ui.models import AuditEvent, SystemPermission
from tests.domain.members_world import (ALL_PERMISSIONS, M2M, WRITE, make_member, make_org, make_role, member_roles,
                                        user_actor)


@pytest.fixture
def acme(session):
    """Owner Olivia (every permission), member admin Mia (members only), viewer Vic."""
    roles = {
        "owner": make_role(session, "owner", ALL_PERMISSIONS, creator=True),
        "member_admin": make_role(session, "member_admin", ["org:read:members", WRITE]),
        "billing": make_role(session, "billing", ["org:read:billing", "org:write:billing"]),
        "viewer": make_role(session, "viewer", ["org:read:members"], default=True),
    }
    org = make_org(session)
    people = {
        "olivia": make_member(session, org, "Olivia", roles["owner"]),
        "mia": make_member(session, org, "Mia", roles["member_admin"]),
        "vic": make_member(session, org, "Vic"),
    }
    session.commit()
    return org, roles, people


def events(session, action):
    return session.exec(select(AuditEvent).where(AuditEvent.action == action)).all()


def test_change_member_roles_sets_exactly_the_roles_and_audits(session, acme):
    org, roles, people = acme
    after = change_member_roles(session, actor=M2M, org_code=org.code, user_id=people["vic"],
                                role_ids=[roles["billing"].id, roles["member_admin"].id, roles["billing"].id])
    session.commit()
    assert after == ["billing", "member_admin"] == sorted(member_roles(session, org.code)[people["vic"]])
    [event] = events(session, "member.roles_changed")
    assert event.before == {"roles": ["viewer"]} and event.after == {"roles": ["billing", "member_admin"]}
    # No change: nothing written.
    change_member_roles(session, actor=M2M, org_code=org.code, user_id=people["vic"],
                        role_ids=[roles["member_admin"].id, roles["billing"].id])
    assert len(events(session, "member.roles_changed")) == 1


@pytest.mark.parametrize("role_ids,error,code", [
    ("role_x", InvalidInput, None), ([3], InvalidInput, None), (["role_ghost"], InvalidInput, "ROLE_NOT_FOUND"),
])
def test_change_member_roles_refuses_bad_input(session, acme, role_ids, error, code):
    org, _, people = acme
    before = member_roles(session, org.code)
    with pytest.raises(error) as info:
        change_member_roles(session, actor=M2M, org_code=org.code, user_id=people["vic"], role_ids=role_ids)
    assert code is None or info.value.code == code
    assert member_roles(session, org.code) == before


def test_unknown_member_or_org_is_not_found(session, acme):
    org, _, people = acme
    with pytest.raises(NotFound):
        change_member_roles(session, actor=M2M, org_code=org.code, user_id="kp_ghost", role_ids=[])
    with pytest.raises(NotFound):
        remove_member(session, actor=M2M, org_code="org_ghost", user_id=people["vic"])


# ---- the last member admin ---------------------------------------------------------------------

def test_the_last_member_admin_cannot_be_removed_or_demoted_even_by_m2m(session, acme):
    org, roles, people = acme
    remove_member(session, actor=M2M, org_code=org.code, user_id=people["mia"])  # Olivia still manages members
    session.commit()
    refusals = [
        lambda: remove_member(session, actor=M2M, org_code=org.code, user_id=people["olivia"]),
        lambda: remove_member_role(session, actor=M2M, org_code=org.code, user_id=people["olivia"],
                                   role_id=roles["owner"].id),
        lambda: change_member_roles(session, actor=M2M, org_code=org.code, user_id=people["olivia"],
                                    role_ids=[roles["viewer"].id]),
        lambda: remove_member(session, actor=user_actor(people["olivia"]), org_code=org.code,
                              user_id=people["olivia"]),  # leaving, as the last one
    ]
    for refuse in refusals:
        with pytest.raises(Conflict) as info:
            refuse()
        assert info.value.code == "LAST_MEMBER_ADMIN" and "org:write:members" in info.value.message
    assert writer_count(session, org.code) == 1
    # Swapping to another role that still carries org:write:members is fine.
    change_member_roles(session, actor=M2M, org_code=org.code, user_id=people["olivia"],
                        role_ids=[roles["member_admin"].id])
    assert writer_count(session, org.code) == 1


def test_an_org_without_member_admins_is_not_blocked(session):
    viewer = make_role(session, "viewer", ["org:read:members"])
    org = make_org(session)
    only = make_member(session, org, "Only", viewer)
    remove_member_role(session, actor=M2M, org_code=org.code, user_id=only, role_id=viewer.id)
    remove_member(session, actor=M2M, org_code=org.code, user_id=only)
    assert member_roles(session, org.code) == {}


def test_taking_org_write_members_off_a_role_keeps_an_admin_everywhere(session, acme):
    org, roles, people = acme
    perm = session.exec(select(SystemPermission).where(SystemPermission.key == WRITE)).one()
    remove_member(session, actor=M2M, org_code=org.code, user_id=people["olivia"])
    with pytest.raises(Conflict) as info:  # Mia holds it only through member_admin
        update_role_system_permissions(session, actor=M2M, role_id=roles["member_admin"].id,
                                       changes=[{"id": perm.id, "operation": "delete"}])
    assert info.value.code == "LAST_MEMBER_ADMIN" and org.code in info.value.message
    add_member_role(session, actor=M2M, org_code=org.code, user_id=people["vic"], role_id=roles["owner"].id)
    update_role_system_permissions(session, actor=M2M, role_id=roles["member_admin"].id,
                                   changes=[{"id": perm.id, "operation": "delete"}])
    assert writer_count(session, org.code) == 1


# ---- portal members and the grant rule ----------------------------------------------------------

def test_a_member_without_org_write_members_changes_nothing(session, acme):
    org, roles, people = acme
    for attempt in (
        lambda: change_member_roles(session, actor=user_actor(people["vic"]), org_code=org.code,
                                    user_id=people["mia"], role_ids=[]),
        lambda: remove_member(session, actor=user_actor(people["vic"]), org_code=org.code, user_id=people["mia"]),
        lambda: add_member_role(session, actor=user_actor(people["vic"]), org_code=org.code, user_id=people["vic"],
                                role_id=roles["billing"].id),
    ):
        with pytest.raises(Forbidden) as info:
            attempt()
        assert info.value.code == "MISSING_PERMISSION"


def test_a_member_admin_cannot_grant_or_take_away_roles_beyond_their_permissions(session, acme):
    org, roles, people = acme
    mia = user_actor(people["mia"])
    with pytest.raises(Forbidden) as info:
        change_member_roles(session, actor=mia, org_code=org.code, user_id=people["vic"],
                            role_ids=[roles["viewer"].id, roles["billing"].id])
    assert info.value.code == "ROLE_NOT_GRANTABLE" and "'Billing'" in info.value.message
    with pytest.raises(Forbidden):  # demoting the owner would take away permissions Mia lacks
        change_member_roles(session, actor=mia, org_code=org.code, user_id=people["olivia"],
                            role_ids=[roles["member_admin"].id])
    with pytest.raises(Forbidden):  # nor may she remove someone more powerful
        remove_member(session, actor=mia, org_code=org.code, user_id=people["olivia"])
    # Within her own permissions she may act; the acting id may also be passed explicitly.
    change_member_roles(session, actor=M2M, acting_user_id=people["mia"], org_code=org.code, user_id=people["vic"],
                        role_ids=[roles["viewer"].id, roles["member_admin"].id])
    remove_member(session, actor=mia, org_code=org.code, user_id=people["vic"])
    session.commit()
    assert set(member_roles(session, org.code)) == {people["olivia"], people["mia"]}


def test_the_owner_may_do_anything_the_invariant_allows(session, acme):
    org, roles, people = acme
    olivia = user_actor(people["olivia"])
    change_member_roles(session, actor=olivia, org_code=org.code, user_id=people["vic"],
                        role_ids=[roles["owner"].id])
    remove_member(session, actor=olivia, org_code=org.code, user_id=people["mia"])
    change_member_roles(session, actor=olivia, org_code=org.code, user_id=people["olivia"],
                        role_ids=[roles["viewer"].id])  # Vic is an owner now, so she may step down
    assert writer_count(session, org.code) == 1


def test_grantable_roles_marks_what_the_actor_may_grant(session, acme):
    org, roles, people = acme
    options = grantable_roles(session, org.code, people["mia"])
    assert [(o.key, o.grantable, o.selected) for o in options] == [
        ("billing", False, False), ("member_admin", True, False), ("owner", False, False), ("viewer", True, True)]
    assert all(o.grantable for o in grantable_roles(session, org.code, people["olivia"]))
    assert all(o.grantable for o in grantable_roles(session, org.code, None))  # M2M: no grant rule
    held = grantable_roles(session, org.code, people["olivia"], selected_role_ids={roles["owner"].id})
    assert [o.key for o in held if o.selected] == ["owner"]
    assert not any(o.grantable for o in grantable_roles(session, org.code, people["vic"]))  # read-only member
    assert not any(o.grantable for o in grantable_roles(session, org.code, "kp_stranger"))


def test_portal_members_invite_rather_than_add(session, acme):
    org, _, people = acme
    with pytest.raises(Forbidden):
        add_members(session, actor=user_actor(people["olivia"]), org_code=org.code, users=[{"id": people["vic"]}])
