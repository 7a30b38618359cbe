"""The portal session cookie: its name, setting and clearing it, and the one parser every reader uses.

Every route and the websocket read the Cookie header with Starlette's parser (`cookie_parser`),
which, like browsers, skips what it cannot make sense of: another app's malformed cookie in front
of the portal's (`x=a b; portal_session=…`) does not hide it.

Over https the cookie is `__Host-portal_session`: browsers accept such a cookie only when it is
Secure, has Path=/ and no Domain, so no other host of the same site can set or shadow it. Over
http (development) it is `portal_session`. Only the name for the configured PORTAL_PUBLIC_URL is
read.

The websocket is different: Reflex copies the headers of the connection into every tab's state,
and the state is written to disk or Redis. So `SocketCookie` (ASGI middleware) rewrites the
websocket's Cookie header before Reflex sees it: it keeps only `portal_session_sha256=<SHA-256 of
the session token>`, which is what the sessions table stores anyway, and drops the other
credential headers. The token itself, and every other cookie of the host, never reach the state.
"""

from __future__ import annotations

import re

from starlette.requests import cookie_parser
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from portal_ui.domain.secrets import sha256_hex
from portal_ui.domain.sessions import SESSION_COOKIE, TokenHash
from portal_ui.settings import Settings, get_settings
from portal_ui.reflex_internals.socket_headers import CREDENTIAL_HEADERS

HOST_PREFIX = "__Host-"
SOCKET_COOKIE = "portal_session_sha256"  # the websocket's only cookie, set by SocketCookie below
_HEX64 = re.compile(r"[0-9a-f]{64}")


def cookie_name(settings: Settings | None = None) -> str:
    """`__Host-portal_session` when the portal is served over https, else `portal_session`."""
    settings = settings or get_settings()
    return f"{HOST_PREFIX}{SESSION_COOKIE}" if settings.cookie_secure else SESSION_COOKIE


def session_token(cookie_header: str | None, settings: Settings | None = None) -> str | None:
    """The portal session token in a Cookie header, or None when there is none."""
    return cookie_parser(cookie_header or "").get(cookie_name(settings)) or None


def request_token(request) -> str | None:
    """The portal session token of a Starlette request."""
    return session_token(request.headers.get("cookie"))


def set_session_cookie(response: Response, token: str, settings: Settings) -> None:
    """The HttpOnly, SameSite=Lax session cookie (Secure and `__Host-` over https)."""
    response.set_cookie(cookie_name(settings), token, max_age=settings.session_max_seconds, path="/",
                        secure=settings.cookie_secure, httponly=True, samesite="lax")


def clear_session_cookie(response: Response, settings: Settings) -> None:
    response.delete_cookie(cookie_name(settings), path="/", secure=settings.cookie_secure, httponly=True,
                           samesite="lax")


# ---- the websocket -------------------------------------------------------------------------

def socket_cookie(cookie_header: str | None, settings: Settings | None = None) -> str | None:
    """What the websocket's Cookie header becomes: `portal_session_sha256=<hex>`, or None."""
    token = session_token(cookie_header, settings)
    return f"{SOCKET_COOKIE}={sha256_hex(token)}" if token and token.isascii() else None


def socket_session(cookie_header: str | None) -> TokenHash | None:
    """The session a websocket connected with, from its rewritten Cookie header."""
    value = cookie_parser(cookie_header or "").get(SOCKET_COOKIE, "")
    return TokenHash(value) if _HEX64.fullmatch(value) else None


class SocketCookie:
    """Pure ASGI middleware: on websocket connections, the Cookie header becomes the session
    token's SHA-256 alone, and other credential headers go (see the module docstring)."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            headers = scope.get("headers", [])
            raw = "; ".join(value.decode("latin-1") for name, value in headers if name.lower() == b"cookie")
            kept = [(name, value) for name, value in headers if name.lower() not in CREDENTIAL_HEADERS]
            replacement = socket_cookie(raw)
            if replacement:
                kept.append((b"cookie", replacement.encode()))
            scope = {**scope, "headers": kept}
        await self.app(scope, receive, send)


def socket_cookie_transformer(app: ASGIApp) -> ASGIApp:
    """For `rx.App(api_transformer=[...])`."""
    return SocketCookie(app)
