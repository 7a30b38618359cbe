"""The events a tab sends first on every websocket (re)connect.

Reflex 0.10.1: the page's first event after connecting is `hydrate_and_load` on the root state
(`.web/utils/context.jsx` sends `reflex___state____state.hydrate_and_load`, in the socket.io
CONNECT packet); `hydrate` is the root state's plain hydrate handler, kept for any client that
sends it. Both are handlers of `rx.State` (`rx.State.event_handlers`), whose event names
`reflex_base.utils.format.format_event_handler` gives. An `rx.Middleware`'s
`preprocess` sees that event before it runs (portal_ui.ui.middleware.FreshShellOnConnect).
"""

from __future__ import annotations

import functools

CONNECT_HANDLERS = ("hydrate", "hydrate_and_load")


@functools.cache
def connect_event_names() -> frozenset[str]:
    """The full event names (`reflex___state____state.hydrate_and_load`, ...) of a (re)connect."""
    import reflex as rx
    from reflex_base.utils.format import format_event_handler

    return frozenset(format_event_handler(rx.State.event_handlers[name]) for name in CONNECT_HANDLERS)
