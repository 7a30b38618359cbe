"""The embedded issuer's endpoints (README "Configuration"): `GET /.well-known/jwks.json`, `POST /oauth2/token`.

The token endpoint implements the client-credentials grant (RFC 6749 §4.4) for M2M applications
made with `portal-ui m2m create`: form or JSON body, client id and secret in the body or HTTP
Basic auth, optional `audience` and `scope`. Errors follow RFC 6749 §5.2. In external token mode
both endpoints answer 404: the host's identity provider issues tokens, portal_ui only verifies.
"""

from __future__ import annotations

import base64
import binascii
import json
from urllib.parse import parse_qs, unquote_plus

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from portal_ui.api.errors import ApiError, error_response
from portal_ui.db import session_scope
from portal_ui.api.throttle import address_key, throttle
from portal_ui.domain.m2m import InvalidClient, authenticate_client
from portal_ui.settings import get_settings
from portal_ui.tokens.issue import mint_m2m_token
from portal_ui.tokens.keys import embedded_jwks

TOKEN_TTL_SECONDS = 86400
MAX_TOKEN_REQUEST_BYTES = 8 * 1024
MAX_PARAM_CHARS = 1024
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
BASIC_CHALLENGE = {"WWW-Authenticate": 'Basic realm="portal_ui", charset="UTF-8"'}
_FORM = "application/x-www-form-urlencoded"
_PARAMS = ("grant_type", "client_id", "client_secret", "audience", "scope")


class OAuthError(Exception):
    """An RFC 6749 §5.2 error: `{"error", "error_description"}`."""

    def __init__(self, error: str, description: str, status: int = 400, headers: dict | None = None):
        super().__init__(description)
        self.error, self.description, self.status, self.headers = error, description, status, headers or {}

    def response(self) -> JSONResponse:
        return JSONResponse({"error": self.error, "error_description": self.description}, status_code=self.status,
                            headers={**NO_STORE, **self.headers})


def _not_here() -> JSONResponse:
    return error_response(404, "ROUTE_NOT_FOUND",
                          "portal_ui verifies tokens from your identity provider in external token mode; "
                          "ask that provider for tokens and keys.")


async def jwks(_request: Request) -> JSONResponse:
    """The embedded issuer's public signing key(s), for verifying its tokens."""
    settings = get_settings()
    if settings.external_tokens:
        return _not_here()
    document = await run_in_threadpool(embedded_jwks, settings.signing_key_path)
    return JSONResponse(document, headers={"Cache-Control": "public, max-age=300"})


