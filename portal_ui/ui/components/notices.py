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


def conflict_notice(message, *, reload_label, on_reload, id_prefix: str, reloading=False,
                    margin_top: str = "1rem") -> rx.Component:
    """Someone else changed what this form edits since the tab loaded it: `message` (empty: nothing
    shown) and a button that loads theirs (`<id_prefix>-conflict`, `<id_prefix>-reload`)."""
    return rx.cond(
        message != "",
        rx.callout.root(
            rx.callout.icon(rx.icon("triangle-alert")),
            rx.flex(
                rx.callout.text(message),
                rx.button(reload_label, type="button", on_click=on_reload, size="2", variant="solid",
                          color_scheme="amber", id=f"{id_prefix}-reload", flex_shrink="0", loading=reloading),
                spacing="3", align=rx.breakpoints(initial="start", sm="center"),
                direction=rx.breakpoints(initial="column", sm="row"), justify="between", width="100%",
            ),
            color_scheme="amber", role="alert", id=f"{id_prefix}-conflict", margin_top=margin_top,
        ),
    )
