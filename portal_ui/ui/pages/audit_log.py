"""The audit-log section: filters (who, action, dates), the events newest first, paging, CSV export.

Nothing here changes data. The export is a document request to an HTTP route (the server checks
the session cookie and the permission again), with the filters in force as its query string.
"""

from __future__ import annotations

import reflex as rx

from portal_ui.ui.components import plain
from portal_ui.ui.components.forms import SELECT_STYLE, field_label
from portal_ui.ui.components.layout import section_frame
from portal_ui.ui.components.pager import pager
from portal_ui.ui.i18n import t
from portal_ui.ui.state.audit_log import AuditLogState

FORM = "audit-filters"
ON_WIDE = rx.breakpoints(initial="none", md="table-cell")  # folded into the first columns on narrow screens
ON_NARROW = rx.breakpoints(initial="block", md="none")


def _select(name: str, label, options, value) -> rx.Component:
    input_id = f"{FORM}-{name}"
    return rx.el.div(
        field_label(label, input_id),
        rx.el.select(
            rx.foreach(options, lambda option: rx.el.option(option["label"], value=option["value"])),
            name=name, id=input_id, key=f"{input_id}-{AuditLogState.audit_form_revision}", default_value=value,
            style=SELECT_STYLE,
        ),
        min_width="0",
    )


def _input(name: str, label, value, *, type_: str = "text", placeholder=None, max_length: int = 320) -> rx.Component:
    input_id = f"{FORM}-{name}"
    extra = {"placeholder": placeholder} if placeholder is not None else {}
    return rx.el.div(
        field_label(label, input_id),
        rx.input(name=name, id=input_id, key=f"{input_id}-{AuditLogState.audit_form_revision}", default_value=value,
                 type=type_, max_length=max_length, auto_complete="off", **extra),
        min_width="0",
    )


def _filters() -> rx.Component:
    return rx.el.form(
        rx.el.div(
            _select("actor_type", t("audit.actor_type"), AuditLogState.audit_actor_options,
                    AuditLogState.audit_actor_type),
            _input("actor", t("audit.actor_id"), AuditLogState.audit_actor, placeholder=t("audit.actor_id_placeholder")),
            _select("action", t("audit.action"), AuditLogState.audit_action_options, AuditLogState.audit_action),
            _input("date_from", t("audit.date_from"), AuditLogState.audit_from, type_="date", max_length=10),
            _input("date_to", t("audit.date_to"), AuditLogState.audit_to, type_="date", max_length=10),
            display="grid", gap="var(--space-3)", width="100%", align_items="end",  # a label may wrap
            grid_template_columns=["minmax(0, 1fr)", "repeat(2, minmax(0, 1fr))", "repeat(2, minmax(0, 1fr))",
                                   "repeat(5, minmax(0, 1fr))"],
        ),
        rx.cond(AuditLogState.audit_error != "",
                rx.callout(AuditLogState.audit_error, icon="triangle-alert", color_scheme="red", id="audit-error",
                           role="alert", margin_top="0.75rem")),
        plain.row(
            rx.button(rx.icon("filter", size=16), t("audit.apply"), type="submit", id="audit-apply"),
            rx.cond(AuditLogState.audit_filtered,
                    rx.button(t("audit.clear"), type="button", variant="soft", color_scheme="gray",
                              on_click=AuditLogState.clear_audit_filters, id="audit-clear")),
            rx.el.div(flex_grow="1"),
            # A document request: the CSV comes from an HTTP route, not a page.
            rx.button(
                rx.el.a(rx.icon("download", size=16), t("audit.export"), href=AuditLogState.audit_export_href,
                        download=True, reload_document=True, id="audit-export", title=t("audit.export_label")),
                as_child=True, variant="soft",
            ),
            flex_wrap="wrap", margin_top="0.75rem", gap=2,
        ),
        on_submit=AuditLogState.apply_audit_filters, reset_on_submit=False, no_validate=True, id=FORM,
        aria_label=t("audit.filters"), scroll_margin_top="5rem",
    )


