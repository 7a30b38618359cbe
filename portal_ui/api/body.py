"""Reading request bodies and query strings into validated models, with clear 4xx errors."""

from __future__ import annotations

import json
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from starlette.requests import Request

from portal_ui.api.errors import ApiError

MAX_BODY_BYTES = 64 * 1024
M = TypeVar("M", bound=BaseModel)


def describe_validation_error(exc: ValidationError) -> str:
    """One readable sentence per problem: `field: what is wrong`."""
    parts = []
    for err in exc.errors(include_url=False, include_input=False):
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "__root__") or "body"
        parts.append(f"{where}: {err.get('msg', 'invalid value')}")
    return "; ".join(parts[:5])


async def read_raw_body(request: Request, max_bytes: int = MAX_BODY_BYTES) -> bytes:
    """The body's bytes as sent, or an ApiError 413 once it passes `max_bytes` (declared or read)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise ApiError(413, "PAYLOAD_TOO_LARGE", f"The request body is larger than {max_bytes} bytes.")
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > max_bytes:
            raise ApiError(413, "PAYLOAD_TOO_LARGE", f"The request body is larger than {max_bytes} bytes.")
    return raw


async def read_json_object(request: Request) -> dict[str, Any]:
    """The body as a JSON object, or an ApiError (400 malformed or holding text no database stores,
    413 too large, 415 not JSON)."""
    raw = await read_raw_body(request)
    if not raw.strip():
        return {}
    ctype = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    if ctype not in ("application/json", "") and not ctype.endswith("+json"):
        raise ApiError(415, "UNSUPPORTED_MEDIA_TYPE", "Send the body as application/json.")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: absurdly deep nesting
        raise ApiError(400, "INVALID_JSON", "The request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise ApiError(400, "INVALID_JSON", "The request body must be a JSON object.")
    if not _storable(data):
        raise ApiError(400, "INVALID_INPUT", BAD_TEXT)
    return data


BAD_TEXT = "Text must not contain NUL characters or unpaired surrogates."


def storable_text(value: str) -> bool:
    """False for text no database column takes: NUL (PostgreSQL refuses it) or a lone surrogate
    (`\\ud800` in JSON; not encodable as UTF-8)."""
    if "\x00" in value:
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _storable(data: Any) -> bool:
    """Every key and string value in parsed JSON is storable text (iterative: nesting may be deep)."""
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if not storable_text(item):
                return False
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return True


def validate(model: type[M], data: Any) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise ApiError(400, "INVALID_INPUT", describe_validation_error(exc)) from None


async def read_body(request: Request, model: type[M]) -> M:
    """Parse and validate the JSON body against `model` (use `extra="forbid"` models)."""
    return validate(model, await read_json_object(request))


def read_query(request: Request, model: type[M]) -> M:
    """Validate the query string against `model`; a repeated parameter is refused."""
    params = request.query_params
    data: dict[str, Any] = {}
    for key in params.keys():
        values = params.getlist(key)
        if len(values) > 1:
            raise ApiError(400, "INVALID_INPUT", f"{key[:40]}: give this parameter once")
        if not (storable_text(key) and storable_text(values[0])):
            raise ApiError(400, "INVALID_INPUT", f"{key[:40]!r}: {BAD_TEXT}")
        data[key] = values[0]
    return validate(model, data)
