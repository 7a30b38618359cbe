"""Benchmark 4, connected sessions: resident memory of the portal's backend with 100, 500 and 1,000
idle connected portal sessions, and the cost per session in KB.

Each session is real: a one-time link made, redeemed and turned into a portal session with the
domain functions, in bulk, against the running portal's own database (what `/portal_redirect`
does, minus the HTTP round trip and the 60-a-minute redemption limit per IP). Each connection is
a tab as the browser opens it, from a swarm of asyncio socket.io clients over wsproto on
loopback (tests/ui/socket_tab.py does the same, blocking, for one tab): the websocket with its own
tab token and the session cookie, the socket.io CONNECT carrying the hydrate_and_load event for
/profile/, then the page's on_load, done when the shell names the user. Then it idles, answering
the server's engine.io pings.

Memory is VmRSS summed over the server's process tree (/proc), the median of five samples a
second apart after the swarm has settled. Per-session cost = (RSS with N sessions − RSS after a
warm-up with none connected) / N. The default single-machine setup: SQLite, one Uvicorn process
(portal_ui/serve.py), Reflex's default (disk) state manager.

The framework floor, in the same run and measured the same way (same Tab, levels, warm-up, settle
and sampling): bench/floor_app (a bare Reflex page whose on_load sets one var), built and served
like the portal (bench/link_to_content.py `run_floor_server`); its tabs hydrate "/" and are done
when the delta carries the on_load's `"ready"`; they need no cookie. Rows and details give both,
and the ratio portal / floor per level.

Where the memory goes (PORTAL_BENCH_TRACEMALLOC=<tabs>, default 200, 20 in quick mode; 0: off):
both servers run with bench/memprobe/ on their PYTHONPATH (a bench-only `sitecustomize`; nothing
in portal_ui/ changes), a thread in each worker that answers commands. After the last level is
measured (so the figures above are not perturbed), the worker is asked to malloc_trim (how much
of its RSS is free heap kept by glibc), then to start tracemalloc; <tabs> more tabs are opened,
and the worker reports every Python block allocated since and still alive (grouped by line,
caller and package), the object census difference by type, and the unique deep size of a few
sessions' state trees (by state class and attribute) and socket.io / engine.io objects. Per
session = that / <tabs>. Python heap only: what the server allocates outside it is not traced.
The traced figure overstates: it also holds what the tabs already connected re-allocated
meanwhile (each ping's task, timer and packet replace older ones), the more so the more tabs idle
underneath; the census difference is net of that (but counts only gc-tracked objects, shallow).
`python -m bench.connected_sessions profile [portal|floor] [tabs] [idle]` runs only that pass, for
one server, on top of `idle` untraced tabs (bench/results/connected_sessions_profile.jsonl).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path

from bench.common import (Result, Row, portal_engine, portal_settings, quick_mode, run_portal, stats,
                          tree_rss_kb)

NAME = "connected_sessions"
TITLE = "Connected sessions"
LEVELS = (100, 500, 1000)
QUICK_LEVELS = (20, 50)
OPENING = 20  # connections being opened at once
TARGET_KB = 100
PATHNAME = "/profile/"
LOADED = "Olivia Owens"  # the shell's user name: on_load has checked the session and filled the page
FLOOR_PATHNAME = "/"
FLOOR_LOADED = '"ready"'  # FloorState.data as its on_load sets it (a JSON string in the delta)
WARMUP_TABS = 5
PROBE_DIR = Path(__file__).resolve().parent / "memprobe"
PROFILE_FRAMES = 30


class Tab:
    """One browser tab's websocket, as asyncio + wsproto."""

    def __init__(self, host: str, port: int, cookie: str, hydrate_event: str, pathname: str = PATHNAME,
                 loaded: str = LOADED):
        self.host, self.port, self.cookie, self.hydrate_event = host, port, cookie, hydrate_event
        self.pathname, self.loaded = pathname, loaded
        self.inbox: asyncio.Queue[str] = asyncio.Queue()
        self.accepted = asyncio.Event()
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.pump_task: asyncio.Task | None = None
        self.error: BaseException | None = None

    async def open(self) -> float:
        """Connect, hydrate, wait for the page's on_load; ms it took."""
        from engineio import packet as eio
        from socketio import packet as sio
        from wsproto import ConnectionType, WSConnection
        from wsproto.events import Request

        started = time.perf_counter()
        self.ws = WSConnection(ConnectionType.CLIENT)
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(self.ws.send(Request(
            host=f"{self.host}:{self.port}", target=f"/_event/?EIO=4&transport=websocket&token={uuid.uuid4()}",
            extra_headers=[(b"cookie", self.cookie.encode())] if self.cookie else [])))
        self.pump_task = asyncio.create_task(self._pump())
        await asyncio.wait_for(self.accepted.wait(), 60)
        opened = await self._receive(60)
        if not opened.startswith("0"):
            raise ConnectionError(f"no engine.io OPEN: {opened[:80]!r}")
        auth = {"event": {"name": self.hydrate_event, "payload": {},
                          "router_data": {"pathname": self.pathname, "asPath": self.pathname}}}
        self._send(eio.Packet(eio.MESSAGE, data=sio.Packet(sio.CONNECT, data=auth, namespace="/_event").encode()).encode())
        deadline = time.monotonic() + 120
        while self.loaded not in await self._receive(deadline - time.monotonic()):
            pass
        return (time.perf_counter() - started) * 1000

    def _send(self, text: str) -> None:
        from wsproto.events import TextMessage

        self.writer.write(self.ws.send(TextMessage(data=text)))

    async def _receive(self, timeout: float) -> str:
        if self.error is not None:
            raise ConnectionError(f"connection lost: {self.error!r}")
        return await asyncio.wait_for(self.inbox.get(), max(timeout, 0.01))

    async def _pump(self) -> None:
        """Read frames for the tab's whole life; answer pings (websocket and engine.io)."""
        from wsproto.events import AcceptConnection, CloseConnection, Message, Ping, RejectConnection

        parts: list[str] = []
        try:
            while True:
                data = await self.reader.read(65536)
                if not data:
                    raise ConnectionError("the server closed the connection")
                self.ws.receive_data(data)
                for event in self.ws.events():
                    if isinstance(event, AcceptConnection):
                        self.accepted.set()
                    elif isinstance(event, RejectConnection):
                        raise ConnectionError(f"websocket refused ({event.status_code})")
                    elif isinstance(event, Ping):
                        self.writer.write(self.ws.send(event.response()))
                    elif isinstance(event, CloseConnection):
                        raise ConnectionError("the server closed the websocket")
                    elif isinstance(event, Message):
                        parts.append(event.data if isinstance(event.data, str) else event.data.decode())
                        if event.message_finished:
                            text, parts = "".join(parts), []
                            if text == "2":  # engine.io PING: a live tab answers PONG
                                self._send("3")
                            else:
                                self.inbox.put_nowait(text)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - reported by the next _receive or the final check
            self.error = exc
            self.inbox.put_nowait("")

    async def close(self) -> None:
        if self.pump_task:
            self.pump_task.cancel()
        if self.writer:
            self.writer.close()
            try:
                await self.writer.wait_closed()
            except Exception:  # noqa: BLE001 - closing anyway
                pass


