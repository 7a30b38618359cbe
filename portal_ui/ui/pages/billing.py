"""The billing pages: the current plan with its billing history, and the plan picker.

Each page serves the user's and the organization's billing alike: the state knows which side it
loaded, and every action sends the section key of the page it was made on. Controls that change
data are disabled in read-only sessions; the handlers refuse such changes anyway.
"""

from __future__ import annotations

import reflex as rx

from portal_ui.ui.components.layout import section_frame
from portal_ui.ui.i18n import t
from portal_ui.ui.state import BillingState, PortalState

KEY = PortalState.section_key  # the section of the page an action is taken on
STATUS_COLORS = {"active": "green", "ending": "amber", "past_due": "red", "canceled": "gray", "none": "gray"}


def error_callout(message, error_id: str) -> rx.Component:
    """A DomainError's message, shown where the action was taken (nothing while it is empty)."""
    return rx.cond(message != "", rx.callout(message, icon="triangle-alert", color_scheme="red", id=error_id,
                                             role="alert"))


def dialog_buttons(confirm: rx.Component, *, keep: rx.Var | str | None = None) -> rx.Component:
    """A confirmation's buttons: one that closes it (not while the action runs) and `confirm`.

    `keep` is the closing button's words ("Go back" when not given)."""
    return rx.flex(
        rx.alert_dialog.cancel(rx.button(t("billing.go_back") if keep is None else keep, variant="soft",
                                         color_scheme="gray", id="dialog-back",
                                         disabled=BillingState.busy != "")),
        confirm,
        gap="0.75rem", justify="end", wrap="wrap", margin_top="1.25rem",
    )


def _features(items, list_id: str | None = None) -> rx.Component:
    return rx.el.ul(
        rx.foreach(items, lambda item: rx.el.li(
            rx.hstack(rx.icon("check", size=16, color="var(--accent-9)", flex_shrink="0", margin_top="0.15rem"),
                      rx.text(item, size="2"), spacing="2", align="start"))),
        id=list_id, list_style="none", padding="0", margin="0", display="grid", gap="0.4rem",
    )


def _status_badge() -> rx.Component:
    return rx.badge(BillingState.plan.status_label, size="2", id="plan-status", high_contrast=True,
                    color_scheme=rx.match(BillingState.plan.status, *STATUS_COLORS.items(), "gray"))


# ---- current plan ---------------------------------------------------------------------------------

def _plan_actions() -> rx.Component:
    return rx.flex(
        rx.cond(
            BillingState.plan.resumable,
            rx.button(rx.icon("rotate-ccw", size=16), t("billing.keep_my_plan"), id="resume-plan",
                      on_click=BillingState.resume_plan(KEY), loading=BillingState.busy == "resume",
                      disabled=PortalState.read_only),
        ),
        rx.button(rx.el.a(rx.icon("arrow-left-right", size=16), t("billing.change_plan"), href=BillingState.plans_path,
                          id="change-plan-link"), variant="soft", as_child=True),
        rx.cond(
            BillingState.plan.cancelable,
            rx.button(t("billing.cancel_plan"), color_scheme="red", variant="soft", id="cancel-plan",
                      on_click=BillingState.start_cancel(KEY), loading=BillingState.busy == "cancel-preview",
                      disabled=PortalState.read_only),
        ),
        gap="0.75rem", wrap="wrap",
    )


