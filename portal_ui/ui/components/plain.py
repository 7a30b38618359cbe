"""Plain HTML elements with Radix Themes' classes, for the parts every page renders.

Every Radix Themes component is a React component of its own (a forwardRef whose props are
sorted into class names at run time, often through a Slot), so each one costs the browser a
render wherever an update reaches it. The shell (header, navigation, section heading) and the
loading placeholders are on every page and all render when a portal link's data arrives. As
plain elements carrying the class names those components would have rendered (`rt-Text
rt-r-size-2`...), they look exactly the same, from the same stylesheet, and render cheaper
(bench/link_to_content.py). Layout is plain CSS; its literal styles become classes in the static
stylesheet (portal_ui/reflex_internals/static_styles.py).

Text and layout inside sections use these too (form labels, the profile's lines); the interactive
parts keep Radix Themes components (inputs, buttons, dialogs, menus), and so do cards and tables.
"""

from __future__ import annotations

from typing import Any, Literal

import reflex as rx

Weight = Literal["light", "regular", "medium", "bold"]


def _classes(*names: str | None) -> str:
    return " ".join(name for name in names if name)


def text(*children: Any, size: int = 3, weight: Weight | None = None, muted: bool = False, as_: str = "span",
         class_name: str = "", **props: Any) -> rx.Component:
    """Radix's <Text>: `size` on its scale, `muted` for color_scheme="gray"."""
    element = {"span": rx.el.span, "p": rx.el.p, "div": rx.el.div}[as_]
    if muted:
        props["custom_attrs"] = {**props.get("custom_attrs", {}), "data-accent-color": "gray"}
    return element(*children, class_name=_classes("rt-Text", f"rt-r-size-{size}",
                                                   weight and f"rt-r-weight-{weight}", class_name), **props)


def heading(*children: Any, size: int = 6, as_: str = "h1", **props: Any) -> rx.Component:
    """Radix's <Heading>."""
    element = {"h1": rx.el.h1, "h2": rx.el.h2, "h3": rx.el.h3}[as_]
    return element(*children, class_name=f"rt-Heading rt-r-size-{size}", **props)


def solid_button(*children: Any, size: int = 2, **props: Any) -> rx.Component:
    """Radix's <Button variant="solid">, in the accent colour."""
    return rx.el.button(*children, class_name=f"rt-reset rt-BaseButton rt-r-size-{size} rt-variant-solid rt-Button",
                        **props)


def row(*children: Any, gap: int = 3, align: str = "center", **props: Any) -> rx.Component:
    """A horizontal flex row (Radix's HStack), `gap` on the space scale."""
    return rx.el.div(*children, **{"display": "flex", "align_items": align, "gap": f"var(--space-{gap})", **props})


def column(*children: Any, gap: int = 3, **props: Any) -> rx.Component:
    """A vertical flex column whose children take its width (Radix's VStack, align="stretch")."""
    return rx.el.div(*children, **{"display": "flex", "flex_direction": "column", "gap": f"var(--space-{gap})", **props})
