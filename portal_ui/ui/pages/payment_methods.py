"""The payment methods page: the owner's cards, adding one, default and remove.

With the test provider the card form is uncontrolled: number, expiry and security code stay in the
browser until the form is submitted, and the submitted values go straight to the billing domain
(see BillingState.add_card). With Stripe the form is Stripe's card element (assets/stripe_card.js),
which sends the card to Stripe only (see BillingState.start_stripe_card).
"""

from __future__ import annotations

import reflex as rx

from portal_ui.ui.components.layout import section_frame
from portal_ui.ui.i18n import t
from portal_ui.ui.pages.billing import KEY, dialog_buttons, error_callout
from portal_ui.ui.state import BillingState, PortalState


def _card_row(card) -> rx.Component:
    return rx.card(
        rx.flex(
            rx.hstack(
                rx.icon("credit-card", size=22, color="var(--gray-11)", flex_shrink="0"),
                rx.vstack(
                    rx.flex(rx.text(card.label, weight="medium", class_name="card-label"),
                            rx.cond(card.is_default,
                                    rx.badge(t("billing.card_default_badge"), class_name="card-default")),
                            rx.cond(card.expired, rx.badge(t("billing.card_expired_badge"), color_scheme="red")),
                            gap="0.5rem", align="center", wrap="wrap"),
                    rx.text(t("billing.card_expires", date=card.expiry), size="2", color_scheme="gray"),
                    spacing="0",
                ),
                spacing="3", align="center", min_width="0",
            ),
            rx.flex(
                rx.cond(~card.is_default, rx.button(
                    t("billing.make_default"), size="2", variant="soft", class_name="card-make-default",
                    on_click=BillingState.make_default(KEY, card.id), loading=BillingState.busy == "default:" + card.id,
                    disabled=PortalState.read_only)),
                rx.button(t("billing.remove"), size="2", variant="soft", color_scheme="red", class_name="card-remove",
                          aria_label=t("billing.remove_card_label", card=card.label),
                          on_click=BillingState.ask_remove(card.id),
                          disabled=PortalState.read_only),
                gap="0.5rem", wrap="wrap",
            ),
            justify="between", align=rx.breakpoints(initial="start", sm="center"), gap="0.75rem",
            direction=rx.breakpoints(initial="column", sm="row"),
        ),
        data_card=card.id,
        class_name="payment-card",
    )


def _card_input(label: rx.Var | str, name: str, hint: rx.Var | str, **props) -> rx.Component:
    # Uncontrolled on purpose: the value lives in the browser until the form is submitted, never in state.
    return rx.el.label(
        rx.text(label, size="2", weight="medium"),
        rx.input(name=name, id=name, placeholder=hint, disabled=PortalState.read_only, required=True,
                 spell_check=False, margin_top="0.25rem", **props),
        display="block",
    )


def add_card_form() -> rx.Component:
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading(t("billing.add_a_card"), as_="h2", size="4"),
                rx.grid(
                    rx.box(_card_input(t("billing.card_number"), "card_number", "4242 4242 4242 4242",
                                       auto_complete="cc-number",
                                       input_mode="numeric", max_length=23), grid_column=["span 2", "span 1"]),
                    _card_input(t("billing.expiry"), "card_expiry", t("billing.expiry_hint"), auto_complete="cc-exp",
                                max_length=7),
                    _card_input(t("billing.security_code"), "card_cvc", t("billing.security_code_hint"),
                                auto_complete="cc-csc", input_mode="numeric",
                                max_length=4),
                    columns=rx.breakpoints(initial="2", sm="2fr 1fr 1fr"), spacing="3", width="100%",
                ),
                error_callout(BillingState.card_error, "card-error"),
                rx.flex(
                    rx.button(rx.icon("plus", size=16), t("billing.add_card"), type="submit", id="card-submit",
                              loading=BillingState.busy == "card", disabled=PortalState.read_only),
                    rx.text(t("billing.card_kept_note"), size="1", color_scheme="gray"),
                    gap="0.75rem", align="center", wrap="wrap",
                ),
                spacing="3", align="stretch",
            ),
            on_submit=BillingState.add_card(KEY),
            reset_on_submit=False,
            auto_complete="off",
            id="card-form",
        ),
        size=rx.breakpoints(initial="2", sm="3"),
    )


