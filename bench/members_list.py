"""Benchmark 5, members list: `list_members_page` (portal_ui/domain/member_list.py) for an
organization with 10,000 and then 100,000 members, on SQLite and on PostgreSQL.

Each database is fresh, migrated and demo-seeded; a "Bench Co" organization then gets its members
in bulk (executemany, 5,000 rows a statement batch): users with names drawn from common given and
family names (so names repeat, as they do), a membership each, and one of the demo roles each.
PostgreSQL is ANALYZEd after seeding, as autovacuum would soon do; SQLite is left as it is
(nothing runs ANALYZE on a portal's SQLite file).

Two calls, each timed in a fresh Session (the portal opens one per event), after a warm-up:
- first page: the default order (name, ascending), 25 rows, and the total count;
- search: `query="lopez"` (a family-name fragment, ~1% of members), first page and count.
"""

from __future__ import annotations

import random
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from bench.common import Result, Row, quick_mode, scaled_database, service_up, stats

NAME = "members_list"
TITLE = "Members list"
SIZES = (10_000, 100_000)
QUICK_SIZES = (2_000, 10_000)
REPEATS = 20
WARMUP = 3
TARGET_MS = 200
ORG = "org_bench_co"
SEARCH = "lopez"
BATCH = 5_000

GIVEN = ("James Mary Robert Patricia John Jennifer Michael Linda David Elizabeth William Barbara Richard Susan "
         "Joseph Jessica Thomas Sarah Charles Karen Christopher Lisa Daniel Nancy Matthew Betty Anthony Sandra "
         "Mark Margaret Donald Ashley Steven Kimberly Andrew Emily Paul Donna Joshua Michelle Kenneth Carol "
         "Kevin Amanda Brian Melissa George Deborah Timothy Stephanie Ronald Rebecca Jason Sharon Edward Laura "
         "Jeffrey Cynthia Ryan Dorothy Jacob Amy Gary Kathleen Nicholas Angela Eric Shirley Jonathan Emma "
         "Stephen Brenda Larry Pamela Justin Nicole Scott Anna Brandon Samantha Benjamin Katherine Samuel "
         "Christine Gregory Debra Alexander Rachel Patrick Carolyn Frank Janet Raymond Maria Jack Olivia "
         "Dennis Heather Jerry Helen Tyler Catherine Aaron Diane Jose Julie Adam Victoria Nathan Joyce").split()
FAMILY = ("Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez "
          "Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark "
          "Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams "
          "Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker "
          "Cruz Edwards Collins Reyes Stewart Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper "
          "Peterson Bailey Reed Kelly Howard Ramos Kim Cox Ward Richardson Watson Brooks Chavez Wood James "
          "Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo Sanders Patel Myers Long Ross Foster Jimenez "
          "Powell Jenkins Perry Russell Sullivan Bell Coleman Butler Henderson Barnes Gonzales Fisher Vasquez "
          "Simmons Romero Jordan Patterson Alexander Hamilton Graham Reynolds Griffin Wallace Moreno West Cole "
          "Hayes Bryant Herrera Gibson Ellis Tran Medina Aguilar Stevens Murray Ford Castro Marshall Owens "
          "Harrison Fernandez McDonald Woods Washington Kennedy Wells Vargas Henry Chen Freeman Webb Tucker "
          "Guzman Burns Crawford Olson Simpson Porter Hunter Gordon Mendez Silva Shaw Snyder Mason Dixon Munoz "
          "Hunt Hicks Holmes Palmer Wagner Black Robertson Boyd Rose Stone Salazar Fox Warren Mills Meyer Rice "
          "Schmidt Garza Daniels Ferguson Nichols Stephens Soto Weaver Ryan Gardner Payne Grant Dunn").split()


def _seed(engine, start: int, stop: int, role_ids: list[str]) -> None:
    """Members start..stop-1 of Bench Co: users, memberships (with their sort keys, as the portal
    writes them) and a role each, in bulk."""
    from sqlalchemy import insert, select

    from portal_ui.domain.clock import utcnow
    from portal_ui.domain.member_list import sync_member_sort_keys
    from portal_ui.models import MemberRole, Membership, User

    rng = random.Random(start)
    now = utcnow()
    for low in range(start, stop, BATCH):
        high = min(low + BATCH, stop)
        users, memberships = [], []
        for i in range(low, high):
            given, family = rng.choice(GIVEN), rng.choice(FAMILY)
            users.append({"id": f"kp_bench_{i:07d}", "given_name": given, "family_name": family,
                          "email": f"{given}.{family}.{i}@bench.example".lower(), "created_on": now})
            memberships.append({"org_code": ORG, "user_id": f"kp_bench_{i:07d}",
                                "joined_on": now - timedelta(minutes=i)})
        with engine.begin() as conn:
            conn.execute(insert(User.__table__), users)
            conn.execute(insert(Membership.__table__), memberships)
            ids = conn.execute(select(Membership.id).where(
                Membership.org_code == ORG, Membership.user_id.in_([u["id"] for u in users]))).scalars().all()
            sync_member_sort_keys(conn, membership_ids=ids)
            conn.execute(insert(MemberRole.__table__),
                         [{"membership_id": m, "role_id": role_ids[m % len(role_ids)], "granted_on": now} for m in ids])


