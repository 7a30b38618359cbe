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
warm-up with none connected) / N. The default single-machine setup: SQLite, one Granian worker,
Reflex's default (disk) state manager.
"""

from __future__ import annotations

import asyncio
import json
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
WARMUP_TABS = 5


class Tab:
    """One browser tab's websocket, as asyncio + wsproto."""

    def __init__(self, host: str, port: int, cookie: str, hydrate_event: str):
        self.host, self.port, self.cookie, self.hydrate_event = host, port, cookie, hydrate_event
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
            extra_headers=[(b"cookie", self.cookie.encode())])))
        self.pump_task = asyncio.create_task(self._pump())
        await asyncio.wait_for(self.accepted.wait(), 60)
        opened = await self._receive(60)
        if not opened.startswith("0"):
            raise ConnectionError(f"no engine.io OPEN: {opened[:80]!r}")
        auth = {"event": {"name": self.hydrate_event, "payload": {},
                          "router_data": {"pathname": PATHNAME, "asPath": PATHNAME}}}
        self._send(eio.Packet(eio.MESSAGE, data=sio.Packet(sio.CONNECT, data=auth, namespace="/_event").encode()).encode())
        deadline = time.monotonic() + 120
        while LOADED not in await self._receive(deadline - time.monotonic()):
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


async def _open_tabs(portal, cookies: list[str], hydrate_event: str) -> tuple[list[Tab], list[float]]:
    from urllib.parse import urlsplit

    parts = urlsplit(portal.url)
    gate = asyncio.Semaphore(OPENING)
    tabs = [Tab(parts.hostname, parts.port, cookie, hydrate_event) for cookie in cookies]

    async def open_one(tab: Tab) -> float:
        async with gate:
            return await tab.open()

    times = await asyncio.gather(*(open_one(tab) for tab in tabs))
    return tabs, list(times)


async def _swarm(portal, levels: tuple[int, ...], hydrate_event: str) -> dict:
    cookies = _make_session_cookies(portal, WARMUP_TABS + levels[-1])
    warm, _ = await _open_tabs(portal, cookies[:WARMUP_TABS], hydrate_event)
    for tab in warm:
        await tab.close()
    base, base_processes = await asyncio.to_thread(_settled_rss, portal.pid)
    out = {"baseline_kb": base, "baseline_processes_kb": base_processes, "levels": []}
    tabs: list[Tab] = []
    remaining = cookies[WARMUP_TABS:]
    for level in levels:
        opened, times = await _open_tabs(portal, remaining[:level - len(tabs)], hydrate_event)
        remaining = remaining[level - len(tabs):]
        tabs += opened
        rss, per_process = await asyncio.to_thread(_settled_rss, portal.pid)
        lost = [tab for tab in tabs if tab.error is not None]
        if lost:
            raise RuntimeError(f"{len(lost)} of {len(tabs)} connections were lost, e.g. {lost[0].error!r}")
        out["levels"].append({"sessions": level, "rss_kb": rss, "per_session_kb": (rss - base) / level,
                              "processes_kb": per_process, "open_ms": stats(times)})
        print(f"  {level:>5} sessions: RSS {rss / 1024:,.1f} MB, {(rss - base) / level:,.1f} KB per session",
              flush=True)
    for tab in tabs:
        await tab.close()
    return out


def run() -> Result:
    import reflex as rx
    from reflex_base.utils.format import format_event_handler

    levels = QUICK_LEVELS if quick_mode() else LEVELS
    hydrate_event = format_event_handler(rx.State.event_handlers["hydrate_and_load"])
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="bench-sessions-") as tmp, run_portal(Path(tmp)) as portal:
        details = asyncio.run(_swarm(portal, levels, hydrate_event))
    rows = []
    for level in details["levels"]:
        kb = level["per_session_kb"]
        rows.append(Row(f"{level['sessions']:,} idle sessions: RSS per session", "KB", kb, None,
                        target=f"< {TARGET_KB} KB", met=kb < TARGET_KB))
    opening = [level["open_ms"] for level in details["levels"]]
    last = opening[-1]
    rows.append(Row(f"connect → on_load done, while opening (last {levels[-1] - levels[-2]:,})", "ms",
                    last["median"], last["p95"], n=last["n"]))
    details.update({"levels_requested": list(levels), "opening_at_once": OPENING, "pathname": PATHNAME})
    return Result(NAME, TITLE, rows, details, time.monotonic() - started)
