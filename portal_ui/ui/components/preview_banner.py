"""The permanent banner of a preview session, with the role switcher."""

from __future__ import annotations

import reflex as rx

from portal_ui.ui.i18n import t
from portal_ui.ui.state.portal import PortalState


def _role_switcher() -> rx.Component:
    return rx.hstack(
        rx.el.label(t("shell.viewing_as"), html_for="preview-role", font_size="0.85rem"),
        rx.el.select(
            rx.foreach(
                PortalState.preview_roles,
                lambda role: rx.el.option(role["name"], value=role["key"]),
            ),
            id="preview-role",
            value=PortalState.preview_role,
            on_change=PortalState.switch_preview_role,
            style={"padding": "0.2rem 0.4rem", "border_radius": "6px", "color": "#1c2024", "background": "#fff"},
        ),
        align="center",
        spacing="2",
    )


def preview_banner() -> rx.Component:
    return rx.cond(
        PortalState.is_preview,
        rx.flex(
            rx.hstack(
                rx.icon("eye", size=18),
                rx.text(t("shell.preview_refusal"), weight="bold"),
                rx.text(PortalState.preview_label, id="preview-label"),
                align="center",
                spacing="2",
                wrap="wrap",
            ),
            rx.cond(PortalState.preview_roles.length() > 0, _role_switcher()),
            id="preview-banner",
            role="status",
            justify="between",
            align="center",
            wrap="wrap",
            gap="0.5rem",
            padding="0.5rem 1rem",
            background="#1c2024",
            color="#ffffff",
            width="100%",
        ),
    )
