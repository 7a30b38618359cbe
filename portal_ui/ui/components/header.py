"""The header: product name and logo, the organization, the signed-in user, and Exit."""

from __future__ import annotations

import reflex as rx
from reflex_components_core.el.elements.base import BaseHTML

from portal_ui.ui import routes
from portal_ui.ui.components import plain
from portal_ui.ui.i18n import t
from portal_ui.ui.state.portal import PortalState


# One line, cut with an ellipsis when the header runs out of room.
TRUNCATE = {"overflow": "hidden", "text_overflow": "ellipsis", "white_space": "nowrap"}


def brand_mark() -> rx.Component:
    """The logo from branding, or the product's initial on the accent colour."""
    return rx.cond(
        PortalState.logo_url != "",
        rx.el.img(src=PortalState.logo_url, alt="", height="32px", width="auto", max_width="120px",
                  id="brand-logo"),
        rx.el.div(
            plain.text(PortalState.product_name.to(str)[0:1], size=4, weight="bold"),
            display="flex", align_items="center", justify_content="center",
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
        plain.solid_button(rx.icon("log-out", size=16), t("shell.exit"), type="submit", id="exit-button",
                           aria_label=t("shell.exit_label")),
        action=routes.EXIT,
        method="post",
        margin="0",
    )


def header() -> rx.Component:
    return rx.el.header(
        plain.row(
            plain.row(
                brand_mark(),
                plain.text(PortalState.product_name, size=4, weight="bold", id="product-name",
                           class_name="rt-r-lt-both"),
                rx.cond(
                    PortalState.org_name != "",
                    plain.row(
                        rx.el.span(role="separator", aria_orientation="vertical",
                                   class_name="rt-Separator rt-r-size-2 rt-r-orientation-vertical",
                                   custom_attrs={"data-accent-color": "gray"}),
                        plain.text(PortalState.org_name, size=3, muted=True, id="org-name", **TRUNCATE),
                        min_width="0",
                    ),
                ),
                min_width="0",
            ),
            plain.row(
                plain.text(PortalState.user_name, size=2, muted=True, id="user-name",
                           display=["none", "block"], **TRUNCATE),
                exit_button(),
                flex_shrink="0",
            ),
            justify_content="space-between", width="100%",
        ),
        padding_x=["1rem", "1.5rem"],
        padding_y="0.75rem",
        border_bottom="1px solid var(--gray-a5)",
        background_color="var(--color-panel-solid)",
        position="sticky",
        top="0",
        z_index="10",
    )