def _current_plan() -> rx.Component:
    no_plan = rx.vstack(
        rx.heading(t("billing.no_plan_heading"), as_="h2", size="5", id="plan-name"),
        rx.text(t("billing.no_plan_text"), color_scheme="gray"),
        rx.button(rx.el.a(t("billing.choose_a_plan"), href=BillingState.plans_path, id="choose-plan-link"),
                  as_child=True),
        spacing="3", align="start",
    )
    plan = rx.vstack(
        rx.flex(
            rx.heading(BillingState.plan.name, as_="h2", size="6", id="plan-name"),
            _status_badge(),
            gap="0.75rem", align="center", wrap="wrap",
        ),
        rx.text(BillingState.plan.price, size="5", weight="bold", id="plan-price"),
        rx.cond(BillingState.plan.description != "",
                rx.text(BillingState.plan.description, color_scheme="gray")),
        _features(BillingState.plan.features, "plan-features"),
        rx.separator(size="4"),
        rx.data_list.root(
            rx.cond(BillingState.plan.period != "", rx.data_list.item(
                rx.data_list.label(t("billing.current_period"), min_width="8rem"),
                rx.data_list.value(BillingState.plan.period, id="plan-period"))),
            rx.data_list.item(rx.data_list.label(t("billing.whats_next"), min_width="8rem"),
                              rx.data_list.value(BillingState.plan.next_step, id="plan-next")),
            orientation=rx.breakpoints(initial="vertical", sm="horizontal"),
        ),
        _plan_actions(),
        spacing="3", align="stretch",
    )
    return rx.card(rx.cond(BillingState.plan.status == "none", no_plan, plan), size=rx.breakpoints(initial="2", sm="3"),
                   id="current-plan")


def _invoice_row(row) -> rx.Component:
    # A document request, not client-side routing: the PDF comes from an HTTP route, not a page.
    download = rx.el.a(
        rx.icon("file-down", size=16, flex_shrink="0"), rx.text(row.number, weight="medium"),
        href=row.url, download=row.number + ".pdf", reload_document=True, class_name="invoice-download",
        aria_label=t("billing.download_invoice", number=row.number), title=t("billing.download_pdf"),
        display="inline-flex", align_items="center", gap="0.35rem", white_space="nowrap",
        color="var(--accent-11)", text_decoration="none", _hover={"text_decoration": "underline"},
    )
    status = rx.badge(row.status_label, high_contrast=True,
                      color_scheme=rx.match(row.status, ("paid", "green"), ("open", "amber"), "gray"))
    return rx.table.row(
        rx.table.row_header_cell(download),
        rx.table.cell(rx.text(row.date, white_space="nowrap")),
        rx.table.cell(
            rx.vstack(rx.text(row.amount, white_space="nowrap"), rx.box(status, display=["block", "none"]),
                      spacing="1", align="end"),
            text_align="right",
        ),
        rx.table.cell(status, display=["none", "table-cell"]),  # phones: under the amount
        data_invoice=row.number,
    )


def _billing_history() -> rx.Component:
    return rx.vstack(
        rx.heading(t("billing.billing_history"), as_="h2", size="4"),
        rx.cond(
            BillingState.invoices.length() > 0,
            rx.box(
                rx.table.root(
                    rx.table.header(rx.table.row(
                        rx.table.column_header_cell(t("billing.col.invoice")),
                        rx.table.column_header_cell(t("billing.col.date")),
                        rx.table.column_header_cell(t("billing.col.amount"), text_align="right"),
                        rx.table.column_header_cell(t("billing.col.status"), display=["none", "table-cell"]),
                    )),
                    rx.table.body(rx.foreach(BillingState.invoices, _invoice_row)),
                    variant="surface", size=rx.breakpoints(initial="1", sm="2"), width="100%", id="invoice-table",
                ),
                overflow_x="auto", width="100%",
            ),
            rx.text(t("billing.no_invoices"), color_scheme="gray", id="invoices-none"),
        ),
        spacing="3", align="stretch",
    )


def _billed_to() -> rx.Component:
    return rx.card(
        rx.data_list.root(
            rx.data_list.item(rx.data_list.label(t("billing.billed_to"), min_width="8rem"),
                              rx.data_list.value(BillingState.billed_name, id="billed-name")),
            rx.data_list.item(rx.data_list.label(t("billing.billing_email"), min_width="8rem"),
                              rx.data_list.value(rx.cond(BillingState.billed_email != "", BillingState.billed_email,
                                                         t("billing.none_on_file")), id="billed-email")),
            orientation=rx.breakpoints(initial="vertical", sm="horizontal"),
        ),
    )


