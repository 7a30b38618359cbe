"""The audit log as people read it: filters, keyset paging (also through 100,000 events), names,
readable changes, CSV cells that never run as formulas, and no secret ever shown."""

from __future__ import annotations

import base64
import csv
import io
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import create_engine, insert, text
from sqlmodel import Session

from portal_ui import db
from portal_ui.domain import audit
from portal_ui.domain.audit_log import (COUNT_CAP, AuditFilter, Cursor, browser_and_system, changes_of, changes_text,
                                        count_events, csv_cell, csv_row, csv_text, describe, export_batches, list_events,
                                        page_events, page_statement, parse_filter, recent_activity)
from portal_ui.domain.clock import utcnow
from portal_ui.domain.errors import InvalidInput, NotFound
from portal_ui.models import AuditEvent, M2MApplication, Organization, User

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=timezone.utc)
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0"
SAFARI_IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
                 "Version/17.5 Mobile/15E148 Safari/604.1")


def event_row(n: int, *, org: str = "org_a", actor_type: str = "user", actor_id: str = "kp_ada",
              action: str = "member.added", when: datetime | None = None, **extra) -> dict:
    return {"occurred_on": when or T0 + timedelta(minutes=n), "actor_type": actor_type, "actor_id": actor_id,
            "org_code": org, "action": action, "target_type": "user", "target_id": f"kp_{n}",
            "before": extra.get("before", {}), "after": extra.get("after", {}), "client_ip": "203.0.113.7",
            "user_agent": FIREFOX}


@pytest.fixture
def world(session: Session):
    now = utcnow()
    session.add_all([
        Organization(code="org_a", name="Acme", created_on=now), Organization(code="org_b", name="Beta", created_on=now),
        User(id="kp_ada", given_name="Ada", family_name="Lovelace", email="ada@example.com", created_on=now),
        User(id="kp_bob", given_name="", family_name="", email="bob@example.com", created_on=now),
        M2MApplication(client_id="cli_backend", name="Billing backend", secret_hash="x" * 64, scopes=[],
                       created_on=now),
    ])
    session.flush()
    rows = [
        event_row(0, action="member.added"),
        event_row(1, action="member.removed", actor_id="kp_bob"),
        event_row(2, action="invitation.created", actor_type="m2m", actor_id="cli_backend"),
        event_row(3, action="organization.updated", before={"name": "Acme"}, after={"name": "Acme Ltd"}),
        event_row(4, action="member.roles_changed", actor_type="system", actor_id="cli"),
        event_row(5, action="member.added", org="org_b"),
        event_row(6, action="memberships.odd"),  # "member." must not take in "memberships."
    ]
    session.execute(insert(AuditEvent.__table__), rows)
    session.commit()
    return session


def actions(session, f: AuditFilter, org: str = "org_a") -> list[str]:
    rows, _more = page_events(session, org, f, size=100)
    return [r.action for r in rows]


# ---- parsing the filter -------------------------------------------------------------------------

def test_actor_is_a_type_or_an_id():
    assert parse_filter(actor="m2m") == AuditFilter(actor_type="m2m")
    assert parse_filter(actor="kp_ada") == AuditFilter(actor_id="kp_ada")
    assert parse_filter(actor="") == AuditFilter()


@pytest.mark.parametrize("given, exact, prefix", [
    ("member.removed", "member.removed", None), ("member.", None, "member."), ("member.*", None, "member."),
    ("member", None, "member."), ("member.rem*", None, "member.rem"),
])
def test_action_is_exact_or_a_group(given, exact, prefix):
    f = parse_filter(action=given)
    assert (f.action, f.action_prefix) == (exact, prefix)


def test_dates_are_inclusive_days_or_instants():
    f = parse_filter(date_from="2026-03-01", date_to="2026-03-01")
    assert f.since == datetime(2026, 3, 1, tzinfo=timezone.utc)
    assert f.before == datetime(2026, 3, 2, tzinfo=timezone.utc)
    f = parse_filter(date_from="2026-03-01T10:00:00+02:00", date_to="2026-03-01T09:00:00Z")
    assert f.since == datetime(2026, 3, 1, 8, tzinfo=timezone.utc)
    assert f.before == datetime(2026, 3, 1, 9, 0, 0, 1, tzinfo=timezone.utc)


