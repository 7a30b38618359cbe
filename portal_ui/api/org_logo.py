"""`GET /org-logo/{org_code}/{name}`: an organization's logo, for the portal's own pages.

Only a live portal session in that organization gets it (the session cookie comes with the
page's image requests); everyone else gets the same 404. The name holds the logo's digest, so
a changed logo has a new URL and each one can be cached for good. The stored file was re-encoded
or sanitised on upload (portal_ui.domain.logos); the headers are a second line of defence, above
all for SVG: no sniffing, a CSP that lets the document load and run nothing, and no rendering as
a page of the portal's origin if someone opens it directly.
"""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal_ui.db import session_scope
from portal_ui.domain.logos import URL_PREFIX, logo_path
from portal_ui.domain.sessions import load_session
from portal_ui.models import OrganizationLogo
from portal_ui.session_cookie import request_token
from portal_ui.settings import get_settings

MAX_PART = 128
NOT_FOUND_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def logo_headers(content_type: str) -> dict[str, str]:
    headers = {
        "Cache-Control": "private, max-age=31536000, immutable",
        "X-Content-Type-Options": "nosniff",
        "Cross-Origin-Resource-Policy": "same-origin",
        "Content-Security-Policy": "default-src 'none'",
    }
    if content_type == "image/svg+xml":
        headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
        headers["Content-Disposition"] = 'attachment; filename="logo.svg"'
    return headers


def _find(token: str | None, org_code: str, name: str) -> tuple[str, bytes] | None:
    with session_scope() as db:
        active = load_session(db, get_settings(), token, touch=False)
        if active is None or active.org_code != org_code:
            return None
        row = db.get(OrganizationLogo, org_code)
        if row is None or logo_path(org_code, row.digest, row.content_type) != f"{URL_PREFIX}/{org_code}/{name}":
            return None
        return row.content_type, row.data


async def org_logo(request: Request) -> Response:
    org_code, name = request.path_params["org_code"], request.path_params["name"]
    found = None
    if len(org_code) <= MAX_PART and len(name) <= MAX_PART and "\x00" not in org_code + name:
        found = await run_in_threadpool(_find, request_token(request), org_code, name)
    if found is None:
        return Response("Not found", status_code=404, media_type="text/plain", headers=NOT_FOUND_HEADERS)
    content_type, data = found
    return Response(data, media_type=content_type, headers=logo_headers(content_type))


routes = [Route(URL_PREFIX + "/{org_code}/{name}", org_logo, methods=["GET"])]
