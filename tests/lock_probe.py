"""Another writer on the portal's SQLite file, for tests that check no write lock is held while the
portal waits for the network (a DNS query, a call to Stripe): what another tab or a worker does."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.engine import Engine

BUSY_TIMEOUT = 0.2  # seconds another writer waits for the lock before "database is locked"


class OtherWriter:
    """A second connection that writes one row to a table of its own (`lock_probe`), with a short
    busy timeout. `calls` records, for each network call a fake made, whether the write went through
    while that call was in progress."""

    def __init__(self, engine: Engine) -> None:
        self.path = Path(engine.url.database)
        self.calls: list[tuple[str, bool]] = []
        with sqlite3.connect(self.path, timeout=30) as conn:
            conn.execute("CREATE TABLE IF NOT EXISTS lock_probe (what TEXT)")
        conn.close()

    def can_write(self, what: str) -> bool:
        conn = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT)
        try:
            conn.execute("INSERT INTO lock_probe (what) VALUES (?)", (what,))
            conn.commit()
            return True
        except sqlite3.OperationalError as err:
            if "locked" not in str(err):
                raise
            return False
        finally:
            conn.close()

    def network_call(self, what: str) -> None:
        """What a fake does while "on the network": try to write, and remember whether it could."""
        self.calls.append((what, self.can_write(what)))

    def blocked(self) -> list[str]:
        """The network calls during which another writer could not write."""
        return [what for what, ok in self.calls if not ok]

    def made(self) -> list[str]:
        return [what for what, _ok in self.calls]
