"""Reflex configuration. Every value that varies by deployment comes from the environment
(see portal_ui/settings.py and the README); REFLEX_DB_URL and REFLEX_REDIS_URL are read by Reflex."""

import os

import reflex as rx

from portal_ui.settings import get_settings
from portal_ui.reflex_internals.lean_bundle import LeanBundlePlugin
from portal_ui.reflex_internals.lean_styles import LeanStylesPlugin
from portal_ui.reflex_internals.same_origin import SameOriginPlugin
from portal_ui.reflex_internals.static_styles import StaticStylesPlugin

config = rx.Config(
    app_name="portal_ui",
    db_url=os.environ.get("REFLEX_DB_URL", "sqlite:///portal.db"),
    telemetry_enabled=False,
    show_built_with_reflex=False,
    # The websocket (socket.io) and HTTP CORS accept only the portal's own pages (PORTAL_PUBLIC_URL),
    # plus PORTAL_FRAME_ANCESTORS; Reflex's default is every origin, with credentials.
    cors_allowed_origins=list(get_settings().browser_origins),
    # No sitemap.xml: it would list `http://localhost:<port>/…` (the build's port, not the public
    # address), and every page needs a session anyway.
    disable_plugins=[rx.plugins.SitemapPlugin],
    plugins=[
        rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="indigo", appearance="inherit")),
        # After Radix Themes, so its stylesheet is imported after Radix's, where Emotion's rules were.
        StaticStylesPlugin(),
        # The app root imports no component library whole (for dynamic components: there are none).
        LeanBundlePlugin(),
        # Radix Themes' stylesheet without the components and breakpoint variants no page uses.
        LeanStylesPlugin(),
        # Pages reach the backend on their own origin: the build names no port.
        SameOriginPlugin(),
    ],
)
