"""Whether an embedded-issuer M2M application may still call the Management API, and with which scopes.

Tokens from `POST /oauth2/token` live 24 hours (portal_ui/api/oauth.py). So that revoking an
application (`portal-ui m2m revoke`) or taking a scope from it (`portal-ui m2m scopes`) takes
effect on the tokens it already holds, `require_m2m` (portal_ui/api/auth.py) asks `APP_CHECKS`
on every request. Each answer is a primary-key lookup in a worker thread, remembered per process
for `CHECK_SECONDS`: a change reaches every worker within that time, and the database sees at
most one lookup per application per worker in it.

With an external issuer nothing is looked up: the identity provider owns those clients, and
revoking one, or changing its scopes, is done there.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Callable

from starlette.concurrency import run_in_threadpool

from portal_ui import db
from portal_ui.models import M2MApplication

CHECK_SECONDS = 5.0
MAX_REMEMBERED = 4096


@dataclass(frozen=True)
class AppStatus:
    active: bool
    scopes: frozenset[str]


def _load(db_url: str, client_id: str) -> AppStatus | None:
    with db.session_scope(db.engine_for(db_url)) as session:
        app = session.get(M2MApplication, client_id)
        if app is None:
            return None
        return AppStatus(active=app.revoked_on is None,
                         scopes=frozenset(s for s in app.scopes if isinstance(s, str)))


class AppChecks:
    """`await status(db_url, client_id)`: the application's status (None when there is none), at most
    `ttl` seconds old. `clock` (monotonic seconds) is for tests."""

    def __init__(self, ttl: float = CHECK_SECONDS, clock: Callable[[], float] = time.monotonic,
                 max_remembered: int = MAX_REMEMBERED):
        self.ttl, self.clock, self.max_remembered = ttl, clock, max_remembered
        self._lock = threading.Lock()
        self._known: dict[tuple[str, str], tuple[float, AppStatus | None]] = {}

    async def status(self, db_url: str, client_id: str) -> AppStatus | None:
        key = (db_url, client_id)
        remembered = self._known.get(key)
        if remembered is not None and self.clock() < remembered[0]:
            return remembered[1]
        status = await run_in_threadpool(_load, db_url, client_id)
        with self._lock:
            if len(self._known) >= self.max_remembered:
                self._known.pop(next(iter(self._known)))  # the oldest entry
            self._known.pop(key, None)
            self._known[key] = (self.clock() + self.ttl, status)
        return status

    def clear(self) -> None:
        with self._lock:
            self._known.clear()


APP_CHECKS = AppChecks()
