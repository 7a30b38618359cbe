"""The "/" entry page and the "/session-ended" page.

Both only decide where to go: their on_load sends a live session to its section, and shows
the "session ended" view otherwise.
"""

from __future__ import annotations

import reflex as rx

from portal_ui.ui.components.layout import portal_page


def _nothing() -> rx.Component:
    return rx.fragment()


# No section of their own: a skeleton until the on_load has sent the tab on (or shown why not).
home = portal_page(_nothing, "")
session_ended_page = portal_page(_nothing, "")
