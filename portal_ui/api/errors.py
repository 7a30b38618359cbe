"""Kinde's error envelope: `{"errors": [{"code": "...", "message": "..."}]}`."""

from __future__ import annotations

import logging

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from portal_ui.domain.errors import DomainError

log = logging.getLogger("portal_ui.api")


class ApiError(Exception):
    """Raise from a route to answer with the error envelope."""

    def __init__(self, status: int, code: str, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.headers = status, code, message, headers


def error_response(status: int, code: str, message: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"errors": [{"code": code, "message": message}]}, status_code=status, headers=headers)


def success(code: str = "OK", message: str = "Success", status: int = 200, **fields) -> JSONResponse:
    """A Kinde-style success body: `{"code", "message", ...fields}`."""
    return JSONResponse({"code": code, "message": message, **fields}, status_code=status)


async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
    return error_response(exc.status, exc.code, exc.message, exc.headers)


async def _domain_error(_request: Request, exc: DomainError) -> JSONResponse:
    # A rate limit of the domain rules (a 429) names its Retry-After in `headers`.
    return error_response(exc.status, exc.code, exc.message, getattr(exc, "headers", None))


_HTTP_CODES = {404: "ROUTE_NOT_FOUND", 405: "METHOD_NOT_ALLOWED", 413: "PAYLOAD_TOO_LARGE"}


async def _http_error(_request: Request, exc: HTTPException) -> JSONResponse:
    code = _HTTP_CODES.get(exc.status_code, "BAD_REQUEST" if exc.status_code < 500 else "SERVER_ERROR")
    message = "The requested API route does not exist" if exc.status_code == 404 else str(exc.detail)
    return error_response(exc.status_code, code, message, getattr(exc, "headers", None))


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    # Log the detail for operators; never show a stack trace to the caller.
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return error_response(500, "SERVER_ERROR", "Something went wrong on our side; please try again.")


EXCEPTION_HANDLERS = {
    ApiError: _api_error,
    DomainError: _domain_error,
    HTTPException: _http_error,
    Exception: _unexpected,
}
