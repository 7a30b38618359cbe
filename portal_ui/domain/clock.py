"""One clock for the whole domain, so tests can move time (`freeze`)."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Iterator

_offset = timedelta(0)


def utcnow() -> datetime:
    """Naive UTC now (the database stores naive UTC), shifted by any test offset."""
    return datetime.now(timezone.utc).replace(tzinfo=None) + _offset


@contextmanager
def shifted(by: timedelta) -> Iterator[None]:
    """Move the domain clock forward for the duration of a `with` block (tests only)."""
    global _offset
    previous = _offset
    _offset = previous + by
    try:
        yield
    finally:
        _offset = previous