def _make_session_cookies(portal, count: int) -> list[str]:
    """`count` live portal sessions for Olivia (Acme), each from its own redeemed one-time link."""
    from urllib.parse import parse_qs, urlsplit

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
        while len(cookies) < count:
            with session_scope(engine) as db:
                for _ in range(min(100, count - len(cookies))):
                    url = create_link(db, settings, user_id="kp_demo_olivia", org_code=DEMO_ORG_CODE,
                                      sub_nav="profile", actor=actor)
                    key = parse_qs(urlsplit(url).query)["key"][0]
                    link = redeem_link(db, key)
                    token = start_session(db, settings, link, client_ip="127.0.0.1", user_agent="bench swarm")
                    cookies.append(f"{SESSION_COOKIE}={token}")
    finally:
        engine.dispose()
    return cookies


def _settled_rss(pid: int) -> tuple[float, dict[int, int]]:
    """Median tree RSS (KB) of five samples a second apart, after a few quiet seconds."""
    time.sleep(5)
    samples = []
    for _ in range(5):
        per_process = tree_rss_kb(pid)
        samples.append(sum(per_process.values()))
        time.sleep(1)
    return statistics.median(samples), per_process


async def _open_tabs(server, cookies: list[str], hydrate_event: str, pathname: str = PATHNAME,
                     loaded: str = LOADED) -> tuple[list[Tab], list[float]]:
    from urllib.parse import urlsplit

    parts = urlsplit(server.url)
    gate = asyncio.Semaphore(OPENING)
    tabs = [Tab(parts.hostname, parts.port, cookie, hydrate_event, pathname, loaded) for cookie in cookies]

    async def open_one(tab: Tab) -> float:
        async with gate:
            return await tab.open()

    times = await asyncio.gather(*(open_one(tab) for tab in tabs))
    return tabs, list(times)


