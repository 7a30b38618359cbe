"""The delivery worker: claims due deliveries, sends them, records each attempt.

It runs inside every server process (a lifespan task, `run_in_server`) and as a process of its own
(`python -m portal_ui.cli webhooks work`); any number may run against one database (see
`portal_ui.webhooks.deliveries` for how they share the work). A worker wakes when a commit in its
own process added deliveries, on PostgreSQL when any process did (LISTEN), when the earliest
pending retry falls due, and at least every `poll` seconds.

Each request goes to the address the endpoint's host resolved to when it was checked, just before
sending (`portal_ui.webhooks.addresses`), with the URL's host in `Host` and as the TLS server name.
Redirects are not followed; any answer but a 2xx is a failed attempt.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from datetime import timedelta
from urllib.parse import urlsplit, urlunsplit

import httpx

from portal_ui import db
from portal_ui.domain import domains
from portal_ui.domain.clock import utcnow
from portal_ui.settings import Settings, get_settings
from portal_ui.webhooks import addresses, deliveries, outbox, signing
from portal_ui.webhooks.deliveries import Claimed, Outcome

log = logging.getLogger("portal_ui.webhooks")

BATCH = 25
LEASE = timedelta(seconds=60)  # longer than the request timeout, so a live worker never loses its claim
TIMEOUT = 10.0
POLL = 1.0
SERVER_START_DELAY = 1.0  # let the server finish starting before the first claim
PRUNE_EVERY = 3600.0  # seconds between clean-ups: old deliveries (deliveries.KEEP_FOR), due account deletions


def _pinned_url(target: addresses.Target, address: str) -> str:
    parts = urlsplit(target.url)
    host = f"[{address}]" if ":" in address else address
    return urlunsplit((parts.scheme, f"{host}:{target.port}", parts.path or "/", parts.query, ""))


def _host_header(target: addresses.Target) -> str:
    default = (target.scheme, target.port) in (("http", 80), ("https", 443))
    host = f"[{target.host}]" if ":" in target.host else target.host
    return host if default else f"{host}:{target.port}"


class Worker:
    """Sends due deliveries; `run_once` for one batch, `run` until stopped."""

    def __init__(self, settings: Settings | None = None, *, batch: int = BATCH, lease: timedelta = LEASE,
                 timeout: float = TIMEOUT, poll: float = POLL):
        self.settings = settings or get_settings()
        self.engine = db.engine_for(self.settings.db_url)
        self.batch, self.lease, self.timeout, self.poll = batch, lease, timeout, poll
        self._client: httpx.AsyncClient | None = None

    # --- one batch ------------------------------------------------------------------------------
    def _claim(self) -> list[Claimed]:
        now = utcnow()
        with db.session_scope(self.engine) as session:
            due = deliveries.next_due(session)
            if due is None or due > now:
                return []
        with db.session_scope(self.engine) as session:
            return deliveries.claim_due(session, now=now, lease=self.lease, limit=self.batch)

    def _record(self, results: list[tuple[Claimed, Outcome]]) -> None:
        with db.session_scope(self.engine) as session:
            now = utcnow()
            for claimed, outcome in results:
                deliveries.record_attempt(session, claimed, outcome, now=now)

    async def send(self, claimed: Claimed) -> Outcome:
        """One attempt: check the address, sign, POST; never raises for the receiver's faults."""
        started = time.monotonic()

        def elapsed() -> int:
            return int((time.monotonic() - started) * 1000)

        try:
            target = await addresses.check_async(claimed.endpoint_url,
                                                 allow_private=self.settings.webhook_allow_private)
        except addresses.AddressRefused as exc:
            return Outcome(None, elapsed(), error=str(exc))
        body, headers = signing.signed_request(mode=claimed.signing, secret=claimed.secret, payload=claimed.payload,
                                               now=utcnow(), settings=self.settings)
        headers["host"] = _host_header(target)
        extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
        error = ""
        for address in target.addresses:  # the next address only when this one refuses the connection
            try:
                return await self._post(_pinned_url(target, address), body, headers, extensions, elapsed)
            except httpx.ConnectError as exc:
                error = f"could not connect to {address}: {exc}"
            except httpx.TimeoutException:
                return Outcome(None, elapsed(), error=f"no answer within {self.timeout:g} s")
            except httpx.HTTPError as exc:
                return Outcome(None, elapsed(), error=f"{type(exc).__name__}: {exc}"[:deliveries.ERROR_MAX])
        return Outcome(None, elapsed(), error=error[:deliveries.ERROR_MAX])

    async def _post(self, url: str, body: bytes, headers: dict, extensions: dict, elapsed) -> Outcome:
        async with self._client.stream("POST", url, content=body, headers=headers, extensions=extensions) as response:
            snippet = b""
            async for chunk in response.aiter_raw():
                snippet += chunk
                if len(snippet) >= deliveries.SNIPPET_MAX:
                    break
            text = snippet[:deliveries.SNIPPET_MAX].decode("utf-8", errors="replace")
            return Outcome(response.status_code, elapsed(), response=text)

    def _prune(self) -> None:
        """Hourly housekeeping: old deliveries go, domains left unverified past their expiry go, and
        accounts whose deletion is due are deleted (portal_ui.domain.account_deletion; each worker may
        run it, each account in its own transaction)."""
        from portal_ui.domain.account_deletion import purge_due_accounts  # the domain imports the outbox

        with db.session_scope(self.engine) as session:
            deliveries.prune(session, now=utcnow())
        with db.session_scope(self.engine) as session:
            domains.purge_expired(session, now=utcnow())
        purge_due_accounts(lambda: db.session_scope(self.engine))

    def _new_client(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(timeout=self.timeout, follow_redirects=False, trust_env=False)

    async def run_once(self) -> int:
        """Claim one batch of due deliveries and send it; the number claimed."""
        claimed = await asyncio.to_thread(self._claim)
        if not claimed:
            return 0
        if self._client is None:  # a single batch (tests, the CLI's --once)
            async with self._new_client() as self._client:
                try:
                    outcomes = await asyncio.gather(*(self.send(c) for c in claimed))
                finally:
                    self._client = None
        else:
            outcomes = await asyncio.gather(*(self.send(c) for c in claimed))
        for c, o in zip(claimed, outcomes):
            if not o.ok:
                log.info("webhook delivery %s failed: %s", c.delivery_id, o.error or f"HTTP {o.status_code}")
        await asyncio.to_thread(self._record, list(zip(claimed, outcomes)))
        return len(claimed)

    # --- the loop -------------------------------------------------------------------------------
    async def run(self, stop: asyncio.Event | None = None) -> None:
        """Deliver until `stop` is set (or the task is cancelled)."""
        stop = stop or asyncio.Event()
        wake = asyncio.Event()
        loop = asyncio.get_running_loop()
        remove = outbox.add_waker(lambda: loop.call_soon_threadsafe(wake.set))
        listener = _PostgresListener(self.settings.db_url, lambda: loop.call_soon_threadsafe(wake.set))
        self._client = self._new_client()
        failures = 0
        next_prune = time.monotonic()
        try:
            while not stop.is_set():
                wake.clear()
                try:
                    if time.monotonic() >= next_prune:
                        next_prune = time.monotonic() + PRUNE_EVERY
                        await asyncio.to_thread(self._prune)
                    claimed = await self.run_once()
                    failures = 0
                except Exception:  # the database may be briefly away; keep going
                    failures += 1
                    log.warning("webhook worker: a batch failed", exc_info=True)
                    claimed = 0
                if claimed >= self.batch:
                    continue
                delay = min(self.poll * (2 ** min(failures, 5)), 30.0)
                stopped = asyncio.ensure_future(stop.wait())
                woken = asyncio.ensure_future(wake.wait())
                try:
                    await asyncio.wait((stopped, woken), timeout=delay, return_when=asyncio.FIRST_COMPLETED)
                finally:
                    stopped.cancel()
                    woken.cancel()
        finally:
            remove()
            listener.stop()
            client, self._client = self._client, None
            if client is not None:
                await client.aclose()


class _PostgresListener:
    """On PostgreSQL, a thread that LISTENs for `portal_webhooks` and calls `wake` on each notice."""

    def __init__(self, db_url: str, wake):
        self._stop = threading.Event()
        self._thread = None
        if not db_url.startswith("postgresql"):
            return
        from sqlalchemy.engine import make_url

        self._conninfo = make_url(db_url).set(drivername="postgresql").render_as_string(hide_password=False)
        self._wake = wake
        self._thread = threading.Thread(target=self._listen, name="webhook-listen", daemon=True)
        self._thread.start()

    def _listen(self) -> None:
        import psycopg

        while not self._stop.is_set():
            try:
                with psycopg.connect(self._conninfo, autocommit=True) as conn:
                    conn.execute(f"LISTEN {outbox.CHANNEL}")
                    while not self._stop.is_set():
                        for _ in conn.notifies(timeout=1.0, stop_after=1):
                            self._wake()
            except Exception:  # reconnect after a pause; polling covers the gap
                log.info("webhook worker: LISTEN connection lost", exc_info=True)
                self._stop.wait(2.0)

    def stop(self) -> None:
        self._stop.set()


async def run_in_server() -> None:
    """A lifespan task (portal_ui/portal_ui.py): deliver webhooks while the server runs."""
    await asyncio.sleep(SERVER_START_DELAY)
    await Worker().run()