async def _read_raw(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_TOKEN_REQUEST_BYTES:
        raise OAuthError("invalid_request", f"The request body is larger than {MAX_TOKEN_REQUEST_BYTES} bytes.")
    raw = bytearray()
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_TOKEN_REQUEST_BYTES:
            raise OAuthError("invalid_request", f"The request body is larger than {MAX_TOKEN_REQUEST_BYTES} bytes.")
    return bytes(raw)


def _parse_form(raw: bytes) -> dict[str, str]:
    try:
        text = raw.decode("utf-8")
        parsed = parse_qs(text, keep_blank_values=True, strict_parsing=bool(text), max_num_fields=20)
    except (UnicodeDecodeError, ValueError):
        raise OAuthError("invalid_request", "The request body is not valid form data.") from None
    params = {}
    for name, values in parsed.items():
        if name in _PARAMS and len(values) > 1:
            raise OAuthError("invalid_request", f"Give the parameter {name} once.")
        params[name] = values[0]
    return params


def _parse_json(raw: bytes) -> dict[str, str]:
    try:
        data = json.loads(raw) if raw.strip() else {}
    except (UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: absurdly deep nesting
        raise OAuthError("invalid_request", "The request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise OAuthError("invalid_request", "The request body must be a JSON object.")
    for name in _PARAMS:
        if name in data and data[name] is not None and not isinstance(data[name], str):
            raise OAuthError("invalid_request", f"The parameter {name} must be a string.")
    return {name: data[name] for name in _PARAMS if isinstance(data.get(name), str)}


async def read_params(request: Request) -> dict[str, str]:
    """The token request's parameters from a form or JSON body; OAuthError(invalid_request) otherwise."""
    raw = await _read_raw(request)
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype == _FORM:
        params = _parse_form(raw)
    elif ctype == "application/json" or ctype.endswith("+json"):
        params = _parse_json(raw)
    else:
        raise OAuthError("invalid_request", f"Send the parameters as {_FORM} (or application/json).")
    for name in _PARAMS:
        if len(params.get(name, "")) > MAX_PARAM_CHARS:
            raise OAuthError("invalid_request", f"The parameter {name} is too long.")
    return params


def basic_credentials(request: Request) -> tuple[str, str] | None:
    """Client id and secret from `Authorization: Basic` (RFC 6749 §2.3.1), or None without one."""
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "basic":
        raise OAuthError("invalid_client", "Authenticate the client with HTTP Basic or in the request body.", 401)
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise OAuthError("invalid_client", "The Basic credentials are malformed.", 401, BASIC_CHALLENGE) from None
    client_id, sep, secret = decoded.partition(":")
    if not sep:
        raise OAuthError("invalid_client", "The Basic credentials are malformed.", 401, BASIC_CHALLENGE)
    return unquote_plus(client_id), unquote_plus(secret)


def _client_credentials(request: Request, params: dict[str, str]) -> tuple[str, str, bool]:
    basic = basic_credentials(request)
    in_body = "client_id" in params or "client_secret" in params
    if basic is not None and "client_secret" in params:
        raise OAuthError("invalid_request", "Authenticate the client one way only: HTTP Basic or the body.")
    if basic is not None:
        if "client_id" in params and params["client_id"] != basic[0]:
            raise OAuthError("invalid_request", "client_id in the body differs from the Basic credentials.")
        return basic[0], basic[1], True
    if not in_body or not params.get("client_id") or not params.get("client_secret"):
        raise OAuthError("invalid_client", "Send client_id and client_secret (in the body or with HTTP Basic).", 401)
    return params["client_id"], params["client_secret"], False


def _requested_scopes(params: dict[str, str], granted: list[str]) -> list[str]:
    raw = params.get("scope", "").split()
    if not raw:
        return list(granted)
    unknown = [s for s in raw if s not in granted]
    if unknown:
        raise OAuthError("invalid_scope", f"The application may not request {unknown[0][:128]!r}.")
    return [s for s in granted if s in raw]


def _authenticate(client_id: str, secret: str) -> list[str]:
    """The scopes granted to the application with this id and secret; InvalidClient otherwise."""
    with session_scope() as session:
        app = authenticate_client(session, client_id, secret)
        return [s for s in app.scopes if isinstance(s, str)]


def _issue(settings, client_id: str, scopes: list[str]) -> dict:
    token = mint_m2m_token(settings, client_id, scopes, ttl=TOKEN_TTL_SECONDS)
    return {"access_token": token, "token_type": "Bearer", "expires_in": TOKEN_TTL_SECONDS, "scope": " ".join(scopes)}


async def _count_failure(address: str, client_id: str | None) -> None:
    """A failed request counts against its address and, when it named one, the client id (429 once over).

    Only failures count here: the client's own requests with the right secret are counted in
    `token:client` and get tokens however many failures name it (portal_ui/api/throttle.py).
    """
    over = None
    for bucket, key in (("token:ip", address), ("token:fail:client", client_id)):
        if key:
            try:
                await throttle(bucket, key)
            except ApiError as exc:
                over = exc
    if over is not None:
        raise over


async def token(request: Request) -> JSONResponse:
    """`POST /oauth2/token` with `grant_type=client_credentials`."""
    settings = get_settings()
    if settings.external_tokens:
        return _not_here()
    address, named = address_key(request), None
    try:
        params = await read_params(request)
        grant = params.get("grant_type")
        if not grant:
            raise OAuthError("invalid_request", "Give grant_type=client_credentials.")
        if grant != "client_credentials":
            raise OAuthError("unsupported_grant_type", "Only grant_type=client_credentials is supported.")
        audience = params.get("audience")
        if audience and audience != settings.audience:
            raise OAuthError("invalid_request", f"audience must be {settings.audience}.")
        client_id, secret, used_basic = _client_credentials(request, params)
        named = client_id
        try:
            granted = await run_in_threadpool(_authenticate, client_id, secret)
        except InvalidClient:
            raise OAuthError("invalid_client", "Client authentication failed.", 401,
                             BASIC_CHALLENGE if used_basic else None) from None
    except OAuthError as exc:
        await _count_failure(address, named)
        return exc.response()
    await throttle("token:client", client_id)  # authenticated: the client's own allowance
    try:
        scopes = _requested_scopes(params, granted)
    except OAuthError as exc:
        return exc.response()
    body = await run_in_threadpool(_issue, settings, client_id, scopes)
    return JSONResponse(body, headers=NO_STORE)


routes = [
    Route("/.well-known/jwks.json", jwks, methods=["GET"]),
    Route("/oauth2/token", token, methods=["POST"]),
]