@pytest.mark.parametrize("kwargs, names", [
    ({"actor": "kp ada"}, "actor"), ({"actor": "x" * 129}, "actor"), ({"actor": "kp_\x00"}, "actor"),
    ({"action": "Member.Added"}, "action"), ({"action": "member;drop"}, "action"), ({"action": "*"}, "action"),
    ({"action": "m" * 65}, "action"), ({"date_from": "yesterday"}, "date_time_from"),
    ({"date_to": "2026-02-30"}, "date_time_to"), ({"date_from": "0001-01-01"}, "date_time_from"),
    ({"date_from": "0001-01-01T00:00:00+05:00"}, "date_time_from"), ({"date_to": "9999-12-31"}, "date_time_to"),
    ({"date_from": "2026-03-02", "date_to": "2026-03-01"}, "date_time_to"),
])
def test_bad_filters_are_refused_naming_the_parameter(kwargs, names):
    with pytest.raises(InvalidInput) as caught:
        parse_filter(**kwargs)
    assert caught.value.message.startswith(f"{names}:")
    assert caught.value.code == "INVALID_FILTER"


# ---- filtering ----------------------------------------------------------------------------------

def test_the_organization_sees_only_its_own_events_newest_first(world):
    assert actions(world, AuditFilter()) == ["memberships.odd", "member.roles_changed", "organization.updated",
                                             "invitation.created", "member.removed", "member.added"]
    assert actions(world, AuditFilter(), org="org_b") == ["member.added"]


def test_filter_by_actor_type_and_id(world):
    assert actions(world, parse_filter(actor="m2m")) == ["invitation.created"]
    assert actions(world, parse_filter(actor="system")) == ["member.roles_changed"]
    assert actions(world, parse_filter(actor="kp_bob")) == ["member.removed"]
    assert len(actions(world, parse_filter(actor="user"))) == 4


def test_filter_by_action_exact_and_group(world):
    assert actions(world, parse_filter(action="member.added")) == ["member.added"]
    assert actions(world, parse_filter(action="member.*")) == ["member.roles_changed", "member.removed",
                                                              "member.added"]


def test_filter_by_dates_and_everything_at_once(world):
    day = T0.date().isoformat()
    assert len(actions(world, parse_filter(date_from=day, date_to=day))) == 6
    assert actions(world, parse_filter(date_to="2026-02-28")) == []
    f = parse_filter(actor="user", action="member", date_from=(T0 + timedelta(seconds=30)).isoformat())
    assert actions(world, f) == ["member.removed"]
    assert count_events(world, "org_a", f) == (1, False)


# ---- what is shown ------------------------------------------------------------------------------

def test_actors_are_named_and_changes_readable(world):
    rows, _ = page_events(world, "org_a", AuditFilter(), size=10)
    by_action = {e.action: e for e in describe(world, rows)}
    assert (by_action["member.added"].actor_name, by_action["member.added"].actor_email) == ("Ada Lovelace",
                                                                                           "ada@example.com")
    assert by_action["member.removed"].actor_name == "bob@example.com"  # no name: the email
    assert by_action["invitation.created"].actor_name == "Billing backend"
    assert by_action["member.roles_changed"].actor_name == "cli"
    assert changes_text(by_action["organization.updated"].changes) == "name: Acme → Acme Ltd"


def test_nested_changes_are_listed_field_by_field():
    changes = changes_of({"org_functions": {"billing": True, "members": True}, "scopes": ["a"]},
                         {"org_functions": {"billing": False, "members": True}, "scopes": ["a", "b"]})
    assert changes_text(changes) == "org_functions.billing: true → false; scopes: a → a, b"
    # Nothing on either side (a none, an object whose fields were all secrets) is no change to show.
    assert changes_text(changes_of({}, {"name": "Acme", "country": None, "webhook": {}})) == "name: Acme"


def test_browser_and_system_from_the_user_agent():
    assert browser_and_system(FIREFOX) == ("Firefox", "Windows")
    assert browser_and_system(SAFARI_IPHONE) == ("Safari", "iOS")
    assert browser_and_system("curl/8.5.0") == ("curl", "")
    assert browser_and_system("") == ("", "")
    assert browser_and_system("A" * 10_000) == ("A" * 40, "")


