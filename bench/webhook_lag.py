"""Benchmark 7, webhook delivery lag: from the commit of a change to the receipt of its webhook, with
changes arriving at 50 a second, in two setups:

- embedded: the default single machine (SQLite, one Uvicorn process), its in-server worker woken
  by the commit;
- scaled: PostgreSQL + Redis + GRANIAN_WORKERS=3, a worker in each Granian process, woken by
  PostgreSQL's NOTIFY.

The portal is started as the browser tests start it (tests/ui/conftest.py `run_portal`). One
endpoint on a receiver in this process (a threaded HTTP server on loopback) subscribes to
`user.created`, signed with Standard Webhooks; the demo's own endpoint is deleted first, so only the
measured deliveries are sent. The client creates users through `POST /api/v1/user` at 50 a second
(each request sent on its schedule, whether or not the one before has been answered) for DURATION
seconds after an unmeasured warm-up.

Lag per event: receipt time minus the event's `event_timestamp`, which the change's transaction
writes just before it commits, so the figure includes the commit itself. Every created user's
event must arrive, once; the run fails otherwise.
"""

from __future__ import annotations

import asyncio
import json
import tempfile
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

from bench.common import Portal, Result, Row, quick_mode, run_portal, scaled_portal, stats

NAME = "webhook_lag"
TITLE = "Webhook delivery lag"
RATE = 50.0  # events per second
DURATION = 30.0
QUICK_DURATION = 4.0
WARMUP = 2.0
WORKERS = 3
SETTLE = 30.0  # seconds to wait for the last deliveries


class _Receiver(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # the worker sends a batch at once; the default backlog (5) refuses some

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.lock = threading.Lock()
        self.received: list[tuple[float, dict]] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hook"


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802 - the standard library's name
        at = time.time()
        body = self.rfile.read(int(self.headers.get("content-length", 0)))
        with self.server.lock:
            self.server.received.append((at, json.loads(body)))
        self.send_response(200)
        self.send_header("content-length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


def _token(portal: Portal) -> str:
    out = portal.cli("m2m", "create", "--name", "bench-webhooks", "--scopes", "create:users", "create:webhooks",
                     "read:webhooks", "delete:webhooks")
    values = {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in out.splitlines())}
    client_id, secret = values["client_id"], values["client_secret"]
    resp = httpx.post(f"{portal.url}/oauth2/token", data={"grant_type": "client_credentials", "client_id": client_id,
                                                          "client_secret": secret})
    resp.raise_for_status()
    return resp.json()["access_token"]


async def _drive(url: str, headers: dict, seconds: float, tag: str) -> list[str]:
    """Create users at RATE per second for `seconds`; the ids of those created."""
    created: list[str] = []
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as client:
        async def one(i: int) -> None:
            resp = await client.post("/api/v1/user", json={"profile": {"given_name": tag, "family_name": str(i)}})
            if resp.status_code == 200:
                created.append(resp.json()["id"])

        start = time.monotonic()
        tasks = []
        for i in range(int(seconds * RATE)):
            delay = start + i / RATE - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(i)))
        await asyncio.gather(*tasks)
    return created


def _measure(portal: Portal) -> dict:
    headers = {"Authorization": f"Bearer {_token(portal)}"}
    receiver = _Receiver()
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    try:
        for hook in httpx.get(f"{portal.url}/api/v1/webhooks", headers=headers).json()["webhooks"]:
            httpx.delete(f"{portal.url}/api/v1/webhooks/{hook['id']}", headers=headers).raise_for_status()
        httpx.post(f"{portal.url}/api/v1/webhooks", headers=headers,
                   json={"endpoint": receiver.url, "event_types": ["user.created"], "name": "bench",
                         "signing": "standard"}).raise_for_status()
        asyncio.run(_drive(portal.url, headers, WARMUP, "warmup"))
        time.sleep(2)
        with receiver.lock:
            receiver.received.clear()
        seconds = QUICK_DURATION if quick_mode() else DURATION
        started = time.monotonic()
        created = asyncio.run(_drive(portal.url, headers, seconds, "measured"))
        achieved = len(created) / (time.monotonic() - started)
        deadline = time.monotonic() + SETTLE
        while time.monotonic() < deadline:
            with receiver.lock:
                if len(receiver.received) >= len(created):
                    break
            time.sleep(0.2)
        time.sleep(1)  # a repeated delivery would arrive now
        hook_id = httpx.get(f"{portal.url}/api/v1/webhooks", headers=headers).json()["webhooks"][0]["id"]
        unsent = httpx.get(f"{portal.url}/api/v1/webhooks/{hook_id}/deliveries?status=pending&page_size=5",
                           headers=headers).json()["deliveries"]
    finally:
        receiver.shutdown()
    with receiver.lock:
        events = [(at, body) for at, body in receiver.received if body["data"]["user"]["id"] in set(created)]
    ids = [body["data"]["user"]["id"] for _, body in events]
    if sorted(ids) != sorted(created):
        raise RuntimeError(f"{len(created)} users created, {len(ids)} webhooks received ({len(set(ids))} distinct); "
                           f"pending: {[(d['attempt_count'], d['last_error'][:80]) for d in unsent]}")
    lags = [(at - datetime.fromisoformat(body["event_timestamp"]).timestamp()) * 1000 for at, body in events]
    return {"events": len(created), "rate": achieved, "lag_ms": stats(lags)}


def run() -> Result:
    started = time.monotonic()
    details: dict = {"target_rate": RATE}
    with tempfile.TemporaryDirectory(prefix="bench-webhooks-") as tmp:
        tmp_path = Path(tmp)
        (tmp_path / "embedded").mkdir()
        with run_portal(tmp_path / "embedded") as portal:
            details["embedded"] = _measure(portal)
        (tmp_path / "scaled").mkdir()
        with scaled_portal(tmp_path / "scaled", WORKERS) as portal:
            details["scaled"] = _measure(portal)
    rows = []
    for setup, label in (("embedded", "embedded (1 Uvicorn process, SQLite)"),
                         ("scaled", f"scaled ({WORKERS} Granian workers, PostgreSQL + Redis)")):
        d = details[setup]
        rows += [Row(f"{label}: commit → receipt at {RATE:.0f} events/s", "ms", d["lag_ms"]["median"],
                     d["lag_ms"]["p95"], n=d["events"]),
                 Row(f"{label}: events per second sent", "events/s", d["rate"])]
    return Result(NAME, TITLE, rows, details, time.monotonic() - started)
