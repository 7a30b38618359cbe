"""A confirmation for a destructive action: title, text, the server's refusal (if any), Cancel and
the action's button, which shows progress while the server works."""

from __future__ import annotations

from typing import Any

import reflex as rx

from portal_ui.ui.i18n import t


def confirm_dialog(*, open: rx.Var, on_open_change: Any, title: Any, text: Any, error: rx.Var, busy: rx.Var,
                   action: Any, on_confirm: Any, dialog_id: str, confirm_id: str) -> rx.Component:
    """After a refusal the dialog keeps showing it, with Close instead of Cancel and no action."""
    refused = error != ""
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(title),
            rx.alert_dialog.description(text),
            rx.cond(refused, rx.callout(error, icon="triangle-alert", color_scheme="red", margin_top="1rem",
                                        role="alert")),
            rx.flex(
                rx.alert_dialog.cancel(rx.button(rx.cond(refused, t("members.close"), t("members.cancel")),
                                                 variant="soft", color_scheme="gray")),
                rx.cond(~refused, rx.button(action, color_scheme="red", on_click=on_confirm, loading=busy,
                                            id=confirm_id)),
                spacing="3", justify="end", margin_top="1.25rem",
            ),
            max_width="28rem", id=dialog_id,
        ),
        open=open, on_open_change=on_open_change,
    )
