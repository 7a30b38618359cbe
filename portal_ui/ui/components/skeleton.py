"""Loading placeholders: shown until this session's data has arrived, never anyone's defaults."""

from __future__ import annotations

import reflex as rx


def _bar(width: str, height: str = "1rem") -> rx.Component:
    return rx.skeleton(rx.box(width=width, height=height), loading=True)


def content_skeleton() -> rx.Component:
    return rx.vstack(
        _bar("40%", "2rem"),
        _bar("100%"),
        _bar("90%"),
        _bar("70%"),
        spacing="4",
        width="100%",
        id="content-loading",
        aria_busy="true",
        aria_label="Loading",
    )


def page_skeleton() -> rx.Component:
    return rx.box(
        rx.hstack(_bar("8rem", "2rem"), _bar("5rem", "2rem"), justify="between", width="100%",
                  padding="0.75rem 1.5rem", border_bottom="1px solid var(--gray-a5)"),
        rx.hstack(
            rx.vstack(_bar("10rem"), _bar("10rem"), _bar("10rem"), spacing="3", padding="1.5rem",
                      display=["none", "none", "flex"]),
            rx.box(content_skeleton(), padding="1.5rem", flex="1"),
            width="100%",
        ),
        id="page-loading",
    )
