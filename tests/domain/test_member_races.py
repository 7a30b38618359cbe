"""Two admins demoting each other at the same moment: exactly one wins, the org keeps an admin.

Each racer has its own session (its own database connection). A barrier releases both at once,
and every change holds its transaction open a little before committing, so without the
organization row lock both would read "another admin remains" and both would commit.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from threading import Barrier, Event

import pytest
from sqlmodel import Session

from portal_ui import db
from portal_ui.domain import audit
from portal_ui.domain.errors import DomainError
from portal_ui.domain.members import add_members, change_member_roles, remove_member
from portal_ui.domain.role_policy import writer_count
from tests.domain.members_world import M2M, WRITE, make_member, make_org, make_role, member_roles, user_actor

ROUNDS = 3


@pytest.fixture
def slow_commits(monkeypatch):
    """While racing, hold each change's transaction open a moment after it has written (its audit event)."""
    record, racing = audit.record, Event()

    def slow_record(*args, **kwargs):
        event = record(*args, **kwargs)
        if racing.is_set():
            time.sleep(0.15)
        return event

    monkeypatch.setattr(audit, "record", slow_record)
    return racing


def _race(engine, racing: Event, attempts) -> list[str]:
    barrier = Barrier(len(attempts))

    def run(attempt) -> str:
        with Session(engine, expire_on_commit=False) as session:
            barrier.wait()
            try:
                attempt(session)
                session.commit()
                return "ok"
            except DomainError as refused:
                session.rollback()
                return refused.code

    racing.set()
    try:
        with ThreadPoolExecutor(len(attempts)) as pool:
            return list(pool.map(run, attempts))
    finally:
        racing.clear()


def _scenarios(org_code, ann, ben, viewer_id):
    demote = lambda who, target: lambda s: change_member_roles(  # noqa: E731
        s, actor=who, org_code=org_code, user_id=target, role_ids=[viewer_id])
    return {
        # Each demotes the other: the loser is no longer an admin when its turn comes.
        "mutual": ([demote(user_actor(ann), ben), demote(user_actor(ben), ann)], "MISSING_PERMISSION"),
        # Each steps down (or leaves): the loser would be the last admin.
        "self": ([demote(user_actor(ann), ann),
                  lambda s: remove_member(s, actor=user_actor(ben), org_code=org_code, user_id=ben)],
                 "LAST_MEMBER_ADMIN"),
        # Two Management API calls: no grant rule, but the invariant holds.
        "m2m": ([demote(M2M, ann), demote(M2M, ben)], "LAST_MEMBER_ADMIN"),
    }


def check_demotion_race(engine, racing: Event, scenario: str) -> None:
    with Session(engine, expire_on_commit=False) as s:
        admin = make_role(s, "admin", ["org:read:members", WRITE])
        viewer = make_role(s, "viewer", ["org:read:members"])
        org = make_org(s)
        ann, ben = make_member(s, org, "Ann", admin), make_member(s, org, "Ben", admin)
        s.commit()
    for _ in range(ROUNDS):
        with Session(engine, expire_on_commit=False) as s:
            for user in (ann, ben):
                if user not in member_roles(s, org.code):
                    add_members(s, actor=M2M, org_code=org.code, users=[{"id": user}])
                change_member_roles(s, actor=M2M, org_code=org.code, user_id=user, role_ids=[admin.id])
            s.commit()
        attempts, loser_code = _scenarios(org.code, ann, ben, viewer.id)[scenario]
        results = _race(engine, racing, attempts)
        assert sorted(results) == sorted(["ok", loser_code]), results
        with Session(engine) as s:
            assert writer_count(s, org.code) == 1


@pytest.mark.postgres
@pytest.mark.parametrize("scenario", ["mutual", "self", "m2m"])
def test_concurrent_demotions_on_postgresql(pg_url, slow_commits, scenario):
    engine = db.engine_for(pg_url)
    try:
        check_demotion_race(engine, slow_commits, scenario)
    finally:
        engine.dispose()


@pytest.mark.parametrize("scenario", ["mutual", "m2m"])
def test_concurrent_demotions_on_sqlite(engine, slow_commits, scenario):
    check_demotion_race(engine, slow_commits, scenario)
