"""Loading placeholders: shown until this session's data has arrived, never anyone's defaults.

The bars stand still while a page loads as it usually does (well under a second), and start to
pulse once the load has taken longer (`SLOW_AFTER_MS`), so a slow load still shows that it is
alive. A CSS animation makes the browser tick every frame while it runs, even during its
delay, and every frame spent there is taken from the page that is loading: Radix's Skeleton,
pulsing from the start, kept a portal link's data off the screen ~75 ms longer
(bench/link_to_content.py). The bars' look and pulse are in assets/portal.css.
"""

from __future__ import annotations

import reflex as rx
from reflex.vars.base import VarData

from portal_ui.ui.components import plain

SLOW_AFTER_MS = 800
BAR_CLASS = "portal-skeleton-bar"

# Marks every placeholder still on the page as slow (`data-slow`, which starts the pulse).
_MARK_SLOW = f"""useEffect(() => {{
  const timer = setTimeout(() => {{
    document.querySelectorAll('[data-skeleton]').forEach((el) => el.setAttribute('data-slow', ''));
  }}, {SLOW_AFTER_MS});
  return () => clearTimeout(timer);
}}, [])"""


class SlowLoadPulse(rx.Fragment):
    """Starts the placeholders' pulse once they have been on screen for `SLOW_AFTER_MS`."""

    def add_hooks(self) -> list:
        return [rx.Var(_js_expr=_MARK_SLOW, _var_data=VarData(imports={"react": ["useEffect"]}))]


def _bar(width: str, height: str = "1rem") -> rx.Component:
    return rx.el.div(width=width, height=height, class_name=BAR_CLASS)


def content_skeleton() -> rx.Component:
    return plain.column(
        SlowLoadPulse.create(),
        _bar("40%", "2rem"),
        _bar("100%"),
        _bar("90%"),
        _bar("70%"),
        gap=4,
        width="100%",
        id="content-loading",
        aria_busy="true",
        aria_label="Loading",
        custom_attrs={"data-skeleton": ""},
    )


def page_skeleton() -> rx.Component:
    # No timer of its own: the section placeholder inside it has one, which marks both.
    return rx.el.div(
        plain.row(_bar("8rem", "2rem"), _bar("5rem", "2rem"), justify_content="space-between", width="100%",
                  padding="0.75rem 1.5rem", border_bottom="1px solid var(--gray-a5)"),
        plain.row(
            plain.column(_bar("10rem"), _bar("10rem"), _bar("10rem"), gap=3, padding="1.5rem",
                         display=["none", "none", "flex"]),
            rx.el.div(content_skeleton(), padding="1.5rem", flex="1"),
            width="100%",
            align="start",
        ),
        id="page-loading",
        custom_attrs={"data-skeleton": ""},
    )
