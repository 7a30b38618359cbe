"""A compiler plugin that makes the frontend build independent of the port the portal serves on.

Reflex writes the backend's address into the build: `.web/env.json` (bundled into every page)
holds `ws://localhost:<port>/_event` for the websocket, `http://localhost:<port>/_upload` for
uploads, `/ping` and the rest, and `getBackendURL` in `.web/utils/state.js` swaps only the host
name for the page's, keeping that port. The portal serves pages, API and websocket on one port
(`reflex run --env prod --single-port`, see portal_ui/serve.py), so such a build belongs to one
port: two portals started from one checkout on two ports share `.web/`, and the second one's
build pointed the first one's pages at the second ("Cannot connect to server ...
ws://localhost:<other port>/_event").

In a production build this plugin writes each endpoint into env.json as a bare path (`/_event`,
`/_upload`, ...) and makes `getBackendURL` resolve a bare path against the page's own address
(`window.location`), with `ws:`/`wss:` for the websocket after the page's `http:`/`https:`.
Nothing in the build then names a host or a port: any number of portals, on any port and behind
any proxy that serves them on one origin, run the same build. A development build (frontend and
backend on two ports) or an explicitly configured `api_url` keeps Reflex's absolute addresses,
which the patched `getBackendURL` handles exactly as before.

Reflex 0.10.1 assumptions: `getBackendURL` in the `utils/state.js` template contains the lines in
`_ANCHOR` and reads the endpoint names from `env` (env.json, whose keys are the names of
`constants.Endpoint`: `EVENT`, `UPLOAD`, `PING`...); `reflex.utils.build.set_env_json` merges each
plugin's `update_env_json()` into env.json; in production mode without an `api_url` of its own
Reflex derives `http://localhost:<backend_port>`; `get_web_dir() / Dirs.PUBLIC` holds sitemap.xml.
"""

from __future__ import annotations

from typing import Any

from reflex_base import constants
from reflex_base.config import get_config
from reflex_base.plugins.base import Plugin
from reflex_base.plugins.sitemap import SitemapPlugin

STATE_JS = f"{constants.Dirs.UTILS}/state.js"
_MARKER = "portal_ui/reflex_internals/same_origin.py"
# Text every version of the inserted rule carries (an earlier one named this module's former path,
# portal_ui/ui/same_origin.py): Reflex applies the patch to `.web/utils/state.js` in place, so a
# folder patched before must not get the rule twice.
APPLIED_MARK = "an endpoint given as a bare path is served by the page's own origin."
_ANCHOR = "  // Get backend URL object from the endpoint.\n  const endpoint = new URL(url_str);\n"
_SAME_ORIGIN = f"""\
  // {_MARKER}: {APPLIED_MARK}
  if (typeof url_str === "string" && url_str.startsWith("/") && !url_str.startsWith("//")) {{
    const base = typeof window !== "undefined" ? window.location.href : "http://localhost/";
    const sameOrigin = new URL(url_str, base);
    if (url_str === env.EVENT) {{
      sameOrigin.protocol = sameOrigin.protocol === "https:" ? "wss:" : "ws:";
    }}
    return sameOrigin;
  }}
"""


def resolve_paths_on_page_origin(state_js: str) -> str:
    """state.js with `getBackendURL` resolving a bare path against `window.location`."""
    if APPLIED_MARK in state_js:
        return state_js
    if _ANCHOR not in state_js:
        raise RuntimeError(f"{STATE_JS} has no `const endpoint = new URL(url_str);` in getBackendURL to put the "
                           "same-origin rule before; Reflex's template changed: update portal_ui/reflex_internals/same_origin.py")
    return state_js.replace(_ANCHOR, _SAME_ORIGIN + _ANCHOR, 1)


def endpoint_paths() -> dict[str, str]:
    """Every backend endpoint Reflex puts in env.json, as a path on the page's origin."""
    config = get_config()
    return {endpoint.name: config.prepend_backend_path(str(endpoint)) for endpoint in constants.Endpoint}


def serves_one_origin() -> bool:
    """Whether the pages and the backend share one address: a production build whose `api_url` is
    the one Reflex derives from the port (not one set in rxconfig.py or REFLEX_API_URL)."""
    from reflex.utils.exec import is_prod_mode

    config = get_config()
    derived = f"http://localhost:{config.backend_port or constants.DefaultPorts.BACKEND_PORT}"
    return is_prod_mode() and config.api_url.rstrip("/") == derived


class SameOriginPlugin(Plugin):
    """Backend endpoints as paths on the page's origin: no port in the production build."""

    def pre_compile(self, **context: Any) -> None:
        context["add_modify_task"](STATE_JS, resolve_paths_on_page_origin)
        # rxconfig.py disables Reflex's sitemap (it lists `http://localhost:<port>/…`); one written
        # by an earlier build would stay in `.web/public/` and go on being served.
        if not any(isinstance(plugin, SitemapPlugin) for plugin in get_config().plugins):
            from reflex.utils.prerequisites import get_web_dir

            (get_web_dir() / constants.Dirs.PUBLIC / "sitemap.xml").unlink(missing_ok=True)

    def update_env_json(self, **context: Any) -> dict[str, Any] | None:
        return endpoint_paths() if serves_one_origin() else None
