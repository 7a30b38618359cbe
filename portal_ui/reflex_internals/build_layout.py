"""Where Reflex's production build puts the pages and their hashed files, and how it serves them.

Reflex 0.10.1 (`reflex run --env prod`, `reflex.utils.build.build`) writes the frontend to
`.web/build/client/` (`constants.Dirs.STATIC`, plus `frontend_path` when one is configured): each
page as `<path>/index.html`, its scripts and styles under `assets/` with the content's hash in
the name. In single-port mode it serves that folder with `reflex.utils.exec.get_frontend_mount()`:
`PrecompressedStaticFiles` (Starlette's `StaticFiles`, `html=True`) at
`config.prepend_frontend_path("/")`, which answers a page's own path (`/profile`) with a 307 to
`/profile/` (portal_ui.api.page_paths skips that hop) and reads every file from disk per request
(portal_ui.api.build_assets and portal_ui.api.build_files serve them from memory, as the build was
when the portal started).
"""

from __future__ import annotations

from pathlib import Path


def static_dir() -> Path:
    """The folder the production build's files are served from."""
    from reflex.utils import prerequisites
    from reflex_base import constants
    from reflex_base.config import get_config

    return prerequisites.get_web_dir() / constants.Dirs.STATIC / get_config().frontend_path.strip("/")


def assets_dir() -> Path:
    """The build's hashed files."""
    return static_dir() / "assets"


def assets_url_prefix() -> str:
    """The URL path the hashed files are served under (`/assets/`)."""
    from reflex_base.config import get_config

    return get_config().prepend_frontend_path("/assets/")
