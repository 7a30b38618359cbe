"""Roles and their system permissions."""

import pytest
from sqlmodel import select

from portal_ui.domain.audit import Actor
from portal_ui.domain.errors import Conflict, InvalidInput, NotFound
from portal_ui.domain.roles import (create_role, get_role_system_permissions, list_roles, list_system_permissions,
                                    update_role_system_permissions)
from portal_ui.models import AuditEvent, Role, RolePermission, SystemPermission

ACTOR = Actor(type="m2m", id="test-client")


def perm_ids(session, *keys):
    rows = {p.key: p.id for p in session.exec(select(SystemPermission)).all()}
    return [rows[k] for k in keys]


def test_create_role_and_audit(session):
    role = create_role(session, actor=ACTOR, key="billing_admin", name=" Billing admin ", description="Pays",
                       is_default_role=True, assign_to_creator=True)
    session.commit()
    assert role.id.startswith("role_") and role.name == "Billing admin"
    assert role.is_default_role and role.assign_to_creator
    [event] = session.exec(select(AuditEvent)).all()
    assert event.action == "role.created" and event.target_id == role.id
    assert event.after["role_key"] == "billing_admin" and event.after["assign_to_creator"] is True


@pytest.mark.parametrize("kwargs", [
    {"key": "", "name": "x"}, {"key": "has space", "name": "x"}, {"key": "-lead", "name": "x"},
    {"key": "k" * 129, "name": "x"}, {"key": "ok", "name": ""}, {"key": "ok", "name": "x" * 256},
    {"key": "ok", "name": "x", "description": "d" * 1025}, {"key": "ok", "name": "x", "is_default_role": "yes"},
    {"key": "ok", "name": "x", "role_id": "bad id"},
])
def test_create_role_refuses_bad_values(session, kwargs):
    with pytest.raises(InvalidInput):
        create_role(session, actor=ACTOR, **kwargs)
    assert session.exec(select(Role)).all() == [] and session.exec(select(AuditEvent)).all() == []


def test_role_key_is_unique(session):
    create_role(session, actor=ACTOR, key="admin", name="Admin", role_id="role_demo_admin")
    with pytest.raises(Conflict):
        create_role(session, actor=ACTOR, key="admin", name="Admin again")
    with pytest.raises(Conflict):
        create_role(session, actor=ACTOR, key="other", name="Other", role_id="role_demo_admin")


def test_list_roles_sorted_and_paged(session):
    for key, name in (("b", "Zed"), ("a", "Young"), ("c", "Xavier")):
        create_role(session, actor=ACTOR, key=key, name=name)
    assert [r.key for r in list_roles(session).items] == ["a", "b", "c"]
    assert [r.key for r in list_roles(session, sort="key_desc").items] == ["c", "b", "a"]
    assert [r.name for r in list_roles(session, sort="name_asc").items] == ["Xavier", "Young", "Zed"]
    page = list_roles(session, page_size=2)
    assert len(page.items) == 2 and [r.key for r in list_roles(session, next_token=page.next_token).items] == ["c"]
    with pytest.raises(InvalidInput):
        list_roles(session, sort="id_asc")


def test_system_permissions_are_seeded_and_listed(session):
    page = list_system_permissions(session, page_size=500)
    assert len(page.items) == 9 and page.next_token is None
    assert {p.key for p in page.items} >= {"org:read:details", "org:write:members", "write:org:authentication"}
    by_id = list_system_permissions(session, sort="id_asc", page_size=500).items
    assert [p.id for p in by_id] == sorted(p.id for p in by_id)


def test_update_role_system_permissions_adds_and_removes(session):
    role = create_role(session, actor=ACTOR, key="admin", name="Admin")
    read, write = perm_ids(session, "org:read:members", "org:write:members")
    assert update_role_system_permissions(session, actor=ACTOR, role_id=role.id,
                                          changes=[{"id": read}, {"id": write}]) == ([read, write], [])
    assert update_role_system_permissions(session, actor=ACTOR, role_id=role.id,
                                          changes=[{"id": read}, {"id": write, "operation": "delete"}]) == ([], [write])
    session.commit()
    assert [p.key for p in get_role_system_permissions(session, role_id=role.id).items] == ["org:read:members"]
    events = session.exec(select(AuditEvent).where(AuditEvent.action == "role.system_permissions_updated")).all()
    assert [e.after["system_permissions"] for e in events] == [["org:read:members", "org:write:members"],
                                                               ["org:read:members"]]
    assert events[1].before["system_permissions"] == ["org:read:members", "org:write:members"]


def test_no_op_update_writes_no_audit(session):
    role = create_role(session, actor=ACTOR, key="admin", name="Admin")
    [read] = perm_ids(session, "org:read:members")
    assert update_role_system_permissions(session, actor=ACTOR, role_id=role.id,
                                          changes=[{"id": read, "operation": "delete"}]) == ([], [])
    assert session.exec(select(AuditEvent).where(AuditEvent.action != "role.created")).all() == []


@pytest.mark.parametrize("changes", [
    [{"id": "perm_unknown"}], [{"id": "READ", "operation": "remove"}], [{"id": "READ"}, {"id": "READ"}],
    [{}], [{"id": "READ"}, {"id": "perm_unknown"}], [{"id": "READ"}] * 101,
])
def test_update_refuses_bad_changes_without_writing(session, changes):
    role = create_role(session, actor=ACTOR, key="admin", name="Admin")
    [read] = perm_ids(session, "org:read:members")
    changes = [{k: (read if v == "READ" else v) for k, v in c.items()} for c in changes]
    with pytest.raises(InvalidInput):
        update_role_system_permissions(session, actor=ACTOR, role_id=role.id, changes=changes)
    assert session.exec(select(RolePermission)).all() == []


def test_unknown_role_is_not_found(session):
    with pytest.raises(NotFound):
        update_role_system_permissions(session, actor=ACTOR, role_id="role_missing", changes=[])
    with pytest.raises(NotFound):
        get_role_system_permissions(session, role_id="role_missing")
