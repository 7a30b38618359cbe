"""The billing pages: the current plan with its billing history, and the plan picker.

Each page serves the user's and the organization's billing alike: the state knows which side it
loaded, and every action sends the section key of the page it was made on. Controls that change
data are disabled in read-only sessions; the handlers refuse such changes anyway.
"""

from __future__ import annotations

import reflex as rx

from portal_ui.billing.profile import FIELDS as DETAIL_FIELDS
from portal_ui.billing.retention import COMMENT_MAX, REASONS as CANCEL_REASONS
from portal_ui.billing.tax_ids import TYPES as TAX_ID_TYPES
from portal_ui.domain.countries import COUNTRY_OPTIONS
from portal_ui.ui.components.forms import SELECT_STYLE, field_label, form_actions, select_field, text_field
from portal_ui.ui.components.layout import section_frame
from portal_ui.ui.components.notices import conflict_notice
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
            rx.cond(BillingState.plan.discount != "", rx.data_list.item(
                rx.data_list.label(t("billing.discount_label"), min_width="8rem"),
                rx.data_list.value(BillingState.plan.discount, id="plan-discount"))),
            orientation=rx.breakpoints(initial="vertical", sm="horizontal"),
        ),
        _plan_actions(),
        spacing="3", align="stretch",
    )
    return rx.card(rx.cond(BillingState.plan.status == "none", no_plan, plan), size=rx.breakpoints(initial="2", sm="3"),
                   id="current-plan")


