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


async def read_json_object(request: Request) -> dict[str, Any]:
    """The body as a JSON object, or an ApiError (400 malformed, 413 too large, 415 not JSON)."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise ApiError(413, "PAYLOAD_TOO_LARGE", f"The request body is larger than {MAX_BODY_BYTES} bytes.")
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_BODY_BYTES:
            raise ApiError(413, "PAYLOAD_TOO_LARGE", f"The request body is larger than {MAX_BODY_BYTES} bytes.")
    if not raw.strip():
        return {}
    ctype = request.headers.get("content-type", "application/json").split(";")[0].strip().lower()
    if ctype not in ("application/json", "") and not ctype.endswith("+json"):
        raise ApiError(415, "UNSUPPORTED_MEDIA_TYPE", "Send the body as application/json.")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "INVALID_JSON", "The request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise ApiError(400, "INVALID_JSON", "The request body must be a JSON object.")
    return data


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
            raise ApiError(400, "INVALID_INPUT", f"{key}: give this parameter once")
        data[key] = values[0]
    return validate(model, data)
