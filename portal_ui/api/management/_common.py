"""Helpers shared by the Management API routes: one transaction per request, formats, paging."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Callable, Optional, TypeVar

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from portal_ui.api.errors import ApiError
from portal_ui.db import session_scope
from portal_ui.domain.clock import as_utc
from portal_ui.domain.paging import MAX_PAGE_SIZE, MAX_TOKEN_CHARS

T = TypeVar("T")
log = logging.getLogger("portal_ui.api")

MAX_PATH_PARAM = 128
SUCCESS = {"code": "OK", "message": "Success"}


async def in_transaction(work: Callable[[Session], T]) -> T:
    """Run `work(session)` in a worker thread inside one transaction (commit, or roll back on error).

    Build the response body inside `work`. A unique-constraint race becomes a 409.
    """
    def run() -> T:
        try:
            with session_scope() as session:
                return work(session)
        except IntegrityError:
            log.info("integrity error in a management request", exc_info=True)
            raise ApiError(409, "CONFLICT", "The change conflicts with a concurrent change; please retry.") from None

    return await run_in_threadpool(run)


def path_param(request: Request, name: str) -> str:
    """A path parameter; an absurdly long one, or one with a NUL character (which PostgreSQL refuses
    even to compare), cannot name anything, so it is a 404."""
    value = request.path_params[name]
    if len(value) > MAX_PATH_PARAM or "\x00" in value:
        raise ApiError(404, "NOT_FOUND", f"{name}: no such item")
    return value


def iso(value: Optional[datetime]) -> Optional[str]:
    """ISO 8601 with an explicit UTC offset."""
    if value is None:
        return None
    return as_utc(value).isoformat()


def split_list(value: Optional[str], *, field: str, max_items: int = 100) -> list[str]:
    """A comma-separated query value as a list of non-empty, trimmed items."""
    if not value:
        return []
    items = [v.strip() for v in value.split(",") if v.strip()]
    if len(items) > max_items:
        raise ApiError(400, "INVALID_INPUT", f"{field}: give at most {max_items} values")
    return items


def paged(body: dict, next_token: Optional[str]) -> dict:
    """Add `next_token` to a list response only when there is a next page."""
    if next_token:
        body["next_token"] = next_token
    return body


class Query(BaseModel):
    """Base for query strings: unknown parameters refused; text converted to numbers/booleans."""

    model_config = ConfigDict(extra="forbid")


class PageQuery(Query):
    """Kinde's paging parameters; subclasses add their own filters."""

    page_size: Optional[int] = Field(default=None, ge=1, le=MAX_PAGE_SIZE)
    next_token: Optional[str] = Field(default=None, max_length=MAX_TOKEN_CHARS)


class Body(BaseModel):
    """Base for request bodies: unknown fields refused, no type coercion."""

    model_config = ConfigDict(extra="forbid", strict=True)
