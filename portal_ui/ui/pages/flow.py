"""The focused flow's page (README "Focused flows"): one billing task, no navigation.

A link with a `flow` lands here. The page shows the task (add a card, the cancel confirmation,
the change to the link's plan) with the billing sections' own components and handlers, and a
"go back" button that ends the session and returns to the app. The handlers refuse anything
else for such a session (portal_ui.domain.flows), and so does every other section's guard.
"""

from __future__ import annotations

import reflex as rx

from portal_ui.domain.flows import PAYMENT_METHOD_UPDATE, SUBSCRIPTION_CANCEL, SUBSCRIPTION_UPDATE
from portal_ui.ui import routes
from portal_ui.ui.components import plain
from portal_ui.ui.components.ended import session_ended
from portal_ui.ui.components.header import NativeForm, brand_mark
from portal_ui.ui.components.notices import read_only_notice
from portal_ui.ui.components.skeleton import content_skeleton, page_skeleton
from portal_ui.ui.components.theme import branded
from portal_ui.ui.i18n import t
from portal_ui.ui.pages.billing import KEY, cancel_dialog, change_dialog, error_callout
from portal_ui.ui.pages.payment_methods import card_form
from portal_ui.ui.state import BillingState, PortalState

FLOWS = (PAYMENT_METHOD_UPDATE, SUBSCRIPTION_CANCEL, SUBSCRIPTION_UPDATE)


def _facts(*items: tuple[rx.Var, rx.Component]) -> rx.Component:
    return rx.data_list.root(
        *(rx.data_list.item(rx.data_list.label(label, min_width="9rem"), rx.data_list.value(value))
          for label, value in items),
        orientation=rx.breakpoints(initial="vertical", sm="horizontal"),
    )


def _payment_method_update() -> rx.Component:
    default = rx.foreach(BillingState.cards, lambda card: rx.cond(
        card.is_default, rx.text(card.label, weight="medium", id="flow-default-card")))
    return rx.vstack(
        _facts((t("flows.default_card"),
                rx.cond(BillingState.cards.length() > 0, default, rx.text(t("flows.no_card"), color_scheme="gray")))),
        card_form(),
        spacing="4", align="stretch",
    )


def _subscription_cancel() -> rx.Component:
    return rx.vstack(
        _facts((t("flows.current_plan"), rx.text(BillingState.plan.name, weight="medium", id="flow-current-plan")),
               (t("billing.whats_next"), rx.text(BillingState.plan.next_step))),
        error_callout(BillingState.plan_error, "plan-error"),
        rx.flex(rx.button(t("billing.cancel_plan"), color_scheme="red", id="cancel-plan",
                          on_click=BillingState.start_cancel(KEY), loading=BillingState.busy == "cancel-preview",
                          disabled=PortalState.read_only)),
        cancel_dialog(),
        spacing="4", align="stretch",
    )


def _subscription_update() -> rx.Component:
    return rx.vstack(
        _facts((t("flows.current_plan"),
                rx.text(rx.cond(BillingState.plan.name != "", BillingState.plan.name, t("flows.no_plan")),
                        weight="medium", id="flow-current-plan")),
               (t("flows.new_plan"), rx.text(BillingState.flow_plan_name, weight="medium", id="flow-new-plan"))),
        error_callout(BillingState.plan_error, "plan-error"),
        rx.flex(rx.button(t("flows.review_change"), id="flow-review-change",
                          on_click=BillingState.start_change(KEY, BillingState.flow_plan),
                          loading=BillingState.busy.contains("choose:"), disabled=PortalState.read_only)),
        change_dialog(),
        spacing="4", align="stretch",
    )


def _back() -> rx.Component:
    """Leaving without doing the task: Exit, which ends the session and returns to the app."""
    return NativeForm.create(
        rx.button(rx.icon("arrow-left", size=16), t("flows.back"), type="submit", variant="ghost",
                  id="flow-back", aria_label=t("flows.back_label")),
        action=routes.EXIT, method="post", margin="0",
    )


def _task() -> rx.Component:
    return rx.cond(
        BillingState.flow_done,
        rx.callout(t("flows.done"), icon="circle-check", color_scheme="green", id="flow-done", role="status"),
        rx.match(
            BillingState.flow,
            (PAYMENT_METHOD_UPDATE, _payment_method_update()),
            (SUBSCRIPTION_CANCEL, _subscription_cancel()),
            (SUBSCRIPTION_UPDATE, _subscription_update()),
            content_skeleton(),
        ),
    )


def _title(part: str) -> rx.Var:
    """The flow's title or text, in the tab's language."""
    return rx.match(BillingState.flow, *((flow, t(f"flows.{flow}.{part}")) for flow in FLOWS), "")


def _focused() -> rx.Component:
    return rx.el.main(
        plain.column(
            plain.row(brand_mark(), plain.text(PortalState.product_name, size=4, weight="bold", id="product-name"),
                      rx.cond(PortalState.org_name != "",
                              plain.text(PortalState.org_name, size=3, muted=True, id="org-name"))),
            rx.card(
                rx.cond(
                    PortalState.nothing_visible,
                    rx.callout(t("flows.not_available"), icon="info", id="flow-unavailable"),
                    plain.column(
                        plain.heading(_title("title"), size=6, id="section-title"),
                        plain.text(_title("text"), muted=True, as_="p", id="section-description"),
                        read_only_notice(),
                        rx.cond(BillingState.billing_loaded, _task(), content_skeleton()),
                        gap=4, align_items="stretch",
                    ),
                ),
                size=rx.breakpoints(initial="2", sm="4"), width="100%",
            ),
            rx.cond(BillingState.flow_done, rx.fragment(), _back()),
            gap=4, width="100%", align_items="start",
        ),
        id="section", max_width="40rem", margin="0 auto", padding=["1rem", "1.5rem", "3rem 2rem"],
    )


def flow_page() -> rx.Component:
    return branded(
        rx.cond(
            PortalState.ended,
            session_ended(),
            rx.cond(PortalState.shell_ready, _focused(), page_skeleton()),
        )
    )