# ---- the in-worker probe (bench/memprobe/sitecustomize.py) --------------------------------------

_commands = itertools.count(1)


def _probe_env(probe_dir: Path | None) -> dict[str, str]:
    if probe_dir is None:
        return {}
    path = os.environ.get("PYTHONPATH")
    return {"BENCH_MEMPROBE_DIR": str(probe_dir),
            "PYTHONPATH": f"{PROBE_DIR}{os.pathsep + path if path else ''}"}


def _probe(probe_dir: Path, op: str, timeout: float = 600, **args) -> dict:
    """Send one command to the server's processes; the reply of the worker serving the tabs."""
    n = next(_commands)
    tmp = probe_dir / f"tmp-{n:03d}"
    tmp.write_text(json.dumps({"op": op, **args}))
    tmp.replace(probe_dir / f"cmd-{n:03d}.json")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        replies = []
        for path in probe_dir.glob(f"reply-{n:03d}-*.json"):
            try:
                replies.append(json.loads(path.read_text()))
            except (OSError, ValueError):
                pass
        errors = [r for r in replies if r.get("error")]
        if errors:
            raise RuntimeError(f"memory probe failed ({op}):\n{errors[0]['error']}")
        workers = [r for r in replies if r.get("app_found") and r.get("engineio_sockets")]
        if workers:
            return max(workers, key=lambda r: r["engineio_sockets"])
        time.sleep(0.5)
    raise RuntimeError(f"no worker answered the memory probe's {op!r} within {timeout:.0f}s")


async def _profile(server, probe_dir: Path, cookies: list[str], hydrate_event: str, pathname: str,
                   loaded: str, out: dict) -> dict:
    """malloc_trim, then tracemalloc over `len(cookies)` more tabs (see the module docstring); fills
    `out` as it goes, so a failure late in the pass keeps what came before."""
    out.update({"tabs": len(cookies), "frames": PROFILE_FRAMES})
    before_trim = await asyncio.to_thread(_settled_rss, server.pid)
    trim = await asyncio.to_thread(_probe, probe_dir, "trim")
    after_trim, _ = await asyncio.to_thread(_settled_rss, server.pid)
    out["trim"] = {"worker_rss_before_kb": trim["rss_before_trim_kb"], "worker_rss_after_kb": trim["rss_after_trim_kb"],
                   "tree_rss_before_kb": before_trim[0], "tree_rss_after_kb": after_trim}
    out["start"] = await asyncio.to_thread(_probe, probe_dir, "start", frames=PROFILE_FRAMES)
    tabs, times = await _open_tabs(server, cookies, hydrate_event, pathname, loaded)
    out["open_ms_traced"] = stats(times)
    await asyncio.sleep(5)
    try:
        out["report"] = await asyncio.to_thread(_probe, probe_dir, "report", sessions=3)
    finally:
        for tab in tabs:
            await tab.close()
    return out


def _print_profile(label: str, profile: dict) -> None:
    n = profile["tabs"]
    report = profile["report"]
    trim = profile["trim"]
    print(f"  {label}: malloc_trim(0) in the worker: RSS {trim['worker_rss_before_kb'] / 1024:,.1f} → "
          f"{trim['worker_rss_after_kb'] / 1024:,.1f} MB", flush=True)
    traced = report.get("tracemalloc")
    if traced:
        print(f"  {label}: tracemalloc over {n} more tabs: {traced['traced_bytes'] / n / 1024:,.1f} KB of live Python "
              f"blocks per session ({traced['blocks'] / n:,.0f} blocks)", flush=True)
        before, after = profile["start"]["smaps_rss_kb"], report["smaps_rss_kb"]
        grown = {k: (after.get(k, 0) - before.get(k, 0)) / n for k in ("[heap]", "anon", "file")}
        print(f"    worker RSS growth per traced tab by mapping (includes tracemalloc's own "
              f"{traced['tracemalloc_overhead_bytes'] / n / 1024:,.1f} KB/tab): "
              + ", ".join(f"{k} {v:,.1f} KB" for k, v in grown.items()), flush=True)
        for key, value in list(traced["by_package"].items())[:8]:
            print(f"      {value / n / 1024:8.1f} KB  {key}")
        print("    by first framework frame:")
        for key, value in list(traced["by_framework_frame"].items())[:12]:
            print(f"      {value / n / 1024:8.1f} KB  {key}")
    structures = report.get("structures") or {}
    if structures.get("state_tree_by_class_bytes"):
        print(f"    state tree: {statistics.median(structures['state_tree_unique_bytes']) / 1024:,.1f} KB unique per "
              f"session ({structures.get('state_tree_instances')} state instances); by class:")
        for key, value in list(structures["state_tree_by_class_bytes"].items())[:10]:
            print(f"      {value / 1024:8.1f} KB  {key}")
    if structures.get("socket_by_part_bytes"):
        for key, value in structures["socket_by_part_bytes"].items():
            print(f"      {value / 1024:8.1f} KB  {key}")
    if report.get("structures_error"):
        print(f"    structures: {report['structures_error']}")


