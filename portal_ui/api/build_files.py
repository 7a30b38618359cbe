"""The production build's pages and other unhashed files, answered from what the build held when
this portal started.

Reflex's static file server reads each page (`profile/index.html`), `portal.css` and
`stripe_card.js` from `.web/build/client/` on every request. Two portals may run from one
checkout (a second port, `make run` beside `make test`), and a start whose build inputs changed
builds again (portal_ui/reflex_internals/build_reuse.py): Reflex deletes `.web/build/` and Vite
writes it anew, which takes a while. Until that build ended, every page another running portal
was asked for answered "Not Found", and a page could load without its stylesheet.

This pure ASGI middleware reads those files once, when the backend starts (after its own build):
every file under the build except the hashed `assets/` (portal_ui.api.build_assets reads those
at the same moment), at most MAX_BYTES in all. It answers a GET or HEAD for one of them (a page
at its folder's path, `/profile/`, as the static files would) from memory, gzipped when the build
wrote a `.gz` beside it and the browser accepts gzip, with an ETag and `no-cache` (the names stay
when the content changes). Anything else, including a range request, goes on to Reflex's static
files unchanged, so a missing page is still their 404. Without a build (development mode) it
keeps nothing and passes everything on.
"""

from __future__ import annotations

from pathlib import Path

from starlette.types import ASGIApp, Scope

from portal_ui.api.build_assets import BuildFile, BuildFileServer, read_build_file, servable

MAX_BYTES = 32 * 1024 * 1024  # the build's pages and files are a small part of this
NO_CACHE = b"no-cache"


def snapshot(directory: Path, *, skip: str = "assets", limit: int = MAX_BYTES) -> dict[str, BuildFile]:
    """The files under `directory` by the URL path they are served at: `index.html` files at their
    folder's path ending in "/", the rest at their own; none under `skip`, no `.gz` sidecars (kept
    with their file), no dot-files, and no more once `limit` bytes are read."""
    directory = Path(directory)
    try:
        paths = sorted(path for path in directory.rglob("*") if path.is_file())
    except OSError:
        return {}
    found: dict[str, BuildFile] = {}
    total = 0
    for path in paths:
        parts = path.relative_to(directory).parts
        if parts[0] == skip or path.suffix == ".gz" or any(part.startswith(".") for part in parts):
            continue
        file = read_build_file(path)
        if file is None:
            continue
        total += len(file.body) + len(file.gzipped or b"")
        if total > limit:
            break
        name = "/".join(parts)
        found["/" + (name[: -len("index.html")] if parts[-1] == "index.html" else name)] = file
    return found


class BuildFiles(BuildFileServer):
    cache_control = NO_CACHE

    def __init__(self, app: ASGIApp, directory: Path):
        self.app = app
        self._files = snapshot(directory)

    def find(self, scope: Scope) -> BuildFile | None:
        return self._files.get(scope["path"]) if servable(scope) else None


def build_files_transformer(app: ASGIApp) -> ASGIApp:
    """For `rx.App(api_transformer=[...])`: the build's folder, where Reflex serves it from
    (portal_ui/reflex_internals/build_layout.py)."""
    from portal_ui.reflex_internals.build_layout import static_dir

    return BuildFiles(app, static_dir())
