"""Benchmark 3, link API throughput: successful `POST /api/v1/portal/generate_url` per second, for
the portal and for its floor (bench/api_floor.py: JWT check + one insert, same database, same
server and worker count), in two setups:

- one worker: the default single machine (SQLite, one Uvicorn process, in-memory rate counters);
- scaled: PostgreSQL + Redis (state and rate counters) + GRANIAN_WORKERS=3 (Granian), as
  tests/ui/test_scale_out.py.

The client is an async httpx client on loopback keeping CONCURRENCY requests in flight for a
fixed time. Portal and floor take turns in slices (portal, floor, portal, floor …) so both see
the same background load; a short unmeasured warm-up precedes each.

Rate limits: the portal allows 120 links a minute per client IP and 600 per M2M client, which a
throughput run from one address trips within a second. The portal under test is started with
`PORTAL_RATE_LIMITS=link:ip=1000000/minute,link:client=1000000/minute` (settings.py): the limiter
still counts every request exactly as in production (memory or Redis), only the ceiling is out of
reach. (Spreading the load over many client ids and loopback addresses would work too, but needs
one address per 120 requests a minute.)
"""

from __future__ import annotations

import asyncio
import subprocess
import tempfile
import time
from collections import Counter
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from bench.common import (ROOT, Portal, Result, Row, free_port, portal_settings, python, quick_mode, run_portal,
                          scaled_portal, stats, wait_for_http)
from portal_ui.process_group import stop_process_group

NAME = "link_api_throughput"
TITLE = "Link API throughput"
CONCURRENCY = 16
SLICE_SECONDS = 10.0
SLICES = 2  # per target and setup
WARMUP_SECONDS = 2.0
WORKERS = 3
TARGET_SHARE = 0.5
BENCH_LIMITS = "link:ip=1000000/minute,link:client=1000000/minute"
BODY = b'{"user_id": "kp_demo_olivia", "organization_code": "org_demo_acme", "sub_nav": "organization_details"}'


@contextmanager
def run_api_floor(portal: Portal, tmp: Path, workers: int) -> Iterator[str]:
    """bench/api_floor.py on a free port, against the portal's database and signing key."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**portal.env, "PYTHONPATH": str(ROOT)}
    log_path = tmp / f"api_floor_{workers}.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen([python(), "-m", "bench.api_floor", "--port", str(port), "--workers", str(workers)],
                                cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for_http(f"{url}/ping", proc, log_path, timeout=60)
        yield url
    finally:
        stop_process_group(proc)


async def _hammer(url: str, token: str, seconds: float) -> tuple[list[float], Counter, float]:
    """Keep CONCURRENCY requests in flight for `seconds`: latencies (ms) of 200s, status counts, elapsed."""
    import httpx

    latencies: list[float] = []
    statuses: Counter = Counter()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:
        started = time.perf_counter()
        deadline = started + seconds

        async def worker() -> None:
            while time.perf_counter() < deadline:
                sent = time.perf_counter()
                try:
                    response = await client.post("/api/v1/portal/generate_url", content=BODY, headers=headers)
                    status = response.status_code
                except httpx.HTTPError as exc:
                    status = type(exc).__name__
                statuses[status] += 1
                if status == 200:
                    latencies.append((time.perf_counter() - sent) * 1000)

        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        elapsed = time.perf_counter() - started
    return latencies, statuses, elapsed


def _compare(portal_url: str, floor_url: str, token: str) -> dict:
    slices, seconds = (1, 3.0) if quick_mode() else (SLICES, SLICE_SECONDS)
    totals = {"portal": {"lat": [], "status": Counter(), "elapsed": 0.0},
              "floor": {"lat": [], "status": Counter(), "elapsed": 0.0}}
    for kind, url in (("portal", portal_url), ("floor", floor_url)):
        asyncio.run(_hammer(url, token, WARMUP_SECONDS))
    for _ in range(slices):
        for kind, url in (("portal", portal_url), ("floor", floor_url)):
            lat, status, elapsed = asyncio.run(_hammer(url, token, seconds))
            totals[kind]["lat"] += lat
            totals[kind]["status"] += status
            totals[kind]["elapsed"] += elapsed
    out = {}
    for kind, t in totals.items():
        ok = t["status"].get(200, 0)
        out[kind] = {"rps": ok / t["elapsed"], "latency_ms": stats(t["lat"]), "seconds": round(t["elapsed"], 1),
                     "statuses": {str(k): v for k, v in t["status"].items()}}
    return out


def _measure(portal: Portal, tmp: Path, workers: int) -> dict:
    from portal_ui import db
    from portal_ui.domain.audit import Actor
    from portal_ui.domain.m2m import create_m2m_app
    from portal_ui.tokens.issue import mint_m2m_token

    settings = portal_settings(portal)
    with db.session_scope(db.engine_for(settings.db_url)) as session:  # the portal checks the app is its own
        client_id, _secret = create_m2m_app(session, name="bench-throughput", scopes=["create:portal_links"],
                                            actor=Actor.system("bench"))
    token = mint_m2m_token(settings, client_id, ["create:portal_links"])
    with run_api_floor(portal, tmp, workers) as floor_url:
        return _compare(portal.url, floor_url, token)


def run() -> Result:
    started = time.monotonic()
    details: dict = {"concurrency": CONCURRENCY, "slice_seconds": SLICE_SECONDS, "slices": SLICES,
                     "rate_limits": BENCH_LIMITS}
    with tempfile.TemporaryDirectory(prefix="bench-api-") as tmp:
        tmp_path = Path(tmp)
        (tmp_path / "one").mkdir()
        with run_portal(tmp_path / "one", PORTAL_RATE_LIMITS=BENCH_LIMITS) as portal:
            details["one_worker"] = _measure(portal, tmp_path, 1)
        (tmp_path / "scaled").mkdir()
        with scaled_portal(tmp_path / "scaled", WORKERS, PORTAL_RATE_LIMITS=BENCH_LIMITS) as portal:
            details["scaled"] = _measure(portal, tmp_path, WORKERS)

    rows = []
    for setup, label in (("one_worker", "1 worker, SQLite"), ("scaled", f"{WORKERS} workers, PostgreSQL + Redis")):
        d = details[setup]
        p, f = d["portal"], d["floor"]
        share = p["rps"] / f["rps"] if f["rps"] else float("nan")
        d["share_of_floor"] = share
        rows += [
            Row(f"portal, {label}: rate", "req/s", p["rps"], None, n=p["latency_ms"]["n"]),
            Row(f"portal, {label}: latency", "ms", p["latency_ms"]["median"], p["latency_ms"]["p95"]),
            Row(f"floor, {label}: rate", "req/s", f["rps"], None, n=f["latency_ms"]["n"]),
            Row(f"floor, {label}: latency", "ms", f["latency_ms"]["median"], f["latency_ms"]["p95"]),
            Row(f"portal rate / floor rate, {label}", "%", share * 100, None, target=f"≥ {TARGET_SHARE:.0%}",
                met=share >= TARGET_SHARE),
        ]
    return Result(NAME, TITLE, rows, details, time.monotonic() - started)
