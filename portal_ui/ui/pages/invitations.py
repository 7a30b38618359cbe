"""The invitations part of the members section: the list with revoke, and the invite form."""

from __future__ import annotations

import reflex as rx

from portal_ui.ui.components.pager import pager, screen_reader_only
from portal_ui.ui.components.role_picker import role_badges, role_picker
from portal_ui.ui.i18n import t
from portal_ui.ui.state import PortalState
from portal_ui.ui.state.invitations import InvitationsState

ON_WIDE = rx.breakpoints(initial="none", sm="table-cell")
ON_NARROW = rx.breakpoints(initial="block", sm="none")
STATUS_COLORS = {"pending": "amber", "accepted": "green", "revoked": "gray"}


def _status(row: rx.Var) -> rx.Component:
    return rx.badge(row.status_label, color_scheme=rx.match(row.status, *STATUS_COLORS.items(), "gray"),
                    variant="soft", high_contrast=True, class_name="invitation-status")


def _invitation_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.vstack(
                rx.text(row.email, weight="medium", word_break="break-all"),
                rx.cond(row.name != "", rx.text(row.name, size="2", color_scheme="gray")),
                rx.box(rx.text(row.roles.join(", "), " · ", row.invited, size="1", color_scheme="gray"),
                       display=ON_NARROW),
                spacing="0",
            ),
        ),
        rx.table.cell(role_badges(row.roles), display=ON_WIDE),
        rx.table.cell(rx.text(row.invited, size="2", white_space="nowrap"), display=ON_WIDE),
        rx.table.cell(_status(row)),
        rx.table.cell(
            rx.cond(
                row.status == "pending",
                rx.button(t("members.revoke"), size="1", variant="soft", color_scheme="red",
                          disabled=PortalState.read_only, on_click=InvitationsState.ask_revoke(row.code),
                          class_name="revoke-invitation",
                          aria_label=t("members.revoke_label", email=row.email)),
            ),
            text_align="right",
        ),
        data_email=row.email,
        align="center",
    )


def _invitation_table() -> rx.Component:
    return rx.cond(
        InvitationsState.invitation_total > 0,
        rx.table.root(
            rx.table.header(rx.table.row(
                rx.table.column_header_cell(t("members.column.email")),
                rx.table.column_header_cell(t("members.roles"), display=ON_WIDE),
                rx.table.column_header_cell(t("members.column.invited_on"), display=ON_WIDE),
                rx.table.column_header_cell(t("members.column.status")),
                rx.table.column_header_cell(screen_reader_only(t("members.column.actions"))),
            )),
            rx.table.body(rx.foreach(InvitationsState.invitation_rows, _invitation_row)),
            variant="surface", width="100%", id="invitation-table",
        ),
        rx.text(rx.cond(InvitationsState.include_closed, t("members.no_invitations"),
                        t("members.no_pending_invitations")),
                size="2", color_scheme="gray", id="invitations-none"),
    )


def _field(label: rx.Var, name: str, **props) -> rx.Component:
    """A labelled input; `name` (the form field) also gives its id."""
    return rx.el.label(
        rx.text(label, size="2", weight="medium"),
        rx.input(name=name, id=f"invite-{name.replace('_', '-')}", margin_top="0.25rem", **props),
        display="block", width="100%",
    )


def _invite_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(t("members.invite_title")),
            rx.dialog.description(t("members.invite_text"), margin_bottom="1rem"),
            rx.form(
                rx.grid(
                    _field(t("members.first_name"), "first_name", max_length=64, auto_complete="off"),
                    _field(t("members.last_name"), "last_name", max_length=64, auto_complete="off"),
                    columns=rx.breakpoints(initial="1", xs="2"), spacing="3", width="100%",
                ),
                rx.box(_field(t("members.email"), "email", type="email", required=True, max_length=254,
                              auto_complete="off"),
                       margin_top="0.75rem"),
                rx.box(role_picker(InvitationsState.invite_roles, t("members.roles")), margin_top="1rem"),
                rx.cond(InvitationsState.invite_error != "",
                        rx.callout(InvitationsState.invite_error, icon="triangle-alert", color_scheme="red",
                                   id="invite-error", margin_top="1rem", role="alert")),
                rx.flex(
                    rx.dialog.close(rx.button(t("members.cancel"), type="button", variant="soft", color_scheme="gray")),
                    rx.button(t("members.send_invitation"), type="submit", loading=InvitationsState.invite_busy,
                              id="invite-send"),
                    spacing="3", justify="end", margin_top="1.25rem",
                ),
                on_submit=InvitationsState.invite, reset_on_submit=False, id="invite-form",
            ),
            max_width="32rem", id="invite-dialog",
        ),
        open=InvitationsState.invite_open, on_open_change=InvitationsState.close_invite,
    )


def _revoke_dialog() -> rx.Component:
    refused = InvitationsState.revoke_error != ""
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(t("members.revoke_title")),
            rx.alert_dialog.description(
                rx.text(rx.text.strong(InvitationsState.revoke_email), t("members.revoke_text_after"))),
            rx.cond(refused, rx.callout(InvitationsState.revoke_error, icon="triangle-alert", color_scheme="red",
                                        id="revoke-error", margin_top="1rem", role="alert")),
            rx.flex(
                rx.alert_dialog.cancel(rx.button(rx.cond(refused, t("members.close"), t("members.cancel")),
                                                 variant="soft", color_scheme="gray")),
                rx.cond(~refused, rx.button(t("members.revoke_action"), color_scheme="red",
                                            on_click=InvitationsState.confirm_revoke,
                                            loading=InvitationsState.revoke_busy, id="revoke-confirm")),
                spacing="3", justify="end", margin_top="1.25rem",
            ),
            max_width="28rem", id="revoke-dialog",
        ),
        open=InvitationsState.revoke_open, on_open_change=InvitationsState.close_revoke,
    )


def invitations() -> rx.Component:
    return rx.vstack(
        rx.flex(
            rx.heading(t("members.invitations"), as_="h2", size="5"),
            rx.el.label(
                rx.switch(checked=InvitationsState.include_closed, on_change=InvitationsState.show_closed,
                          id="show-closed", size="1"),
                rx.text(t("members.show_closed"), size="2", color_scheme="gray"),
                display="flex", gap="0.5rem", align_items="center", cursor="pointer",
            ),
            justify="between", align="center", wrap="wrap", spacing="2", width="100%",
        ),
        rx.cond(
            InvitationsState.invitations_loaded,
            rx.vstack(
                rx.box(_invitation_table(), overflow_x="auto", width="100%"),
                rx.cond(InvitationsState.invitation_total > 0,
                        pager(showing=InvitationsState.invitation_showing, page=InvitationsState.invitation_page,
                              pages=InvitationsState.invitation_pages,
                              on_previous=InvitationsState.previous_invitations_page,
                              on_next=InvitationsState.next_invitations_page, id_prefix="invitations")),
                spacing="3", align="stretch", width="100%",
            ),
            rx.skeleton(rx.box(height="4rem", width="100%"), loading=True),
        ),
        _invite_dialog(),
        _revoke_dialog(),
        spacing="3", align="stretch", width="100%", margin_top="1.5rem", id="invitations",
    )