async def _swarm(server, levels: tuple[int, ...], hydrate_event: str, cookies: list[str], pathname: str = PATHNAME,
                 loaded: str = LOADED, probe_dir: Path | None = None, profile_tabs: int = 0, label: str = "portal") -> dict:
    """`cookies`: WARMUP_TABS + levels[-1] (+ profile_tabs) of them, one per tab ("" for none)."""
    warm, _ = await _open_tabs(server, cookies[:WARMUP_TABS], hydrate_event, pathname, loaded)
    for tab in warm:
        await tab.close()
    base, base_processes = await asyncio.to_thread(_settled_rss, server.pid)
    out = {"baseline_kb": base, "baseline_processes_kb": base_processes, "levels": []}
    tabs: list[Tab] = []
    remaining = cookies[WARMUP_TABS:]
    for level in levels:
        opened, times = await _open_tabs(server, remaining[:level - len(tabs)], hydrate_event, pathname, loaded)
        remaining = remaining[level - len(tabs):]
        tabs += opened
        rss, per_process = await asyncio.to_thread(_settled_rss, server.pid)
        lost = [tab for tab in tabs if tab.error is not None]
        if lost:
            raise RuntimeError(f"{len(lost)} of {len(tabs)} connections were lost, e.g. {lost[0].error!r}")
        out["levels"].append({"sessions": level, "rss_kb": rss, "per_session_kb": (rss - base) / level,
                              "processes_kb": per_process, "open_ms": stats(times)})
        print(f"  {label} {level:>5} sessions: RSS {rss / 1024:,.1f} MB, {(rss - base) / level:,.1f} KB per session",
              flush=True)
    if probe_dir is not None and profile_tabs:
        out["profile"] = {}
        try:
            await _profile(server, probe_dir, remaining[:profile_tabs], hydrate_event, pathname, loaded, out["profile"])
            _print_profile(label, out["profile"])
        except Exception as exc:  # noqa: BLE001 - the measured figures above stand without it
            print(f"  {label}: memory profile failed: {exc!r}", flush=True)
            out["profile_error"] = repr(exc)
    for tab in tabs:
        await tab.close()
    return out


def _profile_tabs() -> int:
    value = os.environ.get("PORTAL_BENCH_TRACEMALLOC")
    if value is None:
        return 20 if quick_mode() else 200
    return int(value)


