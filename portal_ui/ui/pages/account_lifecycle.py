"""The profile page's account lifecycle cards: your organizations (leave, transfer ownership), your
data (download), deleting your account; and their dialogs. State: ui/state/account_lifecycle.py.

Read-only (preview) sessions see the controls disabled; the handlers refuse them anyway.
"""

from __future__ import annotations

import reflex as rx

from portal_ui.domain.ownership import CONFIRM_MAX
from portal_ui.paths import DATA_EXPORT
from portal_ui.ui.components import plain
from portal_ui.ui.components.forms import SELECT_STYLE, field_label
from portal_ui.ui.i18n import t
from portal_ui.ui.state import PortalState
from portal_ui.ui.state.account_lifecycle import LifecycleState

S = LifecycleState


def _org_row(item: rx.Var) -> rx.Component:
    return rx.el.li(
        plain.row(
            plain.row(rx.icon("building-2", size=16, color="var(--gray-10)", flex_shrink="0"),
                      plain.text(item.name, weight="medium", word_break="break-word"),
                      rx.cond(item.owner, rx.badge(t("lifecycle.owner"), color_scheme="gray", variant="surface",
                                                   class_name="org-owner-badge")),
                      gap=2, flex_grow="1", min_width="0"),
            plain.row(
                rx.cond(item.may_transfer,
                        rx.button(t("lifecycle.transfer"), size="1", variant="soft",
                                  on_click=S.ask_transfer(item.code), disabled=PortalState.read_only,
                                  aria_label=item.transfer_label, class_name="org-transfer")),
                rx.button(t("lifecycle.leave"), size="1", variant="soft", color_scheme="red",
                          on_click=S.ask_leave(item.code), disabled=PortalState.read_only | (item.blocked != ""),
                          aria_label=item.leave_label, class_name="org-leave"),
                gap=2, flex_wrap="wrap",
            ),
            justify_content="space-between", flex_wrap="wrap", gap=2,
        ),
        rx.cond(item.blocked != "",
                plain.row(rx.icon("info", size=14, flex_shrink="0"), plain.text(item.blocked, size=1, as_="p"),
                          gap=1, align="start", color="var(--gray-11)", margin_top="0.35rem",
                          class_name="org-blocked")),
        padding_y="0.5rem", border_bottom="1px solid var(--gray-a4)", class_name="org-item",
    )


def memberships() -> rx.Component:
    """The user's organizations, each with Leave and (for owners) Transfer ownership."""
    return plain.column(
        plain.heading(S.orgs_heading, as_="h2", size=3),
        rx.cond(
            S.org_items.length() > 0,
            rx.el.ul(rx.foreach(S.org_items, _org_row), id="profile-orgs", list_style="none", padding="0",
                     margin="0", width="100%"),
            plain.text(t("profile.no_organizations"), muted=True, as_="p", id="profile-orgs-none"),
        ),
        gap=2, align_items="start", width="100%",
    )


def your_data() -> rx.Component:
    return plain.column(
        plain.heading(t("lifecycle.data_heading"), as_="h2", size=3),
        plain.text(S.data_text, size=2, as_="p"),
        # A document request: the file comes from an HTTP route that checks the session cookie.
        rx.button(rx.el.a(rx.icon("download", size=16), t("lifecycle.data_download"), href=DATA_EXPORT,
                          download=True, reload_document=True, id="data-download"),
                  as_child=True, variant="soft"),
        gap=2, align_items="start",
    )


def delete_account() -> rx.Component:
    scheduled = S.deletion_due != ""
    return plain.column(
        plain.heading(t("lifecycle.delete_heading"), as_="h2", size=3),
        rx.cond(
            scheduled,
            plain.column(
                rx.callout(t("lifecycle.delete_scheduled", day=S.deletion_due), icon="calendar-x",
                           color_scheme="red", id="deletion-scheduled", role="status"),
                plain.text(t("lifecycle.delete_scheduled_note"), size=2, as_="p"),
                rx.button(t("lifecycle.cancel_deletion"), on_click=S.cancel_account_deletion,
                          loading=S.cancel_busy, disabled=PortalState.read_only, id="deletion-cancel"),
                gap=2, align_items="start",
            ),
            plain.column(
                plain.text(S.delete_text, size=2, as_="p"),
                rx.cond(S.deletion_blockers.length() > 0,
                        rx.el.div(plain.row(rx.icon("info", size=16, flex_shrink="0"),
                                            plain.text(S.deletion_blocked_intro, size=2, as_="p"), gap=2),
                                  rx.el.ul(rx.foreach(S.deletion_blockers,
                                                      lambda why: rx.el.li(plain.text(why, size=2))),
                                           margin="0.25rem 0 0 1.5rem", padding="0"),
                                  id="deletion-blocked", padding="var(--space-3)", border_radius="var(--radius-3)",
                                  background_color="var(--gray-a3)", color="var(--gray-12)", width="100%")),
                rx.button(t("lifecycle.delete_button"), color_scheme="red", variant="soft", on_click=S.ask_delete,
                          disabled=PortalState.read_only | (S.deletion_blockers.length() > 0), id="deletion-ask"),
                gap=2, align_items="start",
            ),
        ),
        gap=2, align_items="start",
    )