STRIPE_ELEMENT = "stripe-card-element"


def _stripe_card_form() -> rx.Component:
    """Stripe's card element, mounted by assets/stripe_card.js into the box below (Stripe.js, the
    publishable key and the language in its data attributes)."""
    element = rx.el.div(
        id=STRIPE_ELEMENT, class_name="stripe-card-element", data_js_url=BillingState.stripe_js_url,
        data_key=BillingState.stripe_key, data_locale=PortalState.lang,
        data_failed_text=t("billing.stripe_unavailable"), aria_label=t("billing.card_details"), role="group",
        # Before assets/stripe_card.js has run there is nothing to call: it mounts the box itself then.
        on_mount=rx.call_script(f"window.portalStripeCard?.mount('{STRIPE_ELEMENT}')"),
        on_unmount=rx.call_script("window.portalStripeCard?.unmount()"),
    )
    return rx.card(
        rx.vstack(
            rx.heading(t("billing.add_a_card"), as_="h2", size="4"),
            rx.cond(PortalState.read_only, rx.fragment(), element),
            error_callout(BillingState.card_error, "card-error"),
            rx.flex(
                rx.button(rx.icon("plus", size=16), t("billing.add_card"), id="card-submit",
                          on_click=BillingState.start_stripe_card(KEY),
                          loading=(BillingState.busy == "card") | (BillingState.busy == "card:setup")
                          | BillingState.card_confirming,
                          disabled=PortalState.read_only),
                rx.text(t("billing.stripe_card_note"), size="1", color_scheme="gray"),
                gap="0.75rem", align="center", wrap="wrap",
            ),
            spacing="3", align="stretch",
        ),
        size=rx.breakpoints(initial="2", sm="3"),
        id="stripe-card-form",
    )


def card_form() -> rx.Component:
    """The form that adds a card with the portal's provider: Stripe's card element, or the test
    provider's own fields."""
    return rx.cond(BillingState.stripe_card, _stripe_card_form(), add_card_form())


def _remove_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(t("billing.remove_title", card=BillingState.remove_label)),
            rx.alert_dialog.description(t("billing.remove_text")),
            rx.box(error_callout(BillingState.remove_error, "remove-error"), margin_top="1rem"),
            dialog_buttons(rx.button(t("billing.remove_card"), color_scheme="red", id="remove-confirm",
                                      on_click=BillingState.confirm_remove(KEY),
                                      loading=BillingState.busy == "remove")),
            id="remove-dialog", max_width="30rem",
        ),
        open=BillingState.remove_open, on_open_change=BillingState.dialog_open_change,
    )


def payment_details() -> rx.Component:
    return section_frame(
        rx.vstack(
            rx.cond(
                BillingState.stripe_card,
                rx.callout(t("billing.stripe_note"), icon="lock", color_scheme="gray", id="stripe-note"),
                rx.callout(
                    rx.text(rx.text.strong(BillingState.provider_label), ". ", t("billing.test_card_note")),
                    icon="flask-conical", color_scheme="blue", high_contrast=True, id="test-provider-note",
                ),
            ),
            error_callout(BillingState.cards_error, "cards-error"),
            rx.cond(
                BillingState.cards.length() > 0,
                rx.vstack(rx.foreach(BillingState.cards, _card_row), spacing="3", align="stretch", id="card-list"),
                rx.text(t("billing.no_cards"), color_scheme="gray", id="cards-none"),
            ),
            card_form(),
            _remove_dialog(),
            spacing="4", align="stretch",
        ),
        ready=BillingState.billing_loaded,
    )
