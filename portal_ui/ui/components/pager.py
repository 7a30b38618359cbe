"""Pieces of server-side paged tables: previous/next paging ("26–50 of 312", page n of m), and a
header that only screen readers announce."""

from __future__ import annotations

import reflex as rx

from portal_ui.ui.i18n import t


def pager(*, showing: rx.Var, page: rx.Var, pages: rx.Var, on_previous, on_next, id_prefix: str) -> rx.Component:
    """`showing` is the "26–50 of 312" text; the buttons fire `on_previous` / `on_next`."""
    return rx.flex(
        rx.text(showing, size="2", color_scheme="gray", id=f"{id_prefix}-showing"),
        rx.cond(
            pages > 1,
            rx.hstack(
                rx.text(t("shell.page_of", page=page, pages=pages), size="2", color_scheme="gray", id=f"{id_prefix}-page"),
                rx.icon_button(rx.icon("chevron-left", size=16), on_click=on_previous, disabled=page <= 1,
                               variant="soft", aria_label=t("shell.previous_page"), id=f"{id_prefix}-previous"),
                rx.icon_button(rx.icon("chevron-right", size=16), on_click=on_next, disabled=page >= pages,
                               variant="soft", aria_label=t("shell.next_page"), id=f"{id_prefix}-next"),
                align="center", spacing="2",
            ),
        ),
        justify="between", align="center", wrap="wrap", spacing="2", width="100%",
    )


def screen_reader_only(text: str) -> rx.Component:
    """Text for screen readers only (an actions column's header, say)."""
    return rx.el.span(text, position="absolute", width="1px", height="1px", overflow="hidden",
                      clip="rect(0 0 0 0)", white_space="nowrap")
