"""The frontend's hashed build files (`/assets/…`), answered from memory and cached for good.

A portal page loads about fifteen script and style files from `/assets/`. Reflex's static file
server looks each one up on disk, opens and streams it through worker threads, and sends no
`Cache-Control`: so every file of every first visit cost the single backend process a few ms of
CPU, one after another, on the same two cores the browser needs to start the page
(bench/link_to_content.py), and a returning browser asked again for each file to hear "304".

Build files are named after their content (`entry.client-BcBPaK_9.js`), so they never change
under their name: this pure ASGI middleware reads them all into memory when the backend starts
(the build is a few MB; another portal rebuilding the checkout's `.web/` meanwhile does not take
them away, see portal_ui.api.build_files), answers each gzipped when the build wrote a `.gz`
beside it and the browser accepts gzip, and marks it `immutable` for a year. Anything it does not
serve itself (a range request, a missing file, a name outside the build) goes on to Reflex's
static files unchanged. Only files that exist are kept, so the memory is bounded by the build: a
missing name is looked up again each time (one failed open, which Reflex's static files repeat
anyway), never remembered, since the names a client asks for are its own choice and have no bound
in number or length. The other files (pages, favicon, stylesheet) are portal_ui.api.build_files':
their names do not change when their content does.
"""

from __future__ import annotations

import hashlib
import mimetypes
import os
from dataclasses import dataclass
from pathlib import Path

from starlette.types import ASGIApp, Receive, Scope, Send

IMMUTABLE = b"public, max-age=31536000, immutable"


@dataclass(frozen=True)
class BuildFile:
    body: bytes
    gzipped: bytes | None
    content_type: bytes
    etag: bytes


def accepts_gzip(scope: Scope) -> bool:
    """Whether the request's Accept-Encoding takes gzip (by name or `*`, with a quality above 0)."""
    value = header(scope, b"accept-encoding")
    for part in (value or b"").decode("latin-1").lower().split(","):
        token, _, params = part.partition(";")
        if token.strip() not in ("gzip", "*"):
            continue
        quality = 1.0
        for param in params.split(";"):
            key, _, number = param.strip().partition("=")
            if key == "q":
                try:
                    quality = float(number)
                except ValueError:
                    quality = 0.0
        return quality > 0
    return False


def header(scope: Scope, wanted: bytes) -> bytes | None:
    return next((value for name, value in scope.get("headers", ()) if name == wanted), None)


def read_build_file(path: Path) -> BuildFile | None:
    """A build file and the `.gz` the build wrote beside it, if any; None if it cannot be read."""
    try:
        body = path.read_bytes()
    except OSError:
        return None
    try:
        gzipped = path.with_name(path.name + ".gz").read_bytes()
    except OSError:
        gzipped = None
    content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if content_type.startswith("text/") or content_type in ("application/javascript", "text/javascript"):
        content_type += "; charset=utf-8"
    return BuildFile(body, gzipped, content_type.encode(), b'"' + hashlib.sha256(body).hexdigest()[:32].encode() + b'"')


def servable(scope: Scope, prefix: str = "/") -> bool:
    """A GET or HEAD, not for a range, under `prefix`: what the build's files are answered for."""
    return (scope["type"] == "http" and scope["method"] in ("GET", "HEAD") and scope["path"].startswith(prefix)
            and header(scope, b"range") is None)


async def send_build_file(scope: Scope, send: Send, file: BuildFile, cache_control: bytes) -> None:
    """`file` as the answer: a 304 for its ETag, else its body, gzipped when the browser takes it."""
    headers = [(b"content-type", file.content_type), (b"cache-control", cache_control), (b"etag", file.etag),
               (b"vary", b"Accept-Encoding")]
    if header(scope, b"if-none-match") == file.etag:
        await send({"type": "http.response.start", "status": 304, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
        return
    body = file.body
    if file.gzipped is not None and accepts_gzip(scope):
        body = file.gzipped
        headers.append((b"content-encoding", b"gzip"))
    headers.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else body})


class BuildFileServer:
    """An ASGI middleware answering what `find` finds among the build's files (`send_build_file`,
    with `cache_control`), and passing everything else on to `app`."""

    app: ASGIApp
    cache_control: bytes

    def find(self, scope: Scope) -> BuildFile | None:
        raise NotImplementedError

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        file = self.find(scope)
        if file is None:
            await self.app(scope, receive, send)
            return
        await send_build_file(scope, send, file, self.cache_control)


class BuildAssets(BuildFileServer):
    cache_control = IMMUTABLE

    def __init__(self, app: ASGIApp, directory: Path, prefix: str = "/assets/"):
        self.app = app
        self.directory = Path(directory)
        self.prefix = prefix
        self._files: dict[str, BuildFile] = {}  # files of the build only: never a miss (see above)
        try:  # all of them now, as the build is when the portal starts (see portal_ui.api.build_files)
            names = sorted(path.name for path in self.directory.iterdir() if path.suffix != ".gz")
        except OSError:
            names = []
        for name in names:
            self._load(name)

    def _load(self, name: str) -> BuildFile | None:
        if name in self._files:
            return self._files[name]
        found = None
        # One plain file name inside the assets directory: no separators, no dot-files, no `..`.
        if name and "/" not in name and "\\" not in name and not name.startswith(".") and "\x00" not in name:
            found = read_build_file(self.directory / name)
        if found is not None:
            self._files[name] = found
        return found

    def find(self, scope: Scope) -> BuildFile | None:
        return self._load(scope["path"][len(self.prefix):]) if servable(scope, self.prefix) else None


def build_assets_transformer(app: ASGIApp) -> ASGIApp:
    """For `rx.App(api_transformer=[...])`: the build's assets directory, where Reflex serves it from
    (portal_ui/reflex_internals/build_layout.py)."""
    from portal_ui.reflex_internals.build_layout import assets_dir, assets_url_prefix

    return BuildAssets(app, assets_dir(), assets_url_prefix())
