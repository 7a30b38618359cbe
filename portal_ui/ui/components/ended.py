"""The "your session has ended" view: no session, an idle or expired one, or one that ended."""

from __future__ import annotations

import reflex as rx

from portal_ui.ui.i18n import t
from portal_ui.ui.state.portal import PortalState


def session_ended() -> rx.Component:
    return rx.flex(
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.icon("clock", size=22, color="var(--accent-9)"),
                    rx.text(PortalState.product_name, weight="bold", color_scheme="gray", id="ended-product"),
                    align="center", spacing="2",
                ),
                rx.heading(t("shell.ended_heading"), size="6", as_="h1", id="ended-heading"),
                rx.text(
                    t("shell.ended_text"),
                    color_scheme="gray",
                ),
                rx.cond(
                    PortalState.return_url != "",
                    rx.button(
                        rx.el.a(t("shell.return_to_app"), href=PortalState.return_url, id="return-link"),
                        as_child=True, size="3", margin_top="0.5rem",
                    ),
                ),
                spacing="3",
                align="start",
            ),
            size="4",
            max_width="28rem",
            width="100%",
        ),
        align="center",
        justify="center",
        min_height="100vh",
        padding="1rem",
        id="session-ended",
    )
