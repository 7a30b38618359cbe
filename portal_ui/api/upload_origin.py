"""Only the portal's own pages may upload (pure ASGI middleware on Reflex's `/_upload`).

CORS does not protect `/_upload`: a page of another site can send a multipart POST there (a
"simple" request, no preflight) with the user's cookies, and never needs to read the answer. So
an upload that a browser says comes from another page is refused with 403 before Reflex reads it:

- `Origin` on one of the portal's browser origins (PORTAL_PUBLIC_URL's, plus
  PORTAL_FRAME_ANCESTORS) passes.
- Otherwise `Sec-Fetch-Site`, which browsers set and no page can, decides: only `same-origin`
  passes. This matters for the portal's own pages: they are served with
  `Referrer-Policy: no-referrer`, under which a browser sends `Origin: null` on their POSTs.
- A request with neither header comes from no browser (a client of its own, which needs a
  tab's token like any other client); it passes.
"""

from __future__ import annotations

from typing import Iterable

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from portal_ui.reflex_internals.endpoints import UPLOAD_PATH


def from_elsewhere(origin: str | None, fetch_site: str | None, allowed: Iterable[str]) -> bool:
    """True when a browser says the request comes from a page outside `allowed`."""
    if origin is not None and origin in allowed:
        return False
    if fetch_site is not None:
        return fetch_site != "same-origin"
    return origin is not None


class UploadOrigin:
    def __init__(self, app: ASGIApp, allowed: Iterable[str] | None = None, path: str = UPLOAD_PATH):
        if allowed is None:
            from portal_ui.settings import get_settings

            allowed = get_settings().browser_origins
        self.app = app
        self.allowed = frozenset(allowed)
        self.path = path

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].rstrip("/") == self.path:
            headers = {name.lower(): value.decode("latin-1") for name, value in scope.get("headers", [])}
            if from_elsewhere(headers.get(b"origin"), headers.get(b"sec-fetch-site"), self.allowed):
                response = JSONResponse({"detail": "Uploads are accepted only from the portal's own pages "
                                                   "(this request's Origin is another site)."}, status_code=403)
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)
