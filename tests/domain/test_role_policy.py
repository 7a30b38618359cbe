"""The grant rule and the writer invariant, as properties over random roles and random changes.

Each Hypothesis example that touches the database gets its own copy of the migrated SQLite
template, so examples never see each other's rows.
"""

from __future__ import annotations

import shutil
import uuid
from contextlib import contextmanager
from typing import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select

from portal_ui import db
from portal_ui.domain.errors import DomainError, Forbidden
from portal_ui.domain.invitations import invite_member
from portal_ui.domain.members import add_member_role, change_member_roles, remove_member, remove_member_role
from portal_ui.domain.role_policy import (grantable_roles, may_grant_role, role_permissions, writer_count)
from portal_ui.domain.roles import update_role_system_permissions
from portal_ui.models import Role, SystemPermission
from tests.domain.members_world import (ALL_PERMISSIONS, M2M, WRITE, make_member, make_org, make_role, member_roles,
                                        user_actor)

permission_sets = st.frozensets(st.sampled_from(ALL_PERMISSIONS))
DB_EXAMPLES = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ---- the rule on its own ------------------------------------------------------------------

@given(granter=permission_sets, role=permission_sets)
def test_a_role_is_grantable_exactly_when_every_permission_is_held(granter, role):
    assert may_grant_role(granter, role) == all(p in granter for p in role)
    assert may_grant_role(list(granter) * 2, sorted(role)) == may_grant_role(granter, role)  # any iterable


@given(granter=permission_sets, role=permission_sets, extra=permission_sets)
def test_more_permissions_never_grant_less(granter, role, extra):
    if may_grant_role(granter, role):
        assert may_grant_role(granter | extra, role)
    assert may_grant_role(granter | role, role)  # holding a role's permissions is enough
    assert may_grant_role(granter, frozenset())  # a role without permissions: anyone
    if role - granter:
        assert not may_grant_role(granter, role)


# ---- the rule as the portal applies it ---------------------------------------------------------

@contextmanager
def fresh_session(template, tmp_dir) -> Iterator[Session]:
    path = tmp_dir / f"{uuid.uuid4().hex}.db"
    shutil.copy(template, path)
    engine = db.make_engine(f"sqlite:///{path}")
    try:
        with Session(engine, expire_on_commit=False) as session:
            yield session
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def tmp_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("policy")


@DB_EXAMPLES
@given(role_sets=st.lists(permission_sets, min_size=1, max_size=5), held=st.sets(st.integers(0, 4)),
       is_writer=st.booleans())
def test_portal_paths_follow_the_grant_rule(migrated_template, tmp_dir, role_sets, held, is_writer):
    """grantable_roles, invitations and role changes all agree with may_grant_role."""
    with fresh_session(migrated_template, tmp_dir) as s:
        org = make_org(s)
        roles = [make_role(s, f"r{i}", perms) for i, perms in enumerate(role_sets)]
        own = [roles[i] for i in held if i < len(roles)]
        if is_writer:
            own.append(make_role(s, "member_admin", [WRITE]))
        actor = make_member(s, org, "Actor", *own)
        target = make_member(s, org, "Target")
        s.commit()
        actor_perms = frozenset().union(*(role_permissions(s, [r.id])[r.id] for r in own))
        is_writer = WRITE in actor_perms  # also when a random role carries it
        options = {o.id: o for o in grantable_roles(s, org.code, actor)}
        for i, role in enumerate(roles):
            expected = may_grant_role(actor_perms, role_sets[i])
            assert options[role.id].grantable == (is_writer and expected)
            for attempt in (
                lambda: invite_member(s, actor=user_actor(actor), acting_user_id=actor, org_code=org.code,
                                      email=f"new{i}@example.com", role_keys=[role.key]),
                lambda: change_member_roles(s, actor=user_actor(actor), org_code=org.code, user_id=target,
                                            role_ids=[role.id]),
            ):
                try:
                    attempt()
                    s.commit()
                    assert is_writer and expected
                except Forbidden as refused:
                    s.rollback()
                    assert not (is_writer and expected)
                    assert refused.code == ("ROLE_NOT_GRANTABLE" if is_writer else "MISSING_PERMISSION")
            change_member_roles(s, actor=M2M, org_code=org.code, user_id=target, role_ids=[])
            s.commit()


