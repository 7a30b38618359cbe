"""Join requests: the profile's "organizations you can join" block, and the members section's
pending requests with their approve and reject dialogs."""

from __future__ import annotations

import reflex as rx

from portal_ui.ui.components import plain
from portal_ui.ui.components.confirm import confirm_dialog
from portal_ui.ui.components.role_picker import role_picker
from portal_ui.ui.i18n import t
from portal_ui.ui.state import PortalState
from portal_ui.ui.state.join_requests import JoinRequestsState, JoinSuggestionsState


def _suggestion(item: rx.Var) -> rx.Component:
    return rx.el.li(
        plain.row(rx.icon("building-2", size=16, color="var(--gray-10)"), plain.text(item.org_name, weight="medium"),
                  gap=2),
        plain.text(item.text, size=2, muted=True, as_="p"),
        rx.match(
            item.status,
            ("pending", rx.badge(t("join.asked"), color_scheme="amber", variant="soft", high_contrast=True,
                                 class_name="join-status")),
            ("rejected", rx.badge(t("join.rejected"), color_scheme="gray", variant="soft", high_contrast=True,
                                  class_name="join-status")),
            rx.button(t("join.ask"), size="2", on_click=JoinSuggestionsState.ask_to_join(item.org_code),
                      loading=JoinSuggestionsState.join_busy == item.org_code, class_name="ask-to-join",
                      aria_label=t("join.ask_label", org=item.org_name)),
        ),
        data_org=item.org_name, display="flex", flex_direction="column", gap="var(--space-2)",
        align_items="start", padding_y="0.2rem",
    )


def join_suggestions() -> rx.Component:
    """The profile's block; shown only when there is an organization to join."""
    return plain.column(
        plain.heading(JoinSuggestionsState.join_heading, as_="h2", size=3),
        rx.el.ul(rx.foreach(JoinSuggestionsState.join_suggestions, _suggestion), id="join-suggestions",
                 list_style="none", padding="0", margin="0"),
        gap=2, align_items="start",
    )


def _request(row: rx.Var) -> rx.Component:
    return rx.el.li(
        rx.box(
            plain.text(row.name, weight="medium", as_="p"),
            plain.text(row.email, size=2, muted=True, as_="p", word_break="break-all"),
            plain.text(row.asked, size=1, muted=True, as_="p"),
            min_width="0", flex="1",
        ),
        plain.row(
            rx.button(t("join.approve"), size="1", on_click=JoinRequestsState.ask_approve(row.id),
                      disabled=PortalState.read_only, class_name="approve-request",
                      aria_label=t("join.approve_label", name=row.name)),
            rx.button(t("join.reject"), size="1", variant="soft", color_scheme="red",
                      on_click=JoinRequestsState.ask_reject(row.id), disabled=PortalState.read_only,
                      class_name="reject-request", aria_label=t("join.reject_label", name=row.name)),
            gap=2,
        ),
        data_email=row.email, display="flex", gap="var(--space-3)", align_items="center", flex_wrap="wrap",
        padding_y="0.5rem", border_bottom="1px solid var(--gray-a4)",
    )


def _approve_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(JoinRequestsState.approve_title),
            rx.dialog.description(JoinRequestsState.approve_text, margin_bottom="1rem"),
            rx.form(
                role_picker(JoinRequestsState.approve_roles, t("members.roles")),
                rx.cond(JoinRequestsState.approve_error != "",
                        rx.callout(JoinRequestsState.approve_error, icon="triangle-alert", color_scheme="red",
                                   id="approve-error", margin_top="1rem", role="alert")),
                rx.flex(
                    rx.dialog.close(rx.button(t("members.cancel"), type="button", variant="soft", color_scheme="gray")),
                    rx.button(t("join.approve_action"), type="submit", loading=JoinRequestsState.approve_busy,
                              id="approve-confirm"),
                    spacing="3", justify="end", margin_top="1.25rem",
                ),
                on_submit=JoinRequestsState.approve, reset_on_submit=False, id="approve-form",
            ),
            max_width="32rem", id="approve-dialog",
        ),
        open=JoinRequestsState.approve_open, on_open_change=JoinRequestsState.close_approve,
    )


def _reject_dialog() -> rx.Component:
    return confirm_dialog(open=JoinRequestsState.reject_open, on_open_change=JoinRequestsState.close_reject,
                          title=JoinRequestsState.reject_title, text=t("join.reject_text"),
                          error=JoinRequestsState.reject_error, busy=JoinRequestsState.reject_busy,
                          action=t("join.reject_action"), on_confirm=JoinRequestsState.reject,
                          dialog_id="reject-dialog", confirm_id="reject-confirm")


def join_requests_panel() -> rx.Component:
    """Pending requests in the members section; only sessions that may decide them get any."""
    return rx.cond(
        JoinRequestsState.request_total > 0,
        rx.vstack(
            rx.heading(t("join.pending_heading"), as_="h2", size="5"),
            rx.el.ul(rx.foreach(JoinRequestsState.request_rows, _request), id="join-requests", list_style="none",
                     padding="0", margin="0", width="100%"),
            rx.cond(JoinRequestsState.request_more != "",
                    plain.text(JoinRequestsState.request_more, size=1, muted=True, as_="p")),
            _approve_dialog(),
            _reject_dialog(),
            spacing="3", align="stretch", width="100%", margin_top="1.5rem", id="join-requests-panel",
        ),
    )
