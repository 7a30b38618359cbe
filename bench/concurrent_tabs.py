"""Benchmark 6, concurrent tabs: 200 connected tabs, 50 of them saving at once for 30 s; click →
toast latency as the tabs see it, and the longest event-loop stall as the server sees it.

Two setups, each a fresh portal built and served as in production (tests/ui/conftest.py
`run_portal`: migrated, demo-seeded):
- embedded: the default single machine (SQLite, one Uvicorn process, disk state manager);
- scaled: PostgreSQL + Redis (state and rate counters) + GRANIAN_WORKERS=3 (Granian), as
  bench/link_api_throughput.py.

The tabs are those of bench/connected_sessions.py (`Tab`: asyncio + wsproto socket.io clients on
loopback, each with its own session from a redeemed one-time link, hydrated and on_load-ed on
/profile/). 150 are Olivia's, connected and idle (answering pings). The other 50 are 50 different
users (bench-seeded Acme members with the Viewer role, so no two saves touch the same row), each
on their own profile, and each of them in a loop: click Save (the `save_profile` event the form
sends, alternating the family name so every save changes the user row, refreshes the member sort
keys and writes an audit event), wait for the update carrying the "Profile saved." toast, pause
PAUSE seconds (as bench/save_round_trip.py, a person's least pause), again. All 50 start at the
same instant; after one unmeasured save each (warm-up), the measured SECONDS begin with all 50
clicking together again. Click → toast is from just before the event is written to the socket
to the arrival of the socket.io message with the toast; the client (this process, one asyncio
loop for all 200 tabs) shares the machine with the server.

Longest event-loop stall, measured in the server: the server runs with bench/loopprobe/ on its
PYTHONPATH (a bench-only `sitecustomize`; nothing in portal_ui/ changes): every asyncio loop in
its processes runs a callback every 5 ms and notes how late it ran; the longest lateness during
the measured seconds is the longest time a loop could not serve anything. Rows give its maximum
over the server's loops and the p99 of all lateness samples; details give each loop's, and the
same for a few idle seconds (all tabs connected, nobody saving) before the saves and for the
warm-up saves, for reference.
The probe also times the server's garbage collections (`gc.callbacks`): the longest per
generation is in the details and the printout. `BENCH_LOOPPROBE_GC_FREEZE=1` runs the experiment
of freezing the server's heap once it serves (bench/loopprobe/sitecustomize.py).
`BENCH_LOOPPROBE_STACKS=1 python -m bench concurrent_tabs` also samples the stack of each loop
while it is late (bench/loopprobe/sitecustomize.py), and prints where the loops were busy: a
diagnostic run, since the sampler thread itself takes the GIL every few ms.
"""

from __future__ import annotations

import asyncio
import json
import os
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from bench.common import (REDIS_URL, Result, Row, percentile, portal_engine, portal_settings, quick_mode,
                          run_portal, scaled_database, service_up, stats)
from bench.connected_sessions import OPENING, Tab

NAME = "concurrent_tabs"
TITLE = "Concurrent tabs"
TABS, SAVERS, SECONDS = 200, 50, 30.0
QUICK_TABS, QUICK_SAVERS, QUICK_SECONDS = 30, 10, 4.0
PAUSE = 0.5  # seconds between a toast and the same tab's next click
IDLE_SECONDS = 5.0  # the reference window: every tab connected, nobody saving
GAP = 1.0  # seconds between two windows, so that no line of the probe (half a second) falls in both
ANSWER_TIMEOUT = 15.0  # seconds a save may take before it counts as failed
WORKERS = 3
TARGET_P95_MS = 100
TARGET_STALL_MS = 50
PATHNAME = "/profile/"
SAVED = "Profile saved."  # the toast (portal_ui/i18n/en/profile.json "saved"); the tabs send no language
OLIVIA = "kp_demo_olivia"
OLIVIA_LOADED = "Olivia Owens"
PROBE_DIR = Path(__file__).resolve().parent / "loopprobe"


def _saver(i: int) -> tuple[str, str, str]:
    """The i-th saver's user id, given name and family name (a save alternates it with + " B")."""
    return f"kp_bench_saver_{i:03d}", "Tab", f"Saver {i:03d}"


