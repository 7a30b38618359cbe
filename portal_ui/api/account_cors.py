"""CORS for the Account API: host apps call it from their own pages, with a bearer token only.

Kinde's browser SDKs ask for a portal link from the host app's page (another origin), sending the
user's access token in `Authorization`. The rest of the portal trusts only its own origin
(rxconfig.py's `cors_allowed_origins`), which would refuse those calls. The Account API reads no
cookie, so it can answer any origin *without* credentials: a page of another site gets nothing
it could not get with the user's token anyway, and the browser never attaches the portal's
session cookie to such a request (no `Access-Control-Allow-Credentials`).

A pure ASGI middleware wrapped around the whole app Reflex serves (portal_ui/portal_ui.py's
PortalApp), outside Reflex's CORS middleware, which would answer the preflight with a refusal first.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

PREFIX = "/account_api/"
ALLOW_METHODS = b"GET, OPTIONS"
ALLOW_HEADERS = b"authorization, content-type, accept"
MAX_AGE = b"600"


def _is_account_api(scope: Scope) -> bool:
    return scope["type"] == "http" and scope.get("path", "").startswith(PREFIX)


class AccountApiCors:
    """`Access-Control-Allow-Origin: *` (never with credentials) on the Account API's answers."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not _is_account_api(scope):
            await self.app(scope, receive, send)
            return
        headers = {name.lower(): value for name, value in scope.get("headers", [])}
        if scope["method"] == "OPTIONS" and b"origin" in headers and b"access-control-request-method" in headers:
            await send({"type": "http.response.start", "status": 204, "headers": [
                (b"access-control-allow-origin", b"*"),
                (b"access-control-allow-methods", ALLOW_METHODS),
                (b"access-control-allow-headers", ALLOW_HEADERS),
                (b"access-control-max-age", MAX_AGE),
                (b"vary", b"Origin"),
            ]})
            await send({"type": "http.response.body", "body": b""})
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                kept = [(name, value) for name, value in message.get("headers", [])
                        if not name.lower().startswith(b"access-control-")]
                message["headers"] = kept + [(b"access-control-allow-origin", b"*")]
            await send(message)

        await self.app(scope, receive, send_with_cors)