def test_secrets_never_appear_in_entries_or_csv(session):
    session.add(Organization(code="org_s", name="S", created_on=utcnow()))
    session.flush()
    actor = audit.Actor(type="user", id="kp_x")
    audit.record(session, actor=actor, action="webhook.created", target_type="webhook", target_id="wh_1",
                 org_code="org_s", before={},
                 after={"secret": "TOPSECRET-1", "endpoint": "https://hooks.example/in",
                        "config": {"signing_secret": "TOPSECRET-2", "headers": [{"authorization": "TOPSECRET-3"}]},
                        "client_secret": "TOPSECRET-4", "refresh_token": "TOPSECRET-5", "key_suffix": "ab12"})
    # A row written without the writer's cleaning (an old version, a direct insert) is cleaned too.
    session.execute(insert(AuditEvent.__table__), [event_row(1, org="org_s", after={
        "key": "TOPSECRET-6", "password": "TOPSECRET-7", "nested": {"api_key": "TOPSECRET-8"}})])
    session.commit()
    rows, _ = page_events(session, "org_s", AuditFilter(), size=10)
    entries = describe(session, rows)
    shown = repr(entries) + "".join(export_batches(lambda: db.session_scope(session.get_bind()), "org_s",
                                                   AuditFilter()))
    assert "TOPSECRET" not in shown
    assert "hooks.example" in shown and "ab12" in shown  # the harmless fields stay


# ---- CSV ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "=HYPERLINK(\"http://x\")"])
def test_formula_cells_get_a_leading_apostrophe(cell):
    assert csv_cell(cell) == "'" + cell


def test_plain_cells_stay_as_they_are():
    assert [csv_cell(v) for v in ("Acme", "", None, "a=b", " =x")] == ["Acme", "", "", "a=b", " =x"]


def test_a_hostile_name_in_a_csv_row_is_text(session):
    now = utcnow()
    session.add_all([Organization(code="org_h", name="H", created_on=now),
                     User(id="kp_evil", given_name="=cmd|' /C calc'!A0", family_name="", email="e@example.com",
                          created_on=now)])
    session.flush()
    session.execute(insert(AuditEvent.__table__), [event_row(1, org="org_h", actor_id="kp_evil",
                                                             after={"name": "@evil"})])
    session.commit()
    rows, _ = page_events(session, "org_h", AuditFilter())
    parsed = next(csv.reader(io.StringIO(csv_text([csv_row(describe(session, rows)[0])]))))
    assert parsed[3] == "'=cmd|' /C calc'!A0"  # the actor's name
    assert parsed[8] == "name: @evil" and parsed[10] == '{"name": "@evil"}'


# ---- keyset paging --------------------------------------------------------------------------------

def test_pages_walk_ties_without_gaps_or_repeats(world):
    same = T0 + timedelta(days=1)
    world.execute(insert(AuditEvent.__table__), [event_row(100 + i, org="org_t", when=same) for i in range(25)])
    world.add(Organization(code="org_t", name="T", created_on=utcnow()))
    world.commit()
    seen, token = [], None
    while True:
        page = list_events(world, "org_t", AuditFilter(), page_size=7, next_token=token)
        seen += [e.id for e in page.entries]
        token = page.next_token
        if token is None:
            break
    assert len(seen) == 25 and seen == sorted(seen, reverse=True)


def test_a_token_works_only_for_its_own_listing(world):
    page = list_events(world, "org_a", AuditFilter(), page_size=2)
    assert page.next_token
    with pytest.raises(InvalidInput):
        list_events(world, "org_a", parse_filter(actor="user"), page_size=2, next_token=page.next_token)
    with pytest.raises(InvalidInput):
        list_events(world, "org_b", AuditFilter(), page_size=2, next_token=page.next_token)
    scope = AuditFilter().scope("org_a")
    forged = [Cursor(T0, 2 ** 64).token(scope),
              base64.urlsafe_b64encode(f"0001-01-01T00:00:00+05:00|1|{scope}".encode()).decode()]
    for bad in ("garbage", "!!!", "x" * 600, Cursor(T0, 1).token("other"), *forged):
        with pytest.raises(InvalidInput):
            list_events(world, "org_a", AuditFilter(), next_token=bad)
    with pytest.raises(NotFound):
        list_events(world, "org_nope", AuditFilter())


BIG = 100_000


@pytest.fixture(scope="module")
def big_db(migrated_template, tmp_path_factory) -> Path:
    """org_big with 100,000 events: ten actors, twenty actions, one a minute, ties every 1,000th.
    Written once for the module; the tests that use it only read."""
    path = tmp_path_factory.mktemp("big") / "big.db"
    shutil.copy(migrated_template, path)
    engine = create_engine(f"sqlite:///{path}")
    with Session(engine) as session:
        session.add(Organization(code="org_big", name="Big", created_on=utcnow()))
        session.flush()
        rows = [event_row(i, org="org_big", actor_id=f"kp_{i % 10}", action=f"group{i % 4}.action{i % 5}",
                          when=T0 + timedelta(minutes=i - i % 1000 if i % 1000 < 3 else i)) for i in range(BIG)]
        session.execute(insert(AuditEvent.__table__), rows)
        session.execute(insert(AuditEvent.__table__), [event_row(i, org="org_small") for i in range(50)])
        session.commit()
    engine.dispose()
    return path


