"""Serve a portal page at its own path, without the extra hop to its trailing-slash twin.

The production build writes each page as `<path>/index.html`, and the static file server sends
`/profile` on to `/profile/` with a 307 first. Every portal link lands on a page's own path (the
303 from /portal_redirect names it, as every host app expects), so each one paid that extra round trip
before the page could start loading (bench/link_to_content.py). This pure ASGI middleware
hands a GET or HEAD for a known page path to the static files as the directory it is; the
address bar keeps the path as linked. Only the app's own page paths are touched. How Reflex lays
out and serves the build: portal_ui/reflex_internals/build_layout.py.
"""

from __future__ import annotations

from typing import Iterable

from starlette.types import ASGIApp, Receive, Scope, Send


class PagePaths:
    def __init__(self, app: ASGIApp, paths: Iterable[str]):
        self.app = app
        self.paths = frozenset(path for path in paths if path != "/" and not path.endswith("/"))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] in ("GET", "HEAD") and scope["path"] in self.paths:
            scope = {**scope, "path": scope["path"] + "/", "raw_path": scope["path"].encode() + b"/"}
        await self.app(scope, receive, send)


def page_paths_transformer(app: ASGIApp) -> ASGIApp:
    """For `rx.App(api_transformer=[...])`: every section page, the focused flow's and the "session ended" page."""
    from portal_ui.domain.sections import BY_KEY
    from portal_ui.paths import FLOW, SESSION_ENDED

    return PagePaths(app, [section.path for section in BY_KEY.values()] + [FLOW, SESSION_ENDED])
