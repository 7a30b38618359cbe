"""The members section: search, sort and page through members; change roles, remove, leave.

Controls that change anything are disabled for a read-only session (PortalState.read_only); the
handlers refuse such sessions anyway.
"""

from __future__ import annotations

import reflex as rx

from portal_ui.ui.components.layout import section_frame
from portal_ui.ui.components.pager import pager, screen_reader_only
from portal_ui.ui.components.role_picker import role_badges, role_picker
from portal_ui.ui.i18n import t
from portal_ui.ui.pages.invitations import invitations
from portal_ui.ui.pages.join_requests import join_requests_panel
from portal_ui.ui.state import MembersState, PortalState
from portal_ui.ui.state.invitations import InvitationsState
from portal_ui.ui.state.member_views import SORTS

ON_WIDE = rx.breakpoints(initial="none", sm="table-cell")  # columns folded into the first one on phones
ON_NARROW = rx.breakpoints(initial="flex", sm="none")


def _toolbar() -> rx.Component:
    return rx.flex(
        rx.input(
            rx.input.slot(rx.icon("search", size=16)),
            value=MembersState.member_query,
            on_change=MembersState.search_members,
            placeholder=t("members.search_placeholder"),
            max_length=100, type="search", id="member-search", aria_label=t("members.search_label"),
            flex_grow="1", min_width="0",
        ),
        rx.flex(
            rx.select.root(
                rx.select.trigger(id="member-sort", aria_label=t("members.sort_label"), flex="1"),
                rx.select.content(*(rx.select.item(t(key), value=value) for value, key in SORTS.items())),
                value=MembersState.member_sort,
                on_change=MembersState.sort_members,
            ),
            rx.button(rx.icon("user-plus", size=16), t("members.invite"), on_click=InvitationsState.open_invite,
                      disabled=PortalState.read_only, id="invite-button"),
            spacing="2", flex_shrink="0",
        ),
        direction=rx.breakpoints(initial="column", sm="row"), spacing="2", width="100%",
        id="member-toolbar", scroll_margin_top="5rem",
    )


def _actions(row: rx.Var) -> rx.Component:
    return rx.dropdown_menu.root(
        rx.dropdown_menu.trigger(
            rx.icon_button(rx.icon("ellipsis", size=16), variant="ghost", color_scheme="gray",
                           disabled=PortalState.read_only, aria_label=t("members.actions_for", name=row.name),
                           opacity=rx.cond(PortalState.read_only, "0.45", "1"), class_name="member-actions"),
        ),
        rx.dropdown_menu.content(
            rx.dropdown_menu.item(rx.icon("user-cog", size=14), t("members.change_roles"),
                                  on_click=MembersState.open_role_editor(row.id), class_name="change-roles"),
            rx.dropdown_menu.separator(),
            # Two static icons, not rx.icon(<a Var>): a Var tag makes Reflex bundle lucide's map of
            # every icon (~470 KB of script) into the module every page loads.
            rx.dropdown_menu.item(rx.cond(row.you, rx.icon("log-out", size=14), rx.icon("user-minus", size=14)),
                                  rx.cond(row.you, t("members.leave"), t("members.remove")), color_scheme="red",
                                  on_click=MembersState.ask_remove(row.id), class_name="remove-member"),
            align="end",
        ),
    )


def _member_row(row: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(
            rx.vstack(
                rx.flex(rx.text(row.name, weight="medium"),
                        rx.cond(row.you, rx.badge(t("members.you"), variant="solid", size="1", class_name="you-badge")),
                        spacing="2", align="center", wrap="wrap"),
                rx.text(row.email, size="2", color_scheme="gray", word_break="break-all"),
                role_badges(row.roles, display=ON_NARROW, margin_top="0.25rem"),
                spacing="0",
            ),
        ),
        rx.table.cell(role_badges(row.roles), display=ON_WIDE),
        rx.table.cell(rx.text(row.joined, size="2", white_space="nowrap"), display=ON_WIDE),
        rx.table.cell(_actions(row), text_align="right", width="3rem"),
        data_email=row.email,
        align="center",
    )


def _member_table() -> rx.Component:
    return rx.cond(
        MembersState.member_total > 0,
        rx.table.root(
            rx.table.header(rx.table.row(
                rx.table.column_header_cell(t("members.column.member")),
                rx.table.column_header_cell(t("members.roles"), display=ON_WIDE),
                rx.table.column_header_cell(t("members.column.joined"), display=ON_WIDE),
                rx.table.column_header_cell(screen_reader_only(t("members.column.actions")), width="3rem"),
            )),
            rx.table.body(rx.foreach(MembersState.member_rows, _member_row)),
            variant="surface", width="100%", id="member-table",
        ),
        rx.callout(
            rx.cond(MembersState.member_query != "", t("members.none_match"), t("members.none_yet")),
            icon="search", color_scheme="gray", id="members-none",
        ),
    )


def _role_editor() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(t("members.change_roles")),
            rx.dialog.description(rx.text(t("members.editor_text_before"), rx.text.strong(MembersState.editor_name),
                                          t("members.editor_text_after")),
                                  margin_bottom="1rem"),
            rx.form(
                role_picker(MembersState.editor_roles, t("members.roles")),
                rx.cond(MembersState.editor_error != "",
                        rx.callout(MembersState.editor_error, icon="triangle-alert", color_scheme="red",
                                   id="roles-error", margin_top="1rem")),
                rx.flex(
                    rx.dialog.close(rx.button(t("members.cancel"), type="button", variant="soft", color_scheme="gray")),
                    rx.button(t("members.save_roles"), type="submit", loading=MembersState.editor_busy,
                              id="roles-save"),
                    spacing="3", justify="end", margin_top="1.25rem",
                ),
                on_submit=MembersState.save_member_roles, reset_on_submit=False, id="roles-form",
            ),
            max_width="32rem", id="roles-dialog",
        ),
        open=MembersState.editor_open, on_open_change=MembersState.close_editor,
    )


def _confirm_dialog() -> rx.Component:
    refused = MembersState.confirm_error != ""
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(MembersState.confirm_title),
            rx.alert_dialog.description(MembersState.confirm_body),
            rx.cond(refused, rx.callout(MembersState.confirm_error, icon="triangle-alert", color_scheme="red",
                                        id="confirm-error", margin_top="1rem", role="alert")),
            rx.flex(
                rx.alert_dialog.cancel(rx.button(rx.cond(refused, t("members.close"), t("members.cancel")),
                                                 variant="soft", color_scheme="gray", id="confirm-cancel")),
                rx.cond(~refused, rx.button(MembersState.confirm_action, color_scheme="red",
                                            on_click=MembersState.confirm, loading=MembersState.confirm_busy,
                                            id="confirm-action")),
                spacing="3", justify="end", margin_top="1.25rem",
            ),
            max_width="28rem", id="confirm-dialog",
        ),
        open=MembersState.confirm_open, on_open_change=MembersState.close_confirm,
    )


def members() -> rx.Component:
    body = rx.vstack(
        _toolbar(),
        rx.box(_member_table(), overflow_x="auto", width="100%"),
        rx.cond(MembersState.member_total > 0,
                pager(showing=MembersState.member_showing, page=MembersState.member_page,
                      pages=MembersState.member_pages, on_previous=MembersState.previous_members_page,
                      on_next=MembersState.next_members_page, id_prefix="members")),
        join_requests_panel(),
        invitations(),
        _role_editor(),
        _confirm_dialog(),
        spacing="3", align="stretch", width="100%",
    )
    return section_frame(body, ready=MembersState.members_loaded)