@pytest.fixture
def big(big_db: Path, env):
    engine = db.engine_for(f"sqlite:///{big_db}")
    with Session(engine, expire_on_commit=False) as session:
        yield session


def plan(session: Session, statement) -> str:
    compiled = statement.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    return " / ".join(row[-1] for row in session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all())


def test_paging_through_100k_events_sees_each_once(big):
    ids, after, pages = [], None, 0
    while True:
        rows, after = page_events(big, "org_big", AuditFilter(), after=after, size=500)
        ids += [r.id for r in rows]
        pages += 1
        if after is None:
            break
    assert pages == BIG // 500 and len(ids) == BIG == len(set(ids))
    assert count_events(big, "org_big", AuditFilter()) == (COUNT_CAP, False)


@pytest.mark.parametrize("f, index", [
    (AuditFilter(), "ix_audit_org_time"),
    (parse_filter(date_from="2026-03-20", date_to="2026-04-01"), "ix_audit_org_time"),
    (parse_filter(actor="kp_3"), "ix_audit_org_actor"),
    (parse_filter(actor="m2m"), "ix_audit_org_actor_type"),
    (parse_filter(action="group1.action2"), "ix_audit_org_action"),
])
def test_a_deep_page_is_an_index_range_in_order(big, f, index):
    """Page 150 of 100,000 events: SQLite walks an index from the cursor on, in the page's order,
    and stops after the page (no sort of the matches, no scan of the table)."""
    rows, after = page_events(big, "org_big", f, size=50)
    for _ in range(150):
        if after is None:
            break
        rows, next_after = page_events(big, "org_big", f, after=after, size=50)
        after = next_after or after
    query_plan = plan(big, page_statement("org_big", f, after, 50))
    assert f"USING INDEX {index}" in query_plan or f"USING COVERING INDEX {index}" in query_plan, query_plan
    assert "TEMP B-TREE" not in query_plan and not query_plan.startswith("SCAN audit_events"), query_plan


def test_the_group_filter_uses_an_index_too(big):
    query_plan = plan(big, page_statement("org_big", parse_filter(action="group1.*"), Cursor(T0 + timedelta(days=30),
                                                                                        99_999), 50))
    assert "INDEX ix_audit_org" in query_plan, query_plan


def test_the_profiles_latest_events_use_their_index(big):
    from sqlmodel import col, select

    statement = (select(AuditEvent).where(AuditEvent.actor_type == "user", AuditEvent.actor_id == "kp_3")
                 .order_by(col(AuditEvent.occurred_on).desc(), col(AuditEvent.id).desc()).limit(10))
    query_plan = plan(big, statement)
    assert "INDEX ix_audit_actor" in query_plan and "TEMP B-TREE" not in query_plan, query_plan
    assert [e.target_id for e in recent_activity(big, "kp_3", limit=3)] == ["kp_99993", "kp_99983", "kp_99973"]


# ---- a user's own activity ------------------------------------------------------------------------

def test_recent_activity_is_the_users_own_across_organizations(world):
    mine = recent_activity(world, "kp_ada")
    assert [e.action for e in mine] == ["memberships.odd", "member.added", "organization.updated", "member.added"]
    assert {e.org_code for e in mine} == {"org_a", "org_b"}
    assert recent_activity(world, "cli") == []  # the system's events are nobody's own
    assert len(recent_activity(world, "kp_ada", limit=2)) == 2


# ---- PostgreSQL -----------------------------------------------------------------------------------

@pytest.mark.postgres
def test_filters_and_keyset_pages_on_postgresql(pg_url):
    engine = create_engine(pg_url)
    with Session(engine) as s:
        s.add(Organization(code="org_a", name="A", created_on=utcnow()))
        s.flush()
        same = T0
        s.execute(insert(AuditEvent.__table__), [event_row(i, when=same if i < 20 else None,
                                                           action="member.added" if i % 2 else "role.created")
                                                 for i in range(60)])
        s.commit()
        seen, token = [], None
        while True:
            page = list_events(s, "org_a", parse_filter(action="member", date_from="2026-03-01"), page_size=7,
                               next_token=token)
            seen += [e.id for e in page.entries]
            token = page.next_token
            if token is None:
                break
        assert len(seen) == 30 == len(set(seen))
        assert count_events(s, "org_a", parse_filter(action="role.created")) == (30, False)
    engine.dispose()