def _invoice_row(row) -> rx.Component:
    # A document request, not client-side routing: the PDF comes from an HTTP route, not a page.
    def link(**how) -> rx.Component:
        return rx.el.a(
            rx.icon("file-down", size=16, flex_shrink="0"), rx.text(row.number, weight="medium"),
            href=row.url, class_name="invoice-download", **how,
            aria_label=t("billing.download_invoice", number=row.number), title=t("billing.download_pdf"),
            display="inline-flex", align_items="center", gap="0.35rem", white_space="nowrap",
            color="var(--accent-11)", text_decoration="none", _hover={"text_decoration": "underline"},
        )

    # The provider's PDF (Stripe's, where the route sends the browser) is on another site: were it
    # fetched in this tab, the page would unload and drop its connection, so it gets a tab of its own.
    download = rx.cond(row.external_pdf, link(target="_blank", rel="noopener", reload_document=True),
                       link(download=row.number + ".pdf", reload_document=True))
    status = rx.badge(row.status_label, high_contrast=True,
                      color_scheme=rx.match(row.status, ("paid", "green"), ("open", "amber"), "gray"))
    # The provider's own page of the invoice (Stripe's hosted invoice), in a new tab.
    hosted = rx.cond(row.hosted_url != "", rx.el.a(
        rx.icon("external-link", size=14, flex_shrink="0"), t("billing.view_online"),
        href=row.hosted_url, target="_blank", rel="noopener noreferrer", class_name="invoice-hosted",
        aria_label=t("billing.view_invoice_online", number=row.number), display="inline-flex",
        align_items="center", gap="0.25rem", white_space="nowrap", font_size="var(--font-size-1)",
        color="var(--gray-11)"))
    return rx.table.row(
        rx.table.row_header_cell(rx.flex(download, hosted, direction="column", gap="0.15rem")),
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
        rx.flex(rx.heading(t("billing.billing_history"), as_="h2", size="4"),
                rx.cond(BillingState.invoices_syncing, rx.spinner(size="2", id="invoices-syncing",
                                                                  aria_label=t("billing.invoices_refreshing"))),
                gap="0.5rem", align="center"),
        rx.cond(BillingState.invoices_note != "", rx.callout(BillingState.invoices_note, icon="cloud-off",
                                                             color_scheme="amber", id="invoices-note", role="status")),
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


DETAILS_FORM = "billing-details"
DETAIL_WIDE = ("name", "email", "address_line1", "address_line2")
DETAIL_AUTOCOMPLETE = {"name": "organization", "email": "email", "address_line1": "address-line1",
                       "address_line2": "address-line2", "city": "address-level2", "region": "address-level1",
                       "postcode": "postal-code", "country": "country"}


def _detail_field(name: str, max_len: int) -> rx.Component:
    common = dict(form=DETAILS_FORM, name=name, label=t(f"billing_rules.details.{name}"),
                  value=BillingState.details[name], errors=BillingState.details_errors,
                  revision=BillingState.details_revision, disabled=PortalState.read_only,
                  auto_complete=DETAIL_AUTOCOMPLETE.get(name, "off"),
                  grid_column=["span 1", "span 2"] if name in DETAIL_WIDE else "span 1")
    if name == "country":
        return select_field(options=COUNTRY_OPTIONS, empty_label=t("billing.details.country_not_set"), **common)
    return text_field(max_length=max_len, required=name == "name", type_="email" if name == "email" else "text",
                      **common)


def _tax_id_row(row) -> rx.Component:
    return rx.flex(
        rx.vstack(rx.text(row.number, weight="medium", class_name="tax-id-number"),
                  rx.text(row.kind, size="1", color_scheme="gray"), spacing="0"),
        rx.button(t("billing.tax.remove"), variant="ghost", color_scheme="red", size="1", type="button",
                  aria_label=t("billing.tax.remove_label", number=row.number),
                  on_click=BillingState.remove_tax_id(KEY, row.type, row.value),
                  loading=BillingState.busy == "tax-remove:" + row.value, disabled=PortalState.read_only),
        justify="between", align="center", gap="0.75rem", class_name="tax-id", data_tax_id=row.value,
    )


def _tax_ids() -> rx.Component:
    return rx.vstack(
        rx.heading(t("billing.tax.heading"), as_="h3", size="3"),
        rx.cond(BillingState.tax_ids.length() > 0,
                rx.vstack(rx.foreach(BillingState.tax_ids, _tax_id_row), spacing="2", align="stretch",
                          id="tax-id-list"),
                rx.text(t("billing.tax.none"), size="2", color_scheme="gray", id="tax-ids-none")),
        rx.el.form(
            rx.flex(
                rx.el.div(
                    field_label(t("billing.tax.type"), "tax-type"),
                    rx.el.select(*(rx.el.option(t(f"billing_rules.tax_id.type.{kind}"), value=kind)
                                   for kind in TAX_ID_TYPES),
                                 name="tax_type", id="tax-type", style=SELECT_STYLE, disabled=PortalState.read_only),
                    flex="1 1 12rem"),
                rx.el.div(
                    field_label(t("billing.tax.number"), "tax_number"),
                    rx.input(name="tax_number", id="tax_number", max_length=40, disabled=PortalState.read_only,
                             auto_complete="off"),
                    flex="1 1 12rem"),
                rx.button(t("billing.tax.add"), type="submit", id="tax-add", disabled=PortalState.read_only,
                          loading=BillingState.busy == "tax-add"),
                gap="0.75rem", align="end", wrap="wrap",
            ),
            error_callout(BillingState.tax_error, "tax-error"),
            on_submit=BillingState.add_tax_id(KEY), reset_on_submit=False, no_validate=True, id="tax-form",
            aria_label=t("billing.tax.heading"),
        ),
        spacing="3", align="stretch",
    )


def _details_conflict() -> rx.Component:
    """Someone else changed the details since this tab loaded them: say so, keep the typing, offer a reload."""
    return conflict_notice(BillingState.details_conflict, reload_label=t("billing.details.reload"),
                           on_reload=BillingState.reload_details(KEY), id_prefix=DETAILS_FORM,
                           reloading=BillingState.busy == "details-reload")


def _billing_details() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading(t("billing.details.heading"), as_="h2", size="4"),
            rx.text(t("billing.details.intro"), size="2", color_scheme="gray"),
            rx.el.form(
                rx.grid(*(_detail_field(name, max_len) for name, _label, max_len in DETAIL_FIELDS),
                        columns=rx.breakpoints(initial="1", sm="2"), spacing="4", width="100%"),
                _details_conflict(),
                form_actions(form=DETAILS_FORM, saving=BillingState.busy == "details", disabled=PortalState.read_only,
                             on_discard=BillingState.discard_details, errors=BillingState.details_errors,
                             save_label=t("billing.details.save")),
                on_submit=BillingState.save_details(KEY), reset_on_submit=False, no_validate=True,
                id="billing-details-form", aria_label=t("billing.details.heading"),
            ),
            rx.separator(size="4"),
            _tax_ids(),
            spacing="4", align="stretch",
        ),
        size=rx.breakpoints(initial="2", sm="3"), id="billing-details",
    )


