"""Shared by the benchmarks: figures (median, p95), the results file, Chromium, servers and /proc.

Servers come from tests/ui/conftest.py's `run_portal` (migrated, demo-seeded, built and served
with `reflex run --env prod --single-port` exactly as the browser tests run it), so a benchmark
measures the same app the tests check.
"""

from __future__ import annotations

import json
import math
import os
import platform
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator, Sequence

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"

from tests.ui.conftest import CHROMIUM, CHROMIUM_ARGS, REFLEX_ENV, Portal, run_portal  # noqa: E402

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "REFLEX_ENV", "Portal", "run_portal", "Row", "Result", "stats",
           "free_port", "wait_for_http", "tree_rss_kb", "scaled_database", "quick_mode", "PG_ADMIN_URL",
           "REDIS_URL", "service_up", "scaled_portal"]

PG_ADMIN_URL = os.environ.get("PORTAL_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_URL = "redis://127.0.0.1:6379/0"


def quick_mode() -> bool:
    """`python -m bench --quick` (BENCH_QUICK=1): few iterations, for developing the benchmarks."""
    return os.environ.get("BENCH_QUICK") == "1"


# ---- figures ----------------------------------------------------------------------------------

def percentile(values: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), linear interpolation between closest ranks."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    pos = (len(ordered) - 1) * q / 100
    low, high = math.floor(pos), math.ceil(pos)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


def stats(values: Sequence[float]) -> dict:
    return {"n": len(values), "median": percentile(values, 50), "p95": percentile(values, 95),
            "min": min(values) if values else math.nan, "max": max(values) if values else math.nan}


@dataclass
class Row:
    """One line of a benchmark's table: a measured figure and its target."""

    label: str
    unit: str
    median: float
    p95: float | None = None
    target: str = ""  # as written in the issue, e.g. "< 100 ms"
    met: bool | None = None  # None: a figure shown for context, without a target
    n: int | None = None


@dataclass
class Result:
    name: str
    title: str
    rows: list[Row] = field(default_factory=list)
    details: dict = field(default_factory=dict)
    seconds: float = 0.0


def _fmt(value: float | None, unit: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if unit in ("×", "x"):
        return f"{value:.2f}×"
    if abs(value) >= 100:
        return f"{value:,.0f} {unit}"
    return f"{value:.1f} {unit}"


def print_result(result: Result) -> None:
    print(f"\n== {result.title} ({result.name}, {result.seconds:.0f} s)")
    width = max([len(r.label) for r in result.rows] + [10])
    for r in result.rows:
        met = "" if r.met is None else ("met" if r.met else "MISSED")
        print(f"  {r.label:<{width}}  median {_fmt(r.median, r.unit):>12}  p95 {_fmt(r.p95, r.unit):>12}"
              f"  target {r.target or '–':<12} {met}")


def markdown_rows(result: Result) -> list[str]:
    out = []
    for r in result.rows:
        met = "–" if r.met is None else ("yes" if r.met else "**no**")
        out.append(f"| {result.title} | {r.label} | {_fmt(r.median, r.unit)} | {_fmt(r.p95, r.unit)} | "
                   f"{r.target or '–'} | {met} |")
    return out


def machine() -> dict:
    load1, load5, _ = os.getloadavg()
    return {"host": platform.node(), "cores": os.cpu_count(), "python": platform.python_version(),
            "load_1m": round(load1, 2), "load_5m": round(load5, 2)}


def write_result(result: Result, run_id: str) -> Path:
    """Append the result as one JSON line to bench/results/<name>.jsonl (git-ignored)."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{result.name}.jsonl"
    line = {"bench": result.name, "run": run_id, "at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "quick": quick_mode(), "machine": machine(), "seconds": round(result.seconds, 1),
            "rows": [asdict(r) for r in result.rows], "details": result.details}
    with open(path, "a") as handle:
        handle.write(json.dumps(line, default=str) + "\n")
    return path


# ---- servers ----------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_http(url: str, proc: subprocess.Popen, log: Path, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[:4]} exited with {proc.returncode}; see {log}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f}s; see {log}")


def service_up(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


@contextmanager
def scaled_database() -> Iterator[str]:
    """The URL of a fresh PostgreSQL database (created by the portal's migrate), dropped afterwards."""
    from sqlalchemy import create_engine, text

    if not service_up("127.0.0.1", 5432):
        raise RuntimeError("PostgreSQL is not reachable at 127.0.0.1:5432; start it with `make services`")
    name = f"portal_bench_{uuid.uuid4().hex[:10]}"
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        yield url
    finally:
        from portal_ui import db

        db.engine_for.cache_clear()
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def scaled_portal(tmp: Path, workers: int, **extra_env: str) -> Iterator[Portal]:
    """The scaled setup: a fresh PostgreSQL database, Redis and `workers` Granian workers."""
    if not service_up("127.0.0.1", 6379):
        raise RuntimeError("Redis is not reachable at 127.0.0.1:6379; start it with `make services`")
    with scaled_database() as url:
        with run_portal(tmp, REFLEX_DB_URL=url, REFLEX_REDIS_URL=REDIS_URL, GRANIAN_WORKERS=str(workers),
                        **extra_env) as portal:
            yield portal


def portal_engine(portal: Portal):
    """An engine on the running portal's own database (links and sessions made in bulk, in-process)."""
    from portal_ui.db import make_engine

    return make_engine(portal.env["REFLEX_DB_URL"])


def portal_settings(portal: Portal):
    from portal_ui.settings import Settings

    return Settings.from_env(portal.env)


# ---- memory -----------------------------------------------------------------------------------

def _children(pid: int) -> list[int]:
    out: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as handle:
                out += [int(c) for c in handle.read().split()]
    except OSError:
        pass
    return out


def process_tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        todo += _children(current)
    return pids


def rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status") as handle:
            for line in handle:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def tree_rss_kb(pid: int) -> dict[int, int]:
    """VmRSS in KB of `pid` and every descendant (the server, its supervisor and workers)."""
    return {p: rss_kb(p) for p in process_tree(pid)}


def python() -> str:
    return sys.executable
