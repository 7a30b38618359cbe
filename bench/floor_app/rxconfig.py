"""The framework floor for bench/link_to_content.py: a bare Reflex app, built and served like the portal."""

import reflex as rx

config = rx.Config(
    app_name="floor_app",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    disable_plugins=[rx.plugins.SitemapPlugin],
)
