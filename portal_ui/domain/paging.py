"""Kinde-style pagination: `page_size` (default 10) and an opaque `next_token`.

A token encodes the offset of the next page and the listing it belongs to (its `scope`), so a
token from one listing or sort order is refused on another instead of silently mixing pages.
Offsets are simple and good enough for provisioning scripts; rows inserted while a client pages
may shift a later page by one.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlmodel import Session

from portal_ui.domain.errors import InvalidInput

T = TypeVar("T")

DEFAULT_PAGE_SIZE = 10
MAX_PAGE_SIZE = 500
MAX_TOKEN_CHARS = 512
_MAX_OFFSET = 10_000_000


@dataclass(frozen=True)
class Page(Generic[T]):
    items: list[T]
    next_token: str | None


def encode_token(offset: int, scope: str) -> str:
    return base64.urlsafe_b64encode(f"{offset}:{scope}".encode()).decode().rstrip("=")


def decode_token(token: str | None, scope: str) -> int:
    """The offset a token stands for; None or "" means the first page. Bad token -> InvalidInput."""
    if not token:
        return 0
    bad = InvalidInput("next_token: not a token this listing handed out", code="INVALID_NEXT_TOKEN")
    if len(token) > MAX_TOKEN_CHARS:
        raise bad
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise bad from None
    offset, _, token_scope = raw.partition(":")
    if token_scope != scope or not offset.isdigit() or int(offset) > _MAX_OFFSET:
        raise bad
    return int(offset)


def page_size_of(page_size: int | None) -> int:
    """The effective page size: default 10, 1..500 allowed, anything else -> InvalidInput."""
    if page_size is None:
        return DEFAULT_PAGE_SIZE
    if isinstance(page_size, bool) or not isinstance(page_size, int) or not 1 <= page_size <= MAX_PAGE_SIZE:
        raise InvalidInput(f"page_size: give a whole number from 1 to {MAX_PAGE_SIZE}", code="INVALID_PAGE_SIZE")
    return page_size


def paginate(session: Session, statement: Any, *, page_size: int | None, next_token: str | None,
             scope: str) -> Page:
    """Run `statement` (already ordered, with a unique last sort key) for one page.

    Raises InvalidInput for a bad page size or token.
    """
    size = page_size_of(page_size)
    offset = decode_token(next_token, scope)
    rows = list(session.exec(statement.offset(offset).limit(size + 1)).all())
    more = len(rows) > size
    return Page(items=rows[:size], next_token=encode_token(offset + size, scope) if more else None)


def scope_of(listing: str, *parts: Any) -> str:
    """A token scope for `listing` with its sort and filters, short enough to embed in a token."""
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:12]
    return f"{listing}.{digest}"
