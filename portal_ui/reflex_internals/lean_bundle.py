"""A compiler plugin that keeps whole component libraries out of every page's JavaScript.

Reflex exposes each "bundled library" on `window.__reflex` for dynamic components (components
built from JSX strings at runtime), which makes the app root import the library's whole
namespace: for Radix Themes that is every component, theme panel included, loaded by every
page whether it uses them or not. The portal has no dynamic components, so after the pages are
compiled (when Radix Themes has registered itself) the list goes back to Reflex's defaults
(React, Emotion and Reflex's own modules). Pages import the components they use, as always.

Reflex 0.10.1 assumptions: `reflex_base.components.dynamic.reset_bundled_libraries()` empties the
list to its defaults, plugins' `pre_compile` runs after the Radix Themes plugin registered itself
and before the app root (`.web/app/root.jsx`) is written, whose namespace import would otherwise
read `* as radix_ui_themes`.
"""

from __future__ import annotations

from typing import Any

from reflex_base.components.dynamic import reset_bundled_libraries
from reflex_base.plugins.base import Plugin


class LeanBundlePlugin(Plugin):
    """Registers no dynamic-component libraries beyond Reflex's defaults."""

    def pre_compile(self, **context: Any) -> None:
        reset_bundled_libraries()
