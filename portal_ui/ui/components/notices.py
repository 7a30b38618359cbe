"""Short notices at the top of a section: a redirect from a hidden section, a read-only role."""

from __future__ import annotations

import reflex as rx

from portal_ui.ui.state.portal import PortalState


def unavailable_notice() -> rx.Component:
    return rx.cond(
        PortalState.notice != "",
        rx.callout(PortalState.notice, icon="info", color_scheme="amber", id="unavailable-notice", role="status"),
    )


def read_only_notice() -> rx.Component:
    return rx.cond(
        PortalState.read_only_note != "",  # read-only, in a section with something to change
        rx.callout(PortalState.read_only_note, icon="eye", color_scheme="gray", id="read-only-note"),
    )