def _confirm_dialog(prefix: str, *, title, body, error: rx.Var, action, on_confirm, busy: rx.Var,
                    is_open: rx.Var) -> rx.Component:
    """An "are you sure?" dialog; after a refusal it shows why and offers only Cancel. Ids: `prefix`-…"""
    refused = error != ""
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(title),
            rx.alert_dialog.description(body),
            rx.cond(refused, rx.callout(error, icon="triangle-alert", color_scheme="red", id=f"{prefix}-error",
                                        margin_top="1rem", role="alert")),
            rx.flex(
                rx.alert_dialog.cancel(rx.button(t("lifecycle.cancel"), variant="soft", color_scheme="gray",
                                                 id=f"{prefix}-cancel")),
                rx.cond(~refused, rx.button(action, color_scheme="red", on_click=on_confirm, loading=busy,
                                            id=f"{prefix}-confirm")),
                spacing="3", justify="end", margin_top="1.25rem",
            ),
            max_width="28rem", id=f"{prefix}-dialog",
        ),
        open=is_open, on_open_change=S.close_dialogs,
    )


def _transfer_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(S.transfer_title),
            rx.dialog.description(S.transfer_body, margin_bottom="1rem"),
            rx.cond(
                S.transfer_empty != "",
                plain.text(S.transfer_empty, as_="p", id="transfer-empty"),
                rx.form(
                    field_label(t("lifecycle.transfer_new_owner"), "transfer-new-owner", required=True),
                    rx.el.select(
                        rx.el.option(t("lifecycle.choose"), value=""),
                        rx.foreach(S.transfer_candidates, lambda c: rx.el.option(c.label, value=c.id)),
                        name="new_owner", id="transfer-new-owner", key=f"transfer-{S.transfer_revision}",
                        style=SELECT_STYLE,
                    ),
                    rx.el.div(
                        field_label(S.transfer_confirm_label, "transfer-confirm", required=True),
                        rx.input(name="confirm", id="transfer-confirm", max_length=CONFIRM_MAX, auto_complete="off",
                                 key=f"transfer-confirm-{S.transfer_revision}"),
                        margin_top="1rem",
                    ),
                    rx.cond(S.transfer_error != "",
                            rx.callout(S.transfer_error, icon="triangle-alert", color_scheme="red",
                                       id="transfer-error", margin_top="1rem", role="alert")),
                    rx.flex(
                        rx.dialog.close(rx.button(t("lifecycle.cancel"), type="button", variant="soft",
                                                  color_scheme="gray", id="transfer-cancel")),
                        rx.button(t("lifecycle.transfer"), type="submit", color_scheme="red",
                                  loading=S.transfer_busy, id="transfer-submit"),
                        spacing="3", justify="end", margin_top="1.25rem",
                    ),
                    on_submit=S.confirm_transfer, reset_on_submit=False, no_validate=True, id="transfer-form",
                ),
            ),
            max_width="32rem", id="transfer-dialog",
        ),
        open=S.transfer_open, on_open_change=S.close_dialogs,
    )


def lifecycle_dialogs() -> rx.Component:
    return rx.fragment(
        _confirm_dialog("leave", title=S.leave_title, body=S.leave_body, error=S.leave_error,
                        action=t("lifecycle.leave"), on_confirm=S.confirm_leave, busy=S.leave_busy,
                        is_open=S.leave_open),
        _transfer_dialog(),
        _confirm_dialog("delete", title=t("lifecycle.delete_title"), body=S.delete_body, error=S.delete_error,
                        action=t("lifecycle.delete_confirm"), on_confirm=S.confirm_delete, busy=S.delete_busy,
                        is_open=S.delete_open),
    )