class SavingTab(Tab):
    """A Tab that can send an event and wait for the update carrying a given text."""

    def emit(self, name: str, payload: dict) -> None:
        from engineio import packet as eio
        from socketio import packet as sio

        event = {"name": name, "payload": payload, "router_data": {"pathname": self.pathname, "asPath": self.pathname}}
        self._send(eio.Packet(eio.MESSAGE, data=sio.Packet(sio.EVENT, data=["event", event],
                                                           namespace="/_event").encode()).encode())

    async def wait_for(self, text: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            try:
                message = await self._receive(left)
            except asyncio.TimeoutError:
                return False
            if text in message:
                return True
        return False

    def drain(self) -> None:
        while not self.inbox.empty():
            self.inbox.get_nowait()


def _seed_savers(engine, count: int) -> None:
    """`count` users, each an Acme member with the Viewer role (with sort keys, as the portal writes them)."""
    from sqlalchemy import insert, select

    from portal_ui.demo.personas import DEMO_ORG_CODE
    from portal_ui.domain.clock import utcnow
    from portal_ui.domain.member_list import sync_member_sort_keys
    from portal_ui.models import MemberRole, Membership, Role, User

    now = utcnow()
    users = [{"id": uid, "given_name": given, "family_name": family, "email": f"{uid}@bench.example",
              "created_on": now} for uid, given, family in map(_saver, range(count))]
    with engine.begin() as conn:
        viewer = conn.execute(select(Role.id).where(Role.key == "viewer")).scalar_one()
        conn.execute(insert(User.__table__), users)
        conn.execute(insert(Membership.__table__),
                     [{"org_code": DEMO_ORG_CODE, "user_id": u["id"], "joined_on": now} for u in users])
        ids = conn.execute(select(Membership.id).where(
            Membership.org_code == DEMO_ORG_CODE, Membership.user_id.in_([u["id"] for u in users]))).scalars().all()
        sync_member_sort_keys(conn, membership_ids=ids)
        conn.execute(insert(MemberRole.__table__), [{"membership_id": m, "role_id": viewer, "granted_on": now}
                                                    for m in ids])


def _session_cookies(portal, user_ids: list[str]) -> list[str]:
    """A live portal session per user id, each from its own redeemed one-time link (as
    bench/connected_sessions.py makes them: the domain functions, in-process)."""
    from portal_ui.db import session_scope
    from portal_ui.demo.personas import DEMO_ORG_CODE
    from portal_ui.domain.audit import Actor
    from portal_ui.domain.links import create_link, redeem_link
    from portal_ui.domain.sessions import SESSION_COOKIE, start_session

    settings = portal_settings(portal)
    engine = portal_engine(portal)
    actor = Actor(type="m2m", id="bench")
    cookies: list[str] = []
    try:
        with session_scope(engine) as db:
            for user_id in user_ids:
                url = create_link(db, settings, user_id=user_id, org_code=DEMO_ORG_CODE, sub_nav="profile", actor=actor)
                link = redeem_link(db, parse_qs(urlsplit(url).query)["key"][0])
                token = start_session(db, settings, link, client_ip="127.0.0.1", user_agent="bench concurrent tabs")
                cookies.append(f"{SESSION_COOKIE}={token}")
    finally:
        engine.dispose()
    return cookies


async def _open(url: str, cookies: list[str], loaded: list[str], hydrate_event: str) -> tuple[list[SavingTab], list[float]]:
    parts = urlsplit(url)
    gate = asyncio.Semaphore(OPENING)
    tabs = [SavingTab(parts.hostname, parts.port, cookie, hydrate_event, PATHNAME, text)
            for cookie, text in zip(cookies, loaded)]

    async def open_one(tab: SavingTab) -> float:
        async with gate:
            return await tab.open()

    return tabs, list(await asyncio.gather(*(open_one(tab) for tab in tabs)))


async def _save_round(tab: SavingTab, i: int, k: int, save_event: str) -> float | None:
    """One click → toast (ms), or None if no toast came within ANSWER_TIMEOUT."""
    _uid, given, family = _saver(i)
    tab.drain()
    started = time.perf_counter()
    tab.emit(save_event, {"form": {"given_name": given, "family_name": family + (" B" if k % 2 == 0 else "")}})
    if not await tab.wait_for(SAVED, ANSWER_TIMEOUT):
        return None
    return (time.perf_counter() - started) * 1000


async def _drive(url: str, idle_cookies: list[str], saver_cookies: list[str], hydrate_event: str,
                 save_event: str, seconds: float) -> dict:
    """Open the tabs, idle a while, one warm-up save each, then the measured saves."""
    idle, idle_open = await _open(url, idle_cookies, [OLIVIA_LOADED] * len(idle_cookies), hydrate_event)
    savers, saver_open = await _open(url, saver_cookies, [f"{g} {f}" for _u, g, f in map(_saver, range(len(saver_cookies)))],
                                     hydrate_event)
    out: dict = {"open_ms": stats(idle_open + saver_open)}
    try:
        await asyncio.sleep(2)
        out["idle_window"] = (time.time(), time.time() + IDLE_SECONDS)
        await asyncio.sleep(IDLE_SECONDS + GAP)
        warm_started = time.time()
        warm = await asyncio.gather(*(_save_round(tab, i, 0, save_event) for i, tab in enumerate(savers)))
        if any(w is None for w in warm):
            raise RuntimeError(f"{sum(w is None for w in warm)} of {len(warm)} warm-up saves got no toast")
        out["warmup_window"] = (warm_started, time.time())
        await asyncio.sleep(GAP)
        latencies: list[float] = []
        failed = 0
        started_wall, started = time.time(), time.monotonic()
        deadline = started + seconds

        async def loop(i: int, tab: SavingTab) -> None:
            nonlocal failed
            k = 1  # the warm-up's was 0: every save changes the name
            while time.monotonic() < deadline:
                ms = await _save_round(tab, i, k, save_event)
                k += 1
                if ms is None:
                    failed += 1
                else:
                    latencies.append(ms)
                await asyncio.sleep(PAUSE)

        await asyncio.gather(*(loop(i, tab) for i, tab in enumerate(savers)))
        elapsed = time.monotonic() - started
        await asyncio.sleep(GAP)  # the tabs' disconnects (below) fall outside the measured window
        out.update({"save_window": (started_wall, started_wall + elapsed), "latencies": latencies, "failed": failed,
                    "elapsed": elapsed, "saves_total": len(warm) + len(latencies)})
        lost = [tab for tab in idle + savers if tab.error is not None]
        if lost:
            raise RuntimeError(f"{len(lost)} of {len(idle) + len(savers)} connections were lost, e.g. {lost[0].error!r}")
    finally:
        for tab in idle + savers:
            await tab.close()
    return out


def _loop_lag(probe_dir: Path, window: tuple[float, float]) -> dict:
    """The probe's samples (bench/loopprobe/) written during `window` (wall clock): per loop and overall."""
    from collections import Counter

    low, high = window
    loops, every, stacks, gc_worst = [], [], Counter(), {}
    for path in sorted(probe_dir.glob("loop-*.jsonl")):
        samples, worst = [], 0.0
        for line in path.read_text().splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if record.get("t0", record["t"]) <= high and record["t"] >= low:  # a line covers [t0, t]
                samples += record["late_ms"]
                worst = max(worst, record["max_ms"])
                stacks.update(record.get("stacks") or {})
                for generation, ms in (record.get("gc_ms") or {}).items():
                    gc_worst[generation] = max(gc_worst.get(generation, 0.0), ms)
        if samples:
            loops.append({"file": path.name, "samples": len(samples), "max_ms": worst,
                          "p99_ms": percentile(samples, 99)})
            every += samples
    return {"loops": loops, "max_ms": max((lp["max_ms"] for lp in loops), default=float("nan")),
            "p99_ms": percentile(every, 99), "samples": len(every), "gc_longest_ms": gc_worst,
            "stall_stacks": dict(stacks.most_common(15)), "stall_stack_samples": sum(stacks.values())}


def _count_updates(portal) -> int:
    from sqlalchemy import text

    engine = portal_engine(portal)
    try:
        with engine.connect() as conn:
            return conn.execute(text("SELECT count(*) FROM audit_events WHERE action = 'user.updated' "
                                     "AND target_id LIKE 'kp_bench_saver_%'")).scalar()
    finally:
        engine.dispose()


def _measure(portal, probe_dir: Path, tabs: int, savers: int, seconds: float) -> dict:
    import reflex as rx
    from reflex_base.utils.format import format_event_handler

    from portal_ui.ui.state.profile import ProfileState

    hydrate_event = format_event_handler(rx.State.event_handlers["hydrate_and_load"])
    save_event = format_event_handler(ProfileState.event_handlers["save_profile"])
    engine = portal_engine(portal)
    try:
        _seed_savers(engine, savers)
    finally:
        engine.dispose()
    idle_cookies = _session_cookies(portal, [OLIVIA] * (tabs - savers))
    saver_cookies = _session_cookies(portal, [_saver(i)[0] for i in range(savers)])
    out = asyncio.run(_drive(portal.url, idle_cookies, saver_cookies, hydrate_event, save_event, seconds))
    time.sleep(1.5)  # the probes' last lines
    out["stall"] = _loop_lag(probe_dir, out["save_window"])
    out["stall_idle"] = _loop_lag(probe_dir, out["idle_window"])
    out["stall_warmup"] = _loop_lag(probe_dir, out["warmup_window"])
    stored = _count_updates(portal)
    if stored != out["saves_total"]:
        raise RuntimeError(f"{out['saves_total']} saves answered but {stored} user.updated events stored")
    out["toast_ms"] = stats(out["latencies"])
    out["toast_ms"]["p99"] = percentile(out["latencies"], 99)
    out["saves_per_second"] = len(out["latencies"]) / out["elapsed"]
    out["latencies"] = [round(v, 2) for v in out["latencies"]]
    return out


def _probe_env(probe_dir: Path) -> dict[str, str]:
    path = os.environ.get("PYTHONPATH")
    return {"BENCH_LOOPPROBE_DIR": str(probe_dir), "PYTHONPATH": f"{PROBE_DIR}{os.pathsep + path if path else ''}"}


def _print(label: str, d: dict) -> None:
    t, s, idle, warm = d["toast_ms"], d["stall"], d["stall_idle"], d["stall_warmup"]
    print(f"  {label}: {t['n']} saves ({d['saves_per_second']:.0f}/s, {d['failed']} failed): click → toast "
          f"p50 {t['median']:.1f}, p95 {t['p95']:.1f}, p99 {t['p99']:.1f}, max {t['max']:.1f} ms; "
          f"longest loop stall {s['max_ms']:.1f} ms (idle before: {idle['max_ms']:.1f} ms, "
          f"first save of each tab: {warm['max_ms']:.1f} ms); longest garbage collection by generation: "
          f"{s['gc_longest_ms']}", flush=True)
    for lp in s["loops"]:
        print(f"    {lp['file']}: {lp['samples']} samples, max {lp['max_ms']:.1f} ms, p99 {lp['p99_ms']:.1f} ms")
    if s["stall_stack_samples"]:
        print(f"    where the loops were busy while late ({s['stall_stack_samples']} stack samples; top 6):")
        for stack, count in list(s["stall_stacks"].items())[:6]:
            print(f"      {count:5d}  {stack[:400]}")


def run() -> Result:
    tabs, savers, seconds = (QUICK_TABS, QUICK_SAVERS, QUICK_SECONDS) if quick_mode() else (TABS, SAVERS, SECONDS)
    setups = (("embedded", "embedded (1 Uvicorn process, SQLite)"),
              ("scaled", f"scaled ({WORKERS} Granian workers, PostgreSQL + Redis)"))
    started = time.monotonic()
    details: dict = {"tabs": tabs, "savers": savers, "seconds": seconds, "pause_s": PAUSE, "pathname": PATHNAME,
                     "probe_options": {k: v for k, v in os.environ.items() if k.startswith("BENCH_LOOPPROBE_")}}
    with tempfile.TemporaryDirectory(prefix="bench-tabs-") as tmp:
        tmp_path = Path(tmp)
        for setup, label in setups:
            (tmp_path / setup).mkdir()
            probe_dir = tmp_path / f"probe-{setup}"
            probe_dir.mkdir()
            with ExitStack() as stack:
                extra = _probe_env(probe_dir)
                if setup == "scaled":
                    if not service_up("127.0.0.1", 6379):
                        raise RuntimeError("Redis is not reachable at 127.0.0.1:6379; start it with `make services`")
                    extra.update(REFLEX_DB_URL=stack.enter_context(scaled_database()), REFLEX_REDIS_URL=REDIS_URL,
                                 GRANIAN_WORKERS=str(WORKERS))
                portal = stack.enter_context(run_portal(tmp_path / setup, **extra))
                details[setup] = _measure(portal, probe_dir, tabs, savers, seconds)
            _print(label, details[setup])

    rows = []  # single figures (p99, longest stall, rate) stand in the median column
    for setup, label in setups:
        d = details[setup]
        t, s = d["toast_ms"], d["stall"]
        ok = d["failed"] == 0
        rows += [
            Row(f"{label}: click Save → 'Profile saved.' toast", "ms", t["median"], t["p95"],
                target=f"p95 < {TARGET_P95_MS} ms", met=ok and t["p95"] < TARGET_P95_MS, n=t["n"]),
            Row(f"{label}: click Save → toast, p99", "ms", t["p99"], None),
            Row(f"{label}: longest event-loop stall", "ms", s["max_ms"], None,
                target=f"< {TARGET_STALL_MS} ms", met=s["max_ms"] < TARGET_STALL_MS),
            Row(f"{label}: event-loop lateness, p99", "ms", s["p99_ms"], None, n=s["samples"]),
            Row(f"{label}: saves per second", "saves/s", d["saves_per_second"], None),
        ]
    return Result(NAME, TITLE, rows, details, time.monotonic() - started)