def _time(engine, **kwargs) -> tuple[dict, int]:
    from sqlmodel import Session

    from portal_ui.domain.member_list import list_members_page

    repeats = 5 if quick_mode() else REPEATS
    times, total = [], 0
    for i in range(WARMUP + repeats):
        started = time.perf_counter()
        with Session(engine) as session:
            rows, total = list_members_page(session, ORG, **kwargs)
        if i >= WARMUP:
            times.append((time.perf_counter() - started) * 1000)
    if not rows:
        raise RuntimeError(f"list_members_page({kwargs}) found nobody")
    return stats(times), total


def _bench(url: str, sizes: tuple[int, ...], analyze: bool) -> list[dict]:
    from sqlalchemy import insert, select, text

    from portal_ui import db
    from portal_ui.demo.seed import seed_demo
    from portal_ui.domain.clock import utcnow
    from portal_ui.models import Organization, Role
    from portal_ui.settings import Settings

    db.ensure_database(url)
    db.migrate(url)
    engine = db.make_engine(url)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-members-key-") as keys:
            settings = Settings.from_env({"REFLEX_DB_URL": url, "PORTAL_SIGNING_KEY_PATH": f"{keys}/key.pem"})
            with db.session_scope(engine) as session:
                seed_demo(session, settings)
        with engine.begin() as conn:
            conn.execute(insert(Organization.__table__).values(code=ORG, name="Bench Co", created_on=utcnow()))
            role_ids = list(conn.execute(select(Role.id).order_by(Role.key)).scalars())
        out, seeded = [], 0
        for size in sizes:
            started = time.perf_counter()
            _seed(engine, seeded, size, role_ids)
            seeded = size
            if analyze:
                with engine.connect() as conn:
                    conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("ANALYZE"))
            seed_seconds = time.perf_counter() - started
            first, total = _time(engine)
            if total != size:
                raise RuntimeError(f"expected {size} members, the list counts {total}")
            search, matches = _time(engine, query=SEARCH)
            out.append({"members": size, "seed_seconds": round(seed_seconds, 1), "first_page_ms": first,
                        "search_ms": search, "search_matches": matches})
            print(f"  {url.split(':')[0]:<20} {size:>7,} members: first page {first['median']:.1f} ms, "
                  f"search {search['median']:.1f} ms ({matches:,} matches)", flush=True)
        return out
    finally:
        engine.dispose()
        db.engine_for.cache_clear()


def run() -> Result:
    sizes = QUICK_SIZES if quick_mode() else SIZES
    started = time.monotonic()
    details: dict = {"search": SEARCH, "page_size": 25, "sort": "name_asc", "repeats": REPEATS, "warmup": WARMUP}
    with tempfile.TemporaryDirectory(prefix="bench-members-") as tmp:
        details["sqlite"] = _bench(f"sqlite:///{Path(tmp) / 'members.db'}", sizes, analyze=False)
    if not service_up("127.0.0.1", 5432):
        raise RuntimeError("PostgreSQL is not reachable at 127.0.0.1:5432; start it with `make services`")
    with scaled_database() as url:
        details["postgresql"] = _bench(url, sizes, analyze=True)
    rows = []
    for backend, label in (("sqlite", "SQLite"), ("postgresql", "PostgreSQL")):
        for level in details[backend]:
            big = level["members"] == sizes[-1]
            for key, what in (("first_page_ms", "first page"), ("search_ms", f"search '{SEARCH}'")):
                s = level[key]
                rows.append(Row(f"{label}, {level['members']:,} members: {what}", "ms", s["median"], s["p95"],
                                target=f"< {TARGET_MS} ms" if big else "",
                                met=(s["median"] < TARGET_MS) if big else None, n=s["n"]))
    return Result(NAME, TITLE, rows, details, time.monotonic() - started)
