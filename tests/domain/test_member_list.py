"""The portal's members table: search, sort and server-side paging, also with 10,000 members.

The large tests check correctness against the same ordering computed in Python, and that one
page costs a handful of statements whatever the organization's size. No timing assertions.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event, insert
from sqlmodel import Session, select

from portal_ui import db
from portal_ui.domain.errors import InvalidInput, NotFound
from portal_ui.domain.member_list import list_members, list_members_page, sync_member_sort_keys
from portal_ui.domain.members import add_members
from portal_ui.models import MemberRole, Membership, Organization, Role, User
from tests.domain.members_world import make_member, make_org, make_role

# No name is a prefix of another, so the order does not depend on how a collation treats spaces.
GIVEN = ["Alma", "boris", "Carla", "dmitri", "ELENA", "farid", "Greta", "hugo", "Ines", "jonas",
         "Kofi", "lena", "Mateo", "nadia", "Oskar", "petra", "Quentin", "rosa", "Sven", "tove"]
FAMILY = ["Ng", "olsen", "Park", "quinn", "Ruiz", "smith", "Tanaka", "udo", "Vega", "wolf",
          "Xu", "yilmaz", "Zhou", "abbott", "Baker", "cruz", "Diaz", "evans", "Fox", "gray",
          "Hale", "iqbal", "Jain", "kerr", "Lowe"]
BIG = 10_000


def populate(session: Session, n: int) -> tuple[str, list[dict]]:
    """An organization with `n` members (bulk inserted); every 1000th holds the admin role."""
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    session.add(Organization(code="org_big", name="Big", created_on=now))
    session.add(Role(id="role_admin", key="admin", name="Admin", created_on=now))
    session.flush()
    users = [{"id": f"kp_{i:05d}", "given_name": GIVEN[i % len(GIVEN)], "family_name": FAMILY[(i * 7) % len(FAMILY)],
              "email": f"{i:05d}.member@example.com", "created_on": now} for i in range(n)]
    conn = session.connection()
    conn.execute(insert(User.__table__), users)
    # Joined in an order unrelated to the ids, so "joined" and "name" sorts disagree.
    conn.execute(insert(Membership.__table__), [
        {"id": i + 1, "org_code": "org_big", "user_id": u["id"], "joined_on": now + timedelta(seconds=(i * 37) % n)}
        for i, u in enumerate(users)])
    sync_member_sort_keys(conn, membership_ids=range(1, n + 1))
    conn.execute(insert(MemberRole.__table__), [
        {"membership_id": i + 1, "role_id": "role_admin", "granted_on": now} for i in range(0, n, 1000)])
    session.commit()
    for i, u in enumerate(users):
        u["joined"] = (i * 37) % n
    return "org_big", users


def ids(rows) -> list[str]:
    return [r.user_id for r in rows]


def by_name(users, reverse=False):
    key = [(f"{u['given_name']} {u['family_name']}".lower(), u["id"]) for u in users]
    return [uid for _, uid in sorted(key, reverse=reverse)]


def count_statements(session: Session):
    statements: list[str] = []
    engine = session.get_bind()

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    return statements, lambda: event.remove(engine, "before_cursor_execute", record)


def check_big_listing(session: Session) -> None:
    org, users = populate(session, BIG)
    name_order = by_name(users)

    rows, total = list_members_page(session, org, sort="name_asc", page=1, page_size=50)
    assert total == BIG and ids(rows) == name_order[:50]
    rows, _ = list_members_page(session, org, sort="name_asc", page=BIG // 50, page_size=50)
    assert ids(rows) == name_order[-50:]
    assert list_members_page(session, org, page=BIG // 50 + 1, page_size=50) == ([], BIG)
    rows, _ = list_members_page(session, org, sort="name_desc", page=3, page_size=100)
    assert ids(rows) == by_name(users, reverse=True)[200:300]
    rows, _ = list_members_page(session, org, sort="email_desc", page=1, page_size=10)
    assert ids(rows) == [f"kp_{i:05d}" for i in range(BIG - 1, BIG - 11, -1)]
    joined = [u["id"] for u in sorted(users, key=lambda u: (u["joined"], u["id"]))]
    rows, _ = list_members_page(session, org, sort="joined_asc", page=7, page_size=25)
    assert ids(rows) == joined[150:175]

    # Search: case-insensitive, anywhere in the full name or the email.
    olsen = [u for u in users if u["family_name"] == "olsen"]
    rows, total = list_members_page(session, org, query="  OLSEN ", sort="name_asc", page=2, page_size=20)
    assert total == len(olsen) > 20 and ids(rows) == by_name(olsen)[20:40]
    alma_ng = [u for u in users if (u["given_name"], u["family_name"]) == ("Alma", "Ng")]
    rows, total = list_members_page(session, org, query="alma ng", page_size=100)
    assert total == len(alma_ng) > 0 and set(ids(rows)) == {u["id"] for u in alma_ng}
    rows, total = list_members_page(session, org, query="00042.member@")
    assert total == 1 and rows[0].email == "00042.member@example.com" and rows[0].full_name == "Carla gray"
    assert list_members_page(session, org, query="%")[1] == 0 and list_members_page(session, org, query="_")[1] == 0
    rows, _ = list_members_page(session, org, query="00000.", page_size=1)
    assert [r.key for r in rows[0].roles] == ["admin"]

    # One page is a fixed number of statements (org, count, rows, roles), each bounded by a LIMIT.
    statements, stop = count_statements(session)
    try:
        list_members_page(session, org, query="a", sort="name_desc", page=40, page_size=100)
        page = list_members(session, org_code=org, sort="email_asc", page_size=500)
    finally:
        stop()
    assert len(statements) <= 4 + 3
    member_selects = [s for s in statements if "FROM memberships" in s and "count(" not in s.lower()]
    assert member_selects and all("LIMIT" in s for s in member_selects)
    assert [m.user.id for m in page.items] == [f"kp_{i:05d}" for i in range(500)] and page.next_token


def test_ten_thousand_members_on_sqlite(session):
    check_big_listing(session)


@pytest.mark.postgres
def test_ten_thousand_members_on_postgresql(pg_url):
    engine = db.engine_for(pg_url)
    with Session(engine, expire_on_commit=False) as session:
        check_big_listing(session)
    engine.dispose()


def test_members_page_shows_names_emails_roles_and_joined_date(session):
    admin, viewer = make_role(session, "admin"), make_role(session, "viewer", default=True)
    org = make_org(session)
    cara = make_member(session, org, "Cara", admin)
    abe = make_member(session, org, "Abe")
    session.commit()
    rows, total = list_members_page(session, org.code)
    assert total == 2 and ids(rows) == [abe, cara]
    assert rows[1].full_name == "Cara Test" and rows[1].email == "cara@example.com" and rows[1].joined_on
    assert [(r.key, r.name) for r in rows[1].roles] == [("admin", "Admin"), ("viewer", "Viewer")]
    assert [r.id for r in rows[0].roles] == [viewer.id]


@pytest.mark.parametrize("kwargs", [
    {"sort": "role_asc"}, {"page": 0}, {"page": "1"}, {"page_size": 0}, {"page_size": 101}, {"query": "x" * 101},
    {"query": None},
])
def test_members_page_refuses_bad_values(session, kwargs):
    org = make_org(session)
    with pytest.raises(InvalidInput):
        list_members_page(session, org.code, **kwargs)


def test_members_page_of_unknown_org_is_not_found(session):
    with pytest.raises(NotFound):
        list_members_page(session, "org_missing")


# ---- the copied sort and search keys (Membership.sort_name / sort_email) stay in step ------------

def names(rows) -> list[str]:
    return [r.full_name for r in rows]


def test_renaming_a_user_resorts_and_refinds_them_in_every_organization(session):
    from portal_ui.domain.users import update_profile
    from tests.domain.members_world import M2M

    acme, globex = make_org(session, "Acme"), make_org(session, "Globex")
    abe, cara = make_member(session, acme, "Abe"), make_member(session, acme, "Cara")
    bo = make_member(session, globex, "Bo")
    add_members(session, actor=M2M, org_code=globex.code, users=[{"id": abe}])
    session.commit()
    loaded = session.exec(select(Membership).where(Membership.user_id == abe)).all()  # in the identity map
    assert [m.sort_name for m in loaded] == ["abe test", "abe test"]
    assert ids(list_members_page(session, acme.code)[0]) == [abe, cara]
    assert ids(list_members_page(session, globex.code)[0]) == [abe, bo]

    update_profile(session, actor=M2M, user_id=abe, given_name="Zoë", family_name="Young")
    session.commit()
    assert [m.sort_name for m in loaded] == ["zoë young", "zoë young"]
    assert ids(list_members_page(session, acme.code)[0]) == [cara, abe]
    assert ids(list_members_page(session, acme.code, sort="name_desc")[0]) == [abe, cara]
    assert ids(list_members_page(session, globex.code)[0]) == [bo, abe]
    rows, total = list_members_page(session, acme.code, query="ZOË YOU")
    assert (ids(rows), total) == ([abe], 1) and rows[0].full_name == "Zoë Young"
    assert list_members_page(session, acme.code, query="abe t")[1] == 0
    assert list_members_page(session, acme.code, query="abe@example")[1] == 1  # the email did not change
    # The Management API's name order reads the same keys.
    assert [m.user.id for m in list_members(session, org_code=globex.code, sort="name_asc").items] == [bo, abe]
    assert [m.user.id for m in list_members(session, org_code=acme.code, sort="name_desc").items] == [abe, cara]


def test_every_way_of_joining_fills_the_sort_keys(session):
    """create_user into an org, create_organization with a creator, add_members: each new member is
    sorted by name and found by search at once (keys copied from the user row)."""
    from portal_ui.domain.organizations import create_organization
    from portal_ui.domain.users import create_user
    from tests.domain.members_world import M2M

    founder = create_user(session, actor=M2M, given_name="Mia", family_name="Ortega", email="MIA@Example.com")
    org = create_organization(session, actor=M2M, name="Initech", creator_user_id=founder.id)
    created = create_user(session, actor=M2M, given_name="ada", family_name="Zed", email="ada@example.com",
                          organization_code=org.code)
    nameless = create_user(session, actor=M2M, organization_code=org.code)
    added = create_user(session, actor=M2M, given_name="Ben", family_name="", email=None)
    add_members(session, actor=M2M, org_code=org.code, users=[{"id": added.id}])
    session.commit()

    keys = {m.user_id: (m.sort_name, m.sort_email) for m in session.exec(
        select(Membership).where(Membership.org_code == org.code)).all()}
    assert keys == {founder.id: ("mia ortega", "mia@example.com"), created.id: ("ada zed", "ada@example.com"),
                    nameless.id: (" ", ""), added.id: ("ben ", "")}
    rows, total = list_members_page(session, org.code)
    assert total == 4 and ids(rows) == [nameless.id, created.id, added.id, founder.id]
    assert ids(list_members_page(session, org.code, sort="email_asc")[0])[-2:] == [created.id, founder.id]
    for query, who in (("ORTEGA", founder), ("ada z", created), ("ben", added), ("mia@", founder)):
        rows, total = list_members_page(session, org.code, query=query)
        assert (ids(rows), total) == ([who.id], 1), query


def test_demo_members_are_sorted_and_searchable(demo, session):
    from portal_ui.demo.personas import DEMO_ORG_CODE, PERSONAS

    members = [p for p in PERSONAS if p.org_code == DEMO_ORG_CODE]
    rows, total = list_members_page(session, DEMO_ORG_CODE, page_size=100)
    assert total == len(members)
    assert ids(rows) == [p.user_id for p in sorted(
        members, key=lambda p: (f"{p.given_name} {p.family_name}".lower(), p.user_id))]
    first = members[0]
    assert first.user_id in ids(list_members_page(session, DEMO_ORG_CODE, query=first.family_name.upper())[0])


def test_sync_member_sort_keys_on_a_connection_and_its_arguments(session):
    org = make_org(session)
    uid = make_member(session, org, "Kim")
    session.commit()
    conn = session.connection()
    conn.execute(Membership.__table__.update().values(sort_name="", sort_email=""))
    assert list_members_page(session, org.code, query="kim")[1] == 0
    sync_member_sort_keys(conn, user_ids=[uid, uid])
    assert list_members_page(session, org.code, query="kim")[1] == 1
    sync_member_sort_keys(conn, membership_ids=[])  # nothing to do
    with pytest.raises(ValueError):
        sync_member_sort_keys(conn)
    with pytest.raises(ValueError):
        sync_member_sort_keys(conn, user_ids=[uid], membership_ids=[1])