def run() -> Result:
    import reflex as rx
    from reflex_base.utils.format import format_event_handler

    from bench.link_to_content import run_floor_server

    levels = QUICK_LEVELS if quick_mode() else LEVELS
    profile_tabs = _profile_tabs()
    hydrate_event = format_event_handler(rx.State.event_handlers["hydrate_and_load"])
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench-sessions-") as tmp:
        tmp_path = Path(tmp)
        probe_dirs = {}
        for kind in ("portal", "floor"):
            probe_dirs[kind] = (tmp_path / f"probe-{kind}") if profile_tabs else None
            if profile_tabs:
                probe_dirs[kind].mkdir()
        with run_portal(tmp_path, **_probe_env(probe_dirs["portal"])) as portal:
            cookies = _make_session_cookies(portal, WARMUP_TABS + levels[-1] + profile_tabs)
            details = asyncio.run(_swarm(portal, levels, hydrate_event, cookies, probe_dir=probe_dirs["portal"],
                                         profile_tabs=profile_tabs, label="portal"))
        with run_floor_server(tmp_path, **_probe_env(probe_dirs["floor"])) as floor:
            floor_details = asyncio.run(_swarm(floor, levels, hydrate_event, [""] * (WARMUP_TABS + levels[-1] + profile_tabs),
                                               FLOOR_PATHNAME, FLOOR_LOADED, probe_dir=probe_dirs["floor"],
                                               profile_tabs=profile_tabs, label="floor "))
    rows = []
    for level in details["levels"]:
        kb = level["per_session_kb"]
        rows.append(Row(f"{level['sessions']:,} idle sessions: RSS per session", "KB", kb, None,
                        target=f"< {TARGET_KB} KB", met=kb < TARGET_KB))
    opening = [level["open_ms"] for level in details["levels"]]
    last = opening[-1]
    rows.append(Row(f"connect → on_load done, while opening (last {levels[-1] - levels[-2]:,})", "ms",
                    last["median"], last["p95"], n=last["n"]))
    ratios = []
    for level, floor_level in zip(details["levels"], floor_details["levels"]):
        rows.append(Row(f"floor: {floor_level['sessions']:,} idle sessions: RSS per session", "KB",
                        floor_level["per_session_kb"], None))
    for level, floor_level in zip(details["levels"], floor_details["levels"]):
        ratio = level["per_session_kb"] / floor_level["per_session_kb"] if floor_level["per_session_kb"] > 0 else None
        ratios.append({"sessions": level["sessions"], "portal_kb": level["per_session_kb"],
                       "floor_kb": floor_level["per_session_kb"], "ratio": ratio,
                       "above_floor_kb": level["per_session_kb"] - floor_level["per_session_kb"]})
        rows.append(Row(f"ratio portal / floor, {level['sessions']:,} sessions", "×",
                        ratio if ratio is not None else float("nan"), None))
    floor_last = floor_details["levels"][-1]["open_ms"]
    rows.append(Row(f"floor: connect → on_load done, while opening (last {levels[-1] - levels[-2]:,})", "ms",
                    floor_last["median"], floor_last["p95"], n=floor_last["n"]))
    details.update({"levels_requested": list(levels), "opening_at_once": OPENING, "pathname": PATHNAME,
                    "floor": floor_details, "floor_pathname": FLOOR_PATHNAME, "ratio_portal_floor": ratios,
                    "profile_tabs": profile_tabs})
    return Result(NAME, TITLE, rows, details, time.monotonic() - started)


def profile_only(kind: str = "portal", tabs: int = 100, idle: int = 100) -> dict:
    """Only the "where the memory goes" pass, for one server: `idle` untraced tabs, then `tabs` traced.

    `python -m bench.connected_sessions profile [portal|floor] [tabs] [idle]`; prints the summary and
    appends the details to bench/results/connected_sessions_profile.jsonl."""
    import reflex as rx
    from reflex_base.utils.format import format_event_handler

    from bench.common import RESULTS, machine
    from bench.link_to_content import run_floor_server

    hydrate_event = format_event_handler(rx.State.event_handlers["hydrate_and_load"])
    with tempfile.TemporaryDirectory(prefix="bench-sessions-") as tmp:
        probe_dir = Path(tmp) / f"probe-{kind}"
        probe_dir.mkdir()
        count = WARMUP_TABS + idle + tabs
        if kind == "portal":
            with run_portal(Path(tmp), **_probe_env(probe_dir)) as server:
                cookies = _make_session_cookies(server, count)
                details = asyncio.run(_swarm(server, (idle,), hydrate_event, cookies, probe_dir=probe_dir,
                                             profile_tabs=tabs, label=kind))
        else:
            with run_floor_server(Path(tmp), **_probe_env(probe_dir)) as server:
                details = asyncio.run(_swarm(server, (idle,), hydrate_event, [""] * count, FLOOR_PATHNAME, FLOOR_LOADED,
                                             probe_dir=probe_dir, profile_tabs=tabs, label=kind))
    RESULTS.mkdir(parents=True, exist_ok=True)
    with open(RESULTS / f"{NAME}_profile.jsonl", "a") as handle:
        handle.write(json.dumps({"bench": f"{NAME}_profile", "kind": kind, "machine": machine(),
                                 "details": details}, default=str) + "\n")
    return details


if __name__ == "__main__":
    import sys

    args = sys.argv[1:]
    if not args or args[0] != "profile":
        sys.exit("usage: python -m bench.connected_sessions profile [portal|floor] [tabs] [idle]")
    profile_only(args[1] if len(args) > 1 else "portal", *(int(a) for a in args[2:4]))