def _cancel_reason_step() -> rx.Component:
    return rx.el.form(
        rx.el.div(
            field_label(t("billing.cancel.reason_label"), "cancel-reason", required=True),
            rx.el.select(rx.el.option(t("billing.cancel.reason_choose"), value=""),
                         *(rx.el.option(t(f"billing.cancel.reason.{r}"), value=r) for r in CANCEL_REASONS),
                         name="reason", id="cancel-reason", style=SELECT_STYLE, required=True),
            margin_top="1rem"),
        rx.el.div(
            field_label(t("billing.cancel.comment_label"), "cancel-comment"),
            rx.text_area(name="comment", id="cancel-comment", max_length=COMMENT_MAX, rows="3"),
            margin_top="0.75rem"),
        rx.box(error_callout(BillingState.cancel_error, "cancel-error"), margin_top="1rem"),
        dialog_buttons(
            rx.button(t("billing.cancel_confirm"), color_scheme="red", id="cancel-confirm", type="submit",
                      loading=BillingState.busy == "cancel"),
            keep=t("billing.keep_my_plan"),
        ),
        on_submit=BillingState.confirm_cancel(KEY), reset_on_submit=False, no_validate=True, id="cancel-form",
    )


def _cancel_offer_step() -> rx.Component:
    return rx.vstack(
        rx.callout.root(
            rx.callout.icon(rx.icon("gift")),
            rx.vstack(rx.text(BillingState.offer_title, weight="bold", id="offer-title"),
                      rx.callout.text(BillingState.offer_text, id="offer-text"), spacing="1"),
            color_scheme="green", id="retention-offer", margin_top="1rem",
        ),
        rx.box(error_callout(BillingState.cancel_error, "cancel-error"), margin_top="1rem"),
        rx.flex(
            rx.button(t("billing.cancel.decline_offer"), color_scheme="red", variant="soft", id="offer-decline",
                      on_click=BillingState.decline_offer(KEY), loading=BillingState.busy == "cancel",
                      disabled=BillingState.busy != ""),
            rx.button(t("billing.cancel.accept_offer"), id="offer-accept", on_click=BillingState.accept_offer(KEY),
                      loading=BillingState.busy == "offer", disabled=BillingState.busy != ""),
            gap="0.75rem", justify="end", wrap="wrap", margin_top="1.25rem",
        ),
        spacing="0", align="stretch",
    )


def cancel_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(t("billing.cancel_title")),
            rx.alert_dialog.description(BillingState.cancel_summary, id="cancel-summary"),
            rx.cond(BillingState.cancel_step == "offer", _cancel_offer_step(), _cancel_reason_step()),
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
            _billing_details(),
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


def _lines_table(title, lines, total, table_id: str) -> rx.Component:
    """An invoice's lines and total, as the invoice will have them."""
    return rx.box(
        rx.text(title, weight="bold", size="2", margin_bottom="0.4rem"),
        rx.table.root(
            rx.table.body(
                rx.foreach(lines, lambda row: rx.table.row(
                    rx.table.cell(row.description), rx.table.cell(rx.text(row.amount, white_space="nowrap"),
                                                                  text_align="right"),
                    class_name="quote-line")),
                rx.table.row(rx.table.row_header_cell(t("billing.preview.total")),
                             rx.table.cell(rx.text(total, weight="bold", white_space="nowrap"), text_align="right",
                                           class_name="quote-total")),
            ),
            size="1", variant="ghost", width="100%",
        ),
        id=table_id, margin_top="1rem",
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
            rx.cond(change.later_note != "", rx.callout(change.later_note, icon="calendar-clock", color_scheme="blue",
                                                        margin_top="1rem", id="change-later")),
            rx.cond(change.lines.length() > 0,
                    _lines_table(t("billing.preview.today"), change.lines, change.total, "change-today")),
            rx.cond(change.next_lines.length() > 0,
                    _lines_table(change.next_title, change.next_lines, change.next_total, "change-next")),
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
