"""Error answers in the OpenAPI document: Kinde's envelope `{"errors": [{"code", "message"}]}` for
every 4xx status an operation may answer, as shared `components/responses`."""

from __future__ import annotations

from portal_ui.api.openapi.schema import JSON, ref

ERROR_DESCRIPTIONS = {
    400: "Invalid request: a malformed body or query, an unknown field or parameter, or a bad value.",
    401: "Client authentication failed (RFC 6749 section 5.2).",
    403: "Invalid credentials: the bearer token is missing, malformed, expired or of the wrong kind, "
         "or it lacks the scope this operation needs.",
    404: "The specified resource was not found.",
    409: "The change conflicts with the current state (a duplicate, or a concurrent change).",
    413: "The request body is larger than 64 KiB.",
    415: "The request body is not application/json.",
    429: "Too many requests; the request was throttled. Retry after the number of seconds in Retry-After.",
}
ERROR_REFS = {400: "BadRequest", 403: "Forbidden", 404: "NotFound", 409: "Conflict", 413: "PayloadTooLarge",
              415: "UnsupportedMediaType", 429: "TooManyRequests"}


def error_responses() -> dict:
    """`components/responses`: one per status in ERROR_REFS, each in Kinde's error envelope."""
    envelope = {JSON: {"schema": ref("error_response")}}
    responses = {name: {"description": ERROR_DESCRIPTIONS[code], "content": envelope}
                 for code, name in ERROR_REFS.items()}
    responses["TooManyRequests"]["headers"] = {
        "Retry-After": {"description": "Seconds to wait before retrying.", "schema": {"type": "integer"}}}
    return responses
