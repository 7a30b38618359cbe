"""Start every websocket connection with an empty portal shell.

A tab keeps its Reflex state across reloads and full-page navigations (its token lives in
sessionStorage), and each (re)connect first sends the browser a snapshot of that state. Without
this, a tab that opens a new portal link, perhaps for another person, would receive and briefly
show the previous session's header and data. Resetting on the hydrate event means the snapshot
holds only defaults; the page's on_load then fills the shell from this connection's cookie.
"""

from __future__ import annotations

import reflex as rx

from portal_ui.reflex_internals.connect_events import connect_event_names
from portal_ui.ui.state.portal import PortalState


class FreshShellOnConnect(rx.Middleware):
    async def preprocess(self, app, state, event):
        if event.name in connect_event_names():
            portal = await state.get_state(PortalState)
            portal.reset()  # PortalState and every section substate loaded with it
        return None
