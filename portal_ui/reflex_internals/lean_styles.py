"""A compiler plugin that leaves out the parts of Radix Themes' stylesheet the app cannot use.

Radix Themes ships one stylesheet for every component, at every breakpoint (700 KB minified),
and the browser parses all of it before a portal page may run its scripts: a portal link's
first content waited ~40 ms longer for it than for a small stylesheet (bench/link_to_content.py,
README "Performance"). The app uses about half of the components, and responsive props only at
two breakpoints. This plugin adds a PostCSS step to the frontend build (radix_prune.cjs, beside
this file) that reads the compiled pages and drops the rules for unused leaf components (theme
panel, tooltip, tabs...) and for breakpoint-prefixed classes with values no page gives. Tokens,
colours, shared parts and every component the pages import stay whole.

Reflex 0.10.1 assumptions: its `.web/postcss.config.js` template (`Dirs.POSTCSS_JS`) has the line
`"postcss-import": {},`; plugins' `add_modify_task` rewrites a `.web/` file and
`get_static_assets` writes one; compiled pages are `.jsx` files under `.web/app`,
`.web/app_components`, `.web/components` and `.web/utils` that import Radix Themes' components as
`RadixThemes<Name>` and write responsive props as `["sm"] : "3"` (what radix_prune.cjs reads);
`.web/styles/__reflex_global_styles.css` imports `@radix-ui/themes/styles.css` (what it prunes).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

from reflex_base.constants import Dirs
from reflex_base.plugins.base import Plugin

PRUNE_SCRIPT = "postcss-radix-prune.cjs"
PRUNE_SOURCE = Path(__file__).with_name("radix_prune.cjs")
_AFTER = '"postcss-import": {},'


def add_prune_step(config: str) -> str:
    """postcss.config.js with the prune step right after postcss-import (which inlines Radix)."""
    if PRUNE_SCRIPT in config:
        return config
    if _AFTER not in config:
        raise RuntimeError(f"{Dirs.POSTCSS_JS} has no `{_AFTER}` line to put the Radix prune step after; "
                           "Reflex's template changed: update portal_ui/reflex_internals/lean_styles.py")
    return config.replace(_AFTER, f'{_AFTER}\n    "./{PRUNE_SCRIPT}": {{}},', 1)


class LeanStylesPlugin(Plugin):
    """Adds radix_prune.cjs to the frontend's PostCSS steps."""

    def get_static_assets(self, **context: Any) -> Sequence[tuple[Path, str | bytes]]:
        return [(Path(PRUNE_SCRIPT), PRUNE_SOURCE.read_text())]

    def pre_compile(self, **context: Any) -> None:
        context["add_modify_task"](Dirs.POSTCSS_JS, add_prune_step)