def cancel_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(t("billing.cancel_title")),
            rx.alert_dialog.description(BillingState.cancel_summary, id="cancel-summary"),
            rx.box(error_callout(BillingState.cancel_error, "cancel-error"), margin_top="1rem"),
            dialog_buttons(
                rx.button(t("billing.cancel_confirm"), color_scheme="red", id="cancel-confirm",
                          on_click=BillingState.confirm_cancel(KEY), loading=BillingState.busy == "cancel"),
                keep=t("billing.keep_my_plan"),
            ),
            id="cancel-dialog", max_width="30rem",
        ),
        open=BillingState.cancel_open, on_open_change=BillingState.dialog_open_change,
    )


def plan_details() -> rx.Component:
    return section_frame(
        rx.vstack(
            error_callout(BillingState.plan_error, "plan-error"),
            _current_plan(),
            _billing_history(),
            _billed_to(),
            cancel_dialog(),
            spacing="5", align="stretch",
        ),
        ready=BillingState.billing_loaded,
    )


# ---- plan picker ----------------------------------------------------------------------------------

def _plan_choice(choice) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.flex(
                rx.heading(choice.name, as_="h2", size="4"),
                rx.cond(choice.current, rx.badge(choice.badge, variant="solid", class_name="plan-badge"),
                        rx.cond(choice.pending, rx.badge(choice.badge, color_scheme="amber", high_contrast=True, class_name="plan-badge"))),
                justify="between", align="center", gap="0.5rem", wrap="wrap",
            ),
            rx.text(choice.price, size="5", weight="bold", class_name="plan-price"),
            rx.text(choice.description, size="2", color_scheme="gray"),
            _features(choice.features),
            rx.spacer(),
            rx.button(choice.action, width="100%", class_name="plan-choose",
                      variant=rx.cond(choice.current, "soft", "solid"),
                      disabled=PortalState.read_only | ~choice.selectable,
                      loading=BillingState.busy == "choose:" + choice.key,
                      on_click=BillingState.start_change(KEY, choice.key)),
            spacing="3", align="stretch", height="100%",
        ),
        data_plan=choice.key,
        class_name="plan-card",
        outline=rx.cond(choice.current, "2px solid var(--accent-9)", "none"),
        outline_offset="-1px",
    )


def change_dialog() -> rx.Component:
    change = BillingState.change
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(rx.cond(change.kind == "undo", t("billing.change_title_keep", plan=change.plan_name),
                                          t("billing.change_title", plan=change.plan_name))),
            rx.alert_dialog.description(change.summary, id="change-summary"),
            rx.data_list.root(
                rx.data_list.item(rx.data_list.label(t("billing.due_today")),
                                  rx.data_list.value(change.due_now, id="change-due", font_weight="bold")),
                rx.data_list.item(rx.data_list.label(t("billing.takes_effect")),
                                  rx.data_list.value(change.effective, id="change-effective")),
                margin_top="1rem",
            ),
            rx.cond(change.needs_card, rx.callout(
                rx.text(t("billing.needs_card"), " ",
                        rx.link(t("billing.go_to_payment_methods"), href=BillingState.payment_path,
                                id="change-add-card")),
                icon="credit-card", color_scheme="amber", margin_top="1rem", id="change-needs-card")),
            rx.box(error_callout(BillingState.change_error, "change-error"), margin_top="1rem"),
            dialog_buttons(rx.button(change.confirm, id="change-confirm", on_click=BillingState.confirm_change(KEY),
                                      loading=BillingState.busy == "change", disabled=change.needs_card)),
            id="change-dialog", max_width="32rem",
        ),
        open=BillingState.change_open, on_open_change=BillingState.dialog_open_change,
    )


def plan_selection() -> rx.Component:
    return section_frame(
        rx.vstack(
            error_callout(BillingState.plan_error, "plan-error"),
            rx.grid(rx.foreach(BillingState.choices, _plan_choice),
                    columns=rx.breakpoints(initial="1", sm="2"), spacing="4", width="100%", id="plan-choices"),
            rx.text(t("billing.picker_note", provider=BillingState.provider_label), size="2", color_scheme="gray"),
            change_dialog(),
            spacing="4", align="stretch",
        ),
        ready=BillingState.billing_loaded,
    )
