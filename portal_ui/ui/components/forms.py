"""Form fields with a label, an inline error and the ARIA that ties them together.

The inputs are uncontrolled (the browser keeps what is typed; the form hands it over on submit),
so typing sends nothing to the server. Each input's `key` includes the form's revision number:
when the state loads new values (a save, a reload, "Discard changes"), the revision moves on and
React re-creates the inputs with the new values.
"""

from __future__ import annotations

from typing import Any, Sequence

import reflex as rx

from portal_ui.ui.components import plain
from portal_ui.ui.i18n import t

INVALID_BORDER = {"&:has(input[aria-invalid='true'])": {"box_shadow": "inset 0 0 0 1px var(--red-8)"}}

# A native <select> styled like Radix's text field (size 2): native pickers suit long lists on phones.
SELECT_STYLE = {
    "width": "100%",
    "height": "var(--space-6)",
    "padding": "0 var(--space-2)",
    "border_radius": "var(--radius-2)",
    "border": "none",
    "box_shadow": "inset 0 0 0 1px var(--gray-a7)",
    "background_color": "var(--color-surface)",
    "color": "var(--gray-12)",
    "font_family": "inherit",
    "font_size": "var(--font-size-2)",
    "&:focus-visible": {"outline": "2px solid var(--focus-8)", "outline_offset": "-1px"},
    "&[aria-invalid='true']": {"box_shadow": "inset 0 0 0 1px var(--red-8)"},
    "&:disabled": {"background_color": "var(--gray-a2)", "color": "var(--gray-a11)", "cursor": "not-allowed",
                   "box_shadow": "inset 0 0 0 1px var(--gray-a6)"},
}


def _has(text: Any) -> bool:
    """True for a non-empty string or any Var (a catalogue message)."""
    return isinstance(text, rx.Var) or bool(text)


def field_label(label: Any, input_id: str, *, required: bool = False) -> rx.Component:
    return rx.el.label(
        plain.text(label, size=2, weight="medium"),
        rx.el.span(" *", color="var(--red-a11)", aria_hidden="true") if required else rx.fragment(),
        html_for=input_id,
        display="block",
        margin_bottom="0.25rem",
    )


def field_error(errors: rx.Var, name: str, input_id: str, hint: Any = "") -> rx.Component:
    """The field's error (red, announced) when it has one; otherwise its hint, if any."""
    return rx.cond(
        errors.contains(name),
        plain.row(
            rx.icon("circle-alert", size=14, flex_shrink="0", margin_top="0.15rem"),
            plain.text(errors[name], size=1, as_="p"),
            id=f"{input_id}-error", color="var(--red-11)", gap=1, align="start", margin_top="0.3rem",
        ),
        plain.text(hint, size=1, muted=True, as_="p", id=f"{input_id}-hint", margin_top="0.3rem") if _has(hint) else rx.fragment(),
    )


def _aria(errors: rx.Var, name: str, input_id: str, hint: Any) -> dict[str, Any]:
    has_error = errors.contains(name)
    return {
        "aria_invalid": rx.cond(has_error, "true", "false"),
        "aria_describedby": rx.cond(has_error, f"{input_id}-error", f"{input_id}-hint" if _has(hint) else ""),
    }


def text_field(*, form: str, name: str, label: Any, value: rx.Var, errors: rx.Var, revision: rx.Var,
               max_length: int, disabled: Any = False, required: bool = False, type_: str = "text",
               auto_complete: str = "off", hint: Any = "", **box_props: Any) -> rx.Component:
    """A labelled text input named `name` (its id is `<form>-<name>`)."""
    input_id = f"{form}-{name}"
    return rx.el.div(
        field_label(label, input_id, required=required),
        rx.input(
            name=name,
            id=input_id,
            key=f"{input_id}-{revision}",
            default_value=value,
            type=type_,
            max_length=max_length,
            required=required,
            disabled=disabled,
            auto_complete=auto_complete,
            style=INVALID_BORDER,
            **_aria(errors, name, input_id, hint),
        ),
        field_error(errors, name, input_id, hint),
        **box_props,
    )


def select_field(*, form: str, name: str, label: Any, value: rx.Var, errors: rx.Var, revision: rx.Var,
                 options: Sequence[tuple[str, str]], empty_label: str, disabled: Any = False,
                 auto_complete: str = "off", **box_props: Any) -> rx.Component:
    """A labelled native select of (value, text) options, with an empty first choice."""
    input_id = f"{form}-{name}"
    return rx.el.div(
        field_label(label, input_id),
        rx.el.select(
            rx.el.option(empty_label, value=""),
            *(rx.el.option(text, value=code) for code, text in options),
            name=name,
            id=input_id,
            key=f"{input_id}-{revision}",
            default_value=value,
            disabled=disabled,
            auto_complete=auto_complete,
            style=SELECT_STYLE,
            **_aria(errors, name, input_id, ""),
        ),
        field_error(errors, name, input_id),
        **box_props,
    )


def form_actions(*, form: str, saving: rx.Var, disabled: Any, on_discard: Any, errors: rx.Var,
                 save_label: Any = None) -> rx.Component:
    """Save (a submit button with a loading state), "Discard changes" (back to the loaded values),
    and, after a refused save, a line saying the highlighted fields need fixing."""
    busy = saving | disabled if isinstance(disabled, rx.Var) else saving
    return plain.row(
        rx.button(t("shell.save_changes") if save_label is None else save_label, type="submit", loading=saving, disabled=disabled, id=f"{form}-save"),
        rx.button(t("shell.discard_changes"), type="button", variant="soft", color_scheme="gray", on_click=on_discard,
                  disabled=busy, id=f"{form}-discard"),
        rx.cond(
            errors.length() > 0,
            plain.row(rx.icon("circle-alert", size=16), plain.text(t("shell.check_fields"), size=2),
                      color="var(--red-11)", gap=1, role="alert", id=f"{form}-invalid"),
        ),
        flex_wrap="wrap",
        margin_top="1.5rem",
    )
