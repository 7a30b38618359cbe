"""The header: product name and logo, the organization, the signed-in user, and Exit."""

from __future__ import annotations

import reflex as rx
from reflex_components_core.el.elements.base import BaseHTML

from portal_ui.ui import routes
from portal_ui.ui.i18n import t
from portal_ui.ui.state.portal import PortalState


# One line, cut with an ellipsis when the header runs out of room (Radix's `truncate` is not an
# rx.text prop: passed as one, it became an unknown CSS property and nothing was cut).
TRUNCATE = {"overflow": "hidden", "text_overflow": "ellipsis", "white_space": "nowrap"}


def brand_mark() -> rx.Component:
    """The logo from branding, or the product's initial on the accent colour."""
    return rx.cond(
        PortalState.logo_url != "",
        rx.image(src=PortalState.logo_url, alt="", height="32px", width="auto", max_width="120px",
                 id="brand-logo"),
        rx.flex(
            rx.text(PortalState.product_name.to(str)[0:1], weight="bold", size="4"),
            align="center", justify="center",
            id="brand-mark", width="32px", height="32px", border_radius="var(--radius-3)",
            background_color="var(--accent-9)", color="var(--accent-contrast)", flex_shrink="0",
        ),
    )


class NativeForm(BaseHTML):
    """A <form> the browser submits itself, as a full-page request.

    rx.el.form always attaches a submit handler that prevents the browser's own submission.
    """

    tag = "form"
    action: rx.Var[str]
    method: rx.Var[str]


def exit_button() -> rx.Component:
    """A plain HTML form: the POST ends the session server-side and the browser follows the
    303 to the return URL in this tab, leaving no portal page in a state to come back to."""
    return NativeForm.create(
        rx.button(rx.icon("log-out", size=16), t("shell.exit"), type="submit", id="exit-button", variant="solid",
                  size="2", aria_label=t("shell.exit_label")),
        action=routes.EXIT,
        method="post",
        margin="0",
    )


def header() -> rx.Component:
    return rx.el.header(
        rx.hstack(
            rx.hstack(
                brand_mark(),
                rx.text(PortalState.product_name, weight="bold", size="4", id="product-name", trim="both"),
                rx.cond(
                    PortalState.org_name != "",
                    rx.hstack(
                        rx.separator(orientation="vertical", size="2"),
                        rx.text(PortalState.org_name, size="3", color_scheme="gray", id="org-name",
                                **TRUNCATE),
                        align="center", spacing="3", min_width="0",
                    ),
                ),
                align="center", spacing="3", min_width="0",
            ),
            rx.hstack(
                rx.text(PortalState.user_name, size="2", color_scheme="gray", id="user-name",
                        display=["none", "block"], **TRUNCATE),
                exit_button(),
                align="center", spacing="3", flex_shrink="0",
            ),
            justify="between", align="center", width="100%", spacing="3",
        ),
        padding_x=["1rem", "1.5rem"],
        padding_y="0.75rem",
        border_bottom="1px solid var(--gray-a5)",
        background_color="var(--color-panel-solid)",
        position="sticky",
        top="0",
        z_index="10",
    )
