"""The portal page: branded theme, header, navigation, and the section in the middle."""

from __future__ import annotations

from typing import Callable

import reflex as rx

from portal_ui.ui.components import plain
from portal_ui.ui.components.ended import session_ended
from portal_ui.ui.components.header import header
from portal_ui.ui.components.nav import mobile_menu, sidebar
from portal_ui.ui.components.preview_banner import preview_banner
from portal_ui.ui.components.notices import read_only_notice, unavailable_notice
from portal_ui.ui.components.skeleton import content_skeleton, page_skeleton
from portal_ui.ui.components.theme import branded
from portal_ui.ui.i18n import t
from portal_ui.reflex_internals.page_modules import group_by_section
from portal_ui.ui.state.portal import PortalState


def nothing_to_show() -> rx.Component:
    return rx.callout(
        t("shell.nothing_visible"),
        icon="info", id="nothing-visible",
    )


def section_frame(body: rx.Component, *, ready=True) -> rx.Component:
    """A section's heading, notices and body; `ready` says the section's own data is in."""
    return plain.column(
        plain.column(
            plain.heading(PortalState.section_title, size=7, id="section-title"),
            plain.text(PortalState.section_description, muted=True, as_="p", id="section-description"),
            gap=1,
            align_items="start",
        ),
        unavailable_notice(),
        read_only_notice(),
        rx.cond(ready, body, content_skeleton()),
        gap=4,
        width="100%",
    )


SKIP_LINK_STYLE = {
    "position": "absolute", "left": "-10000px", "top": "0.5rem", "z_index": "1000",
    "padding": "0.5rem 0.75rem", "border_radius": "var(--radius-2)",
    "background": "var(--color-panel-solid)", "color": "var(--gray-12)", "box_shadow": "var(--shadow-3)",
    "_focus": {"left": "0.5rem", "outline": "2px solid var(--accent-8)"},
}


def skip_link() -> rx.Component:
    """The first stop of the Tab key: jump past the header and navigation to the section."""
    return rx.el.a(t("shell.skip_to_content"), href="#section", id="skip-link", style=SKIP_LINK_STYLE,
                   on_click=[rx.prevent_default, rx.set_focus("section")])


def shell(content: rx.Component, section_key: str) -> rx.Component:
    return rx.el.div(
        skip_link(),
        preview_banner(),
        header(),
        rx.cond(PortalState.nothing_visible, rx.fragment(), mobile_menu()),
        rx.el.div(
            rx.cond(PortalState.nothing_visible, rx.fragment(), sidebar()),
            rx.el.main(
                rx.cond(
                    PortalState.nothing_visible,
                    nothing_to_show(),
                    # This page's on_load has checked the session and filled the shell for this
                    # section (with the section's data, in the same update); until then, and while
                    # the shell still describes the page navigated away from, a skeleton.
                    rx.cond(PortalState.section_key == section_key, content, content_skeleton()),
                ),
                flex="1",
                min_width="0",
                max_width="56rem",
                padding=["1rem", "1.5rem", "2rem"],
                id="section",
                tab_index=-1,  # the skip link's target takes the focus
                outline="none",
            ),
            display="flex",
            width="100%",
            min_height="calc(100vh - 3.6rem)",
        ),
    )


def portal_page(content: Callable[[], rx.Component], section_key: str) -> Callable[[], rx.Component]:
    """Wrap section `section_key`'s content in the shell.

    Nothing of the session shows until this connection's session check has filled the shell
    (`shell_ready`, reset on every (re)connect); the section waits until its own on_load has
    filled the shell for it (`section_key`), which it does in the same update as the section's
    data. Not Reflex's `is_hydrated`: that flag comes in one more event after the on_load, which
    kept the data off the screen for a further 70-190 ms (bench/link_to_content.py).
    """

    def page() -> rx.Component:
        return branded(
            rx.cond(
                PortalState.ended,
                session_ended(),
                rx.cond(PortalState.shell_ready, shell(content(), section_key), page_skeleton()),
            )
        )

    page.__name__ = f"{getattr(content, '__name__', 'section')}_page"
    # All pages share this function: without a module each, every page would load every
    # section's memoized components (and their libraries) on first paint.
    return group_by_section(page, section_key)