# ---- the writer invariant under random changes ----------------------------------------------

MEMBERS = 4
member_index = st.integers(0, MEMBERS - 1)
role_index = st.integers(0, 3)
acting = st.none() | member_index  # None: an M2M caller
operations = st.lists(st.one_of(
    st.tuples(st.just("set_roles"), member_index, st.sets(role_index), acting),
    st.tuples(st.just("remove"), member_index, acting),
    st.tuples(st.just("drop_role"), member_index, role_index, acting),
    st.tuples(st.just("add_role"), member_index, role_index, acting),
    st.tuples(st.just("toggle_write"), role_index),
), max_size=25)


def _apply(s, org, users, roles, op) -> None:
    kind, args = op[0], op[1:]
    if kind == "toggle_write":
        perm_id = s.exec(select(SystemPermission.id).where(SystemPermission.key == WRITE)).one()
        role = roles[args[0]]
        has = WRITE in role_permissions(s, [role.id])[role.id]
        update_role_system_permissions(s, actor=M2M, role_id=role.id,
                                       changes=[{"id": perm_id, "operation": "delete" if has else None}])
        return
    who = M2M if args[-1] is None else user_actor(users[args[-1]])
    target = users[args[0]]
    if kind == "set_roles":
        change_member_roles(s, actor=who, org_code=org.code, user_id=target, role_ids=[roles[i].id for i in args[1]])
    elif kind == "remove":
        remove_member(s, actor=who, org_code=org.code, user_id=target)
    elif kind == "drop_role":
        remove_member_role(s, actor=who, org_code=org.code, user_id=target, role_id=roles[args[1]].id)
    else:
        add_member_role(s, actor=who, org_code=org.code, user_id=target, role_id=roles[args[1]].id)


def _role_state(s) -> dict[str, frozenset[str]]:
    return {r.key: perms for r in s.exec(select(Role)).all() for perms in [role_permissions(s, [r.id])[r.id]]}


@DB_EXAMPLES
@given(role_sets=st.lists(permission_sets, min_size=4, max_size=4), starting=st.lists(st.sets(role_index),
       min_size=MEMBERS, max_size=MEMBERS), ops=operations)
def test_no_sequence_of_changes_leaves_an_org_without_a_member_admin(migrated_template, tmp_dir, role_sets,
                                                                      starting, ops):
    with fresh_session(migrated_template, tmp_dir) as s:
        org = make_org(s)
        roles = [make_role(s, f"r{i}", perms | ({WRITE} if i == 0 else set())) for i, perms in enumerate(role_sets)]
        starting[0] = starting[0] | {0}  # someone starts as a member admin
        users = [make_member(s, org, f"M{i}", *(roles[j] for j in sorted(starting[i]))) for i in range(MEMBERS)]
        s.commit()
        for op in ops:
            before, role_state = member_roles(s, org.code), _role_state(s)
            acting_perms = None
            if op[0] != "toggle_write" and op[-1] is not None:
                held = before.get(users[op[-1]], frozenset())
                acting_perms = frozenset().union(*(role_state[k] for k in held))
            try:
                _apply(s, org, users, roles, op)
                s.commit()
            except DomainError:
                s.rollback()
                assert member_roles(s, org.code) == before and _role_state(s) == role_state  # nothing written
                continue
            assert writer_count(s, org.code) >= 1, f"{op} left no member admin"
            if acting_perms is not None:  # a portal member made this change: they were allowed to
                assert WRITE in acting_perms
                after = member_roles(s, org.code)
                target = users[op[1]]
                changed = before.get(target, frozenset()) ^ after.get(target, frozenset())
                assert all(may_grant_role(acting_perms, role_state[k]) for k in changed)
