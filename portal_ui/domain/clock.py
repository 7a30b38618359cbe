"""One clock for the whole domain, so tests can move time (`freeze`)."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Iterator

_offset = timedelta(0)


def utcnow() -> datetime:
    """Aware UTC now, shifted by any test offset.

    sqlmodel stores datetime columns as UTC and refuses naive values, so every timestamp the
    domain writes is aware. Use `as_utc` on values read back from SQLite, which may be naive.
    """
    return datetime.now(timezone.utc) + _offset


def as_utc(value: datetime) -> datetime:
    """The same instant as an aware UTC datetime (naive values are taken to be UTC)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


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
