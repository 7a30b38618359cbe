"""The domains section: add a domain, copy its TXT record, verify it, choose how people join, remove it."""

from __future__ import annotations

import reflex as rx

from portal_ui.domain.domains import INPUT_MAX, MODES
from portal_ui.ui.components import plain
from portal_ui.ui.components.confirm import confirm_dialog
from portal_ui.ui.components.forms import SELECT_STYLE
from portal_ui.ui.components.layout import section_frame
from portal_ui.ui.i18n import t
from portal_ui.ui.state import PortalState
from portal_ui.ui.state.domains import DomainsState

STATUS_COLORS = {"pending": "amber", "verified": "green", "expired": "gray"}


def _add_form() -> rx.Component:
    return rx.form(
        rx.el.label(plain.text(t("domains.add_label"), size=2, weight="medium"), html_for="domain-input"),
        plain.row(
            rx.input(name="domain", id="domain-input", key=f"domain-input-{DomainsState.add_revision}",
                     placeholder=t("domains.add_placeholder"), max_length=INPUT_MAX, required=True,
                     auto_complete="off", spell_check=False, disabled=PortalState.read_only,
                     aria_invalid=rx.cond(DomainsState.add_error != "", "true", "false"),
                     aria_describedby=rx.cond(DomainsState.add_error != "", "domain-add-error", ""),
                     flex="1", min_width="12rem"),
            rx.button(t("domains.add"), type="submit", loading=DomainsState.add_busy, disabled=PortalState.read_only,
                      id="domain-add"),
            gap=2, flex_wrap="wrap", margin_top="0.25rem",
        ),
        rx.cond(DomainsState.add_error != "",
                rx.callout(DomainsState.add_error, icon="triangle-alert", color_scheme="red", id="domain-add-error",
                           margin_top="0.75rem", role="alert")),
        on_submit=DomainsState.add_domain, reset_on_submit=False, id="domain-add-form", width="100%",
    )


def _copyable(label: rx.Var, value: rx.Var, kind: str) -> rx.Component:
    return rx.box(
        plain.text(label, size=1, muted=True, as_="p"),
        plain.row(
            rx.code(value, class_name=f"record-{kind}", word_break="break-all", variant="ghost", size="2"),
            rx.icon_button(rx.icon("copy", size=14), size="1", variant="soft", type="button",
                           on_click=[rx.set_clipboard(value), rx.toast.success(t("domains.copied"))],
                           aria_label=t("domains.copy_label", what=label), class_name=f"copy-{kind}"),
            gap=2, align="center",
        ),
        min_width="0",
    )


def _record(row: rx.Var) -> rx.Component:
    return rx.box(
        plain.text(t("domains.record_heading"), size=2, as_="p", margin_bottom="0.5rem"),
        rx.grid(
            rx.box(plain.text(t("domains.record_type"), size=1, muted=True, as_="p"), rx.code("TXT", variant="ghost")),
            _copyable(t("domains.record_name"), row.record_name, "name"),
            _copyable(t("domains.record_value"), row.record_value, "value"),
            columns=rx.breakpoints(initial="1", sm="auto 1fr 1fr"), spacing="5", width="100%",
        ),
        rx.cond(DomainsState.domain_errors.contains(row.id),
                rx.callout(DomainsState.domain_errors[row.id], icon="triangle-alert", color_scheme="red",
                           class_name="verify-error", margin_top="0.75rem", role="alert")),
        plain.row(
            rx.button(t("domains.verify"), on_click=DomainsState.verify_domain(row.id),
                      loading=DomainsState.verify_busy == row.id, disabled=PortalState.read_only,
                      class_name="verify-domain", aria_label=t("domains.verify_label", domain=row.name)),
            margin_top="0.75rem",
        ),
        padding="0.75rem", border_radius="var(--radius-3)", background="var(--gray-a2)", margin_top="0.75rem",
    )


def _enrolment(row: rx.Var) -> rx.Component:
    return rx.el.label(
        plain.text(t("domains.column.enrolment"), size=1, muted=True, as_="span", display="block"),
        rx.el.select(
            *(rx.el.option(t(f"domains.mode.{mode}"), value=mode) for mode in MODES),
            value=row.enrolment, on_change=lambda mode: DomainsState.set_enrolment(row.id, mode),
            disabled=PortalState.read_only, class_name="enrolment-select", style={**SELECT_STYLE, "width": "auto"},
            aria_label=t("domains.mode_label", domain=row.name),
        ),
        display="block", margin_top="0.75rem",
    )


def _domain(row: rx.Var) -> rx.Component:
    return rx.card(
        plain.row(
            plain.text(row.name, weight="bold", word_break="break-all", class_name="domain-name"),
            rx.badge(row.status_label, color_scheme=rx.match(row.status, *STATUS_COLORS.items(), "gray"),
                     variant="soft", high_contrast=True, class_name="domain-status"),
            plain.text(row.when, size=1, muted=True, class_name="domain-when"),
            rx.spacer(),
            rx.button(t("domains.remove"), size="1", variant="soft", color_scheme="red",
                      on_click=DomainsState.ask_remove(row.id), disabled=PortalState.read_only,
                      class_name="remove-domain", aria_label=t("domains.remove_label", domain=row.name)),
            gap=2, flex_wrap="wrap", align="center",
        ),
        rx.cond(row.status == "pending", _record(row)),
        rx.cond(row.status == "verified", _enrolment(row)),
        data_domain=row.name, class_name="domain-card", width="100%",
    )


def _remove_dialog() -> rx.Component:
    return confirm_dialog(open=DomainsState.remove_open, on_open_change=DomainsState.close_remove,
                          title=t("domains.remove_title", domain=DomainsState.remove_name),
                          text=t("domains.remove_text"), error=DomainsState.remove_error,
                          busy=DomainsState.remove_busy, action=t("domains.remove_action"),
                          on_confirm=DomainsState.confirm_remove, dialog_id="remove-domain-dialog",
                          confirm_id="remove-domain-confirm")


def domains_section() -> rx.Component:
    body = plain.column(
        plain.text(DomainsState.domains_intro, as_="p", id="domains-intro"),
        rx.card(_add_form(), width="100%"),
        rx.cond(DomainsState.domain_rows.length() > 0,
                plain.column(rx.foreach(DomainsState.domain_rows, _domain), gap=3, id="domain-list", width="100%"),
                plain.text(t("domains.none_yet"), muted=True, as_="p", id="domains-none")),
        _remove_dialog(),
        gap=4, width="100%",
    )
    return section_frame(body, ready=DomainsState.domains_loaded)