def _when(row: rx.Var) -> rx.Component:
    return rx.el.time(rx.text(row.when, size="2", white_space="nowrap"), date_time=row.when_iso)


def _who(row: rx.Var) -> rx.Component:
    return rx.vstack(
        rx.text(row.who, weight="medium", class_name="audit-who"),
        rx.cond(row.who_detail != "", rx.text(row.who_detail, size="1", color_scheme="gray",
                                              overflow_wrap="anywhere")),
        spacing="0",
    )


def _what(row: rx.Var) -> rx.Component:
    return rx.vstack(
        rx.text(row.what, weight="medium", class_name="audit-what"),
        rx.code(row.target, size="1", variant="ghost", color_scheme="gray", overflow_wrap="anywhere"),
        spacing="1",
    )


def _where(row: rx.Var) -> rx.Component:
    return rx.vstack(
        rx.text(row.where, size="2", class_name="audit-where", overflow_wrap="anywhere"),
        rx.cond(row.where_detail != "", rx.text(row.where_detail, size="1", color_scheme="gray")),
        spacing="0",
    )


def _changes(row: rx.Var) -> rx.Component:
    return rx.el.ul(
        rx.foreach(row.changes, lambda change: rx.el.li(rx.text(change, size="1"), overflow_wrap="anywhere")),
        list_style="none", padding="0", margin="0", class_name="audit-changes",
    )


def _event_row(row: rx.Var) -> rx.Component:
    # Narrow screens: one column, everything stacked in the row's header cell.
    stacked = rx.vstack(rx.text(row.when, size="1", color_scheme="gray"), _who(row), _what(row), _changes(row),
                        _where(row), spacing="2", display=ON_NARROW)
    return rx.table.row(
        rx.table.cell(_when(row), display=ON_WIDE),
        rx.table.row_header_cell(rx.box(_who(row), display=ON_WIDE, min_width="11rem"), stacked),
        rx.table.cell(_what(row), display=ON_WIDE),
        rx.table.cell(_changes(row), display=ON_WIDE, max_width="22rem"),
        rx.table.cell(_where(row), display=ON_WIDE),
        data_action=row.action, class_name="audit-row", align="start",
    )


def _table() -> rx.Component:
    return rx.cond(
        AuditLogState.audit_total > 0,
        rx.table.root(
            rx.table.header(rx.table.row(
                rx.table.column_header_cell(t("audit.column.when"), display=ON_WIDE),
                rx.table.column_header_cell(t("audit.column.who")),
                rx.table.column_header_cell(t("audit.column.what"), display=ON_WIDE),
                rx.table.column_header_cell(t("audit.column.changes"), display=ON_WIDE),
                rx.table.column_header_cell(t("audit.column.where"), display=ON_WIDE),
            )),
            rx.table.body(rx.foreach(AuditLogState.audit_rows, _event_row)),
            variant="surface", width="100%", id="audit-table",
        ),
        rx.callout(rx.cond(AuditLogState.audit_filtered, t("audit.none_match"), t("audit.none_yet")),
                   icon="search", color_scheme="gray", id="audit-none"),
    )


def audit_log() -> rx.Component:
    body = rx.vstack(
        _filters(),
        plain.text(t("audit.utc_note"), size=1, muted=True, as_="p", id="audit-utc"),
        rx.box(_table(), overflow_x="auto", width="100%"),
        rx.cond(AuditLogState.audit_total > 0,
                pager(showing=AuditLogState.audit_showing, page=AuditLogState.audit_page,
                      pages=AuditLogState.audit_pages, on_previous=AuditLogState.newer_audit_events,
                      on_next=AuditLogState.older_audit_events, id_prefix="audit")),
        spacing="3", align="stretch", width="100%",
    )
    return section_frame(body, ready=AuditLogState.audit_loaded)
