"""The Stripe provider: Stripe's API through the official `stripe` package (README "Stripe").

With PORTAL_BILLING_PROVIDER=stripe, Stripe holds the cards, runs the subscriptions and issues the
invoices; portal_ui keeps ids and what it shows (brand, last four digits, expiry, amounts, links).
Card numbers never reach the portal: the browser hands them to Stripe's own card element, which
confirms a SetupIntent the portal created (`create_setup_intent`), and the portal only reads the
result (`card_from_setup_intent`). `add_card`, the test provider's way, is refused.

This module is the thin layer over the API: every call returns plain dicts, Stripe's card errors
become `CardDeclined` and every other failure `ProviderError`, with no Stripe text in the message.
The rules (who has which customer, what a webhook changes) are in `stripe_billing`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

import stripe

from portal_ui.billing.provider import CardDeclined, CardDetails, ChargeResult
from portal_ui.domain.errors import Conflict, InvalidInput, say

log = logging.getLogger(__name__)

PLAN_ID_PREFIX = "portal_"  # Stripe plan ids made from the catalogue's keys: pro_monthly -> portal_pro_monthly
TIMEOUT_SECONDS = 20
# Reads a page waits for (the invoice list when the billing page opens): one try, a short wait; the
# page shows what it already has when Stripe is slow.
QUICK_TIMEOUT_SECONDS = 5


class ProviderError(Conflict):
    """Stripe refused a request or did not answer; the message says to try again."""

    code = "PAYMENT_PROVIDER_ERROR"
    status = 502


class TaxIdRefused(InvalidInput):
    """Stripe found a tax ID invalid (`tax_id_invalid`); nothing was changed."""

    code = "INVALID_TAX_ID"


class WebhookRejected(InvalidInput):
    """A webhook whose signature does not check out (or is too old, or is not JSON)."""

    code = "INVALID_SIGNATURE"


def plan_id(plan_key: str) -> str:
    """The Stripe plan (price) id of a catalogue plan."""
    return PLAN_ID_PREFIX + plan_key


def plan_key_of(stripe_plan_id: str | None) -> str | None:
    """The catalogue key of a Stripe plan id made by `plan_id` (None for any other id)."""
    if isinstance(stripe_plan_id, str) and stripe_plan_id.startswith(PLAN_ID_PREFIX):
        return stripe_plan_id[len(PLAN_ID_PREFIX):] or None
    return None


def _dict(obj: Any) -> dict:
    return obj.to_dict() if hasattr(obj, "to_dict") else dict(obj or {})


@dataclass(frozen=True)
class SetupIntent:
    id: str
    client_secret: str


class StripeProvider:
    """A `BillingProvider` that takes real payments through Stripe (test or live keys)."""

    name = "stripe"
    label = "Stripe"
    manages_subscriptions = True  # Stripe renews and charges; webhooks report back

    def __init__(self, *, secret_key: str, publishable_key: str, webhook_secret: str,
                 api_base: str | None = None) -> None:
        self.publishable_key = publishable_key
        self.is_test = secret_key.startswith(("sk_test_", "rk_test_"))
        self._webhook_secret = webhook_secret
        base = {"api": api_base} if api_base else None
        self._client = stripe.StripeClient(secret_key, base_addresses=base, max_network_retries=2,
                                           http_client=stripe.RequestsClient(timeout=TIMEOUT_SECONDS))
        self._quick_client = stripe.StripeClient(secret_key, base_addresses=base, max_network_retries=0,
                                                 http_client=stripe.RequestsClient(timeout=QUICK_TIMEOUT_SECONDS))
        self.api_base = api_base

    def __repr__(self) -> str:  # never the keys
        return f"StripeProvider(test={self.is_test}, api_base={self.api_base!r})"

    # --- calls ---------------------------------------------------------------------------------

    def _call(self, what: str, fn, *args, **kwargs) -> dict:
        try:
            return _dict(fn(*args, **kwargs))
        except stripe.CardError as err:
            log.info("Stripe declined %s: %s", what, err.code)
            raise CardDeclined(say("billing_rules.card_declined")) from None
        except stripe.StripeError as err:
            log.warning("Stripe request failed (%s): %s %s", what, type(err).__name__, err.http_status)
            raise ProviderError(say("billing_rules.stripe.unavailable"), code="PAYMENT_PROVIDER_ERROR") from None

    def _v1(self):
        return self._client.v1

    # --- the BillingProvider protocol ---------------------------------------------------------------

    def add_card(self, *, number: str, exp_month: int | str, exp_year: int | str, cvc: str,
                 today: date) -> CardDetails:
        """Refused: with Stripe, card numbers go from the browser to Stripe, never to the portal."""
        del number, cvc
        raise InvalidInput(say("billing_rules.stripe.cards_through_stripe"), code="CARD_INPUT_NOT_ACCEPTED")

    def charge(self, *, card_ref: str, amount_minor: int, currency: str, description: str) -> ChargeResult:
        """Not used with Stripe: Stripe charges the subscription's invoices itself."""
        return ChargeResult(False, message=say("billing_rules.stripe.charges_by_stripe"))

    # --- customers and cards ------------------------------------------------------------------------

    def create_customer(self, *, name: str, email: str, owner_ref: str, address: dict[str, str] | None = None,
                        tax_ids: list[dict[str, str]] | tuple = (), locale: str | None = None) -> str:
        """A new customer with the owner's billing details: `address` in Stripe's fields (line1,
        line2, city, postal_code, state, country; empty ones left out), `tax_ids` as Stripe's
        `tax_id_data` ([{"type", "value"}]), `locale` as its `preferred_locales` (the language of
        Stripe's invoice pages, PDFs and emails to the customer). Raises TaxIdRefused when Stripe
        refuses a tax ID."""
        params: dict[str, Any] = {"name": name[:256], "metadata": {"portal_owner": owner_ref}}
        if locale:
            params["preferred_locales"] = [locale]
        if email:
            params["email"] = email
        filled = {k: v for k, v in (address or {}).items() if v}
        if filled:
            params["address"] = filled
        if tax_ids:
            params["tax_id_data"] = [dict(t) for t in tax_ids]
        return self._tax_call("customer", self._v1().customers.create, params=params)["id"]

    def update_customer(self, customer_id: str, *, name: str, email: str, address: dict[str, str]) -> None:
        """Give the customer these name, email and address (an empty field clears Stripe's)."""
        self._call("customer update", self._v1().customers.update, customer_id,
                   params={"name": name[:256], "email": email, "address": dict(address)})

    def list_tax_ids(self, customer_id: str) -> list[dict]:
        """The customer's tax IDs (Stripe's `tax_id` objects: id, type, value)."""
        found = self._call("tax ids", self._v1().customers.tax_ids.list, customer_id)
        return list(found.get("data") or [])

    def create_tax_id(self, customer_id: str, *, type: str, value: str) -> dict:
        """Add a tax ID to the customer; raises TaxIdRefused when Stripe finds it invalid."""
        return self._tax_call("tax id", self._v1().customers.tax_ids.create, customer_id,
                              params={"type": type, "value": value})

    def delete_tax_id(self, customer_id: str, tax_id: str) -> None:
        self._call("tax id removal", self._v1().customers.tax_ids.delete, customer_id, tax_id)

    def _tax_call(self, what: str, fn, *args, **kwargs) -> dict:
        """`_call`, where Stripe's `tax_id_invalid` (a number it finds malformed) is TaxIdRefused."""
        try:
            return _dict(fn(*args, **kwargs))
        except stripe.InvalidRequestError as err:
            if err.code != "tax_id_invalid":
                log.warning("Stripe request failed (%s): %s %s", what, type(err).__name__, err.http_status)
                raise ProviderError(say("billing_rules.stripe.unavailable"), code="PAYMENT_PROVIDER_ERROR") from None
            log.info("Stripe refused a tax ID (%s)", what)
            raise TaxIdRefused(say("billing_rules.stripe.tax_id_refused")) from None
        except stripe.StripeError as err:
            log.warning("Stripe request failed (%s): %s %s", what, type(err).__name__, err.http_status)
            raise ProviderError(say("billing_rules.stripe.unavailable"), code="PAYMENT_PROVIDER_ERROR") from None

    def create_setup_intent(self, customer_id: str) -> SetupIntent:
        found = self._call("setup intent", self._v1().setup_intents.create, params={
            "customer": customer_id, "usage": "off_session", "payment_method_types": ["card"]})
        return SetupIntent(found["id"], found["client_secret"])

    def retrieve_setup_intent(self, setup_intent_id: str) -> dict:
        return self._call("setup intent", self._v1().setup_intents.retrieve, setup_intent_id)

    def retrieve_payment_method(self, payment_method_id: str) -> dict:
        return self._call("payment method", self._v1().payment_methods.retrieve, payment_method_id)

    def attach_payment_method(self, payment_method_id: str, customer_id: str) -> dict:
        return self._call("attach", self._v1().payment_methods.attach, payment_method_id,
                          params={"customer": customer_id})

    def detach_payment_method(self, payment_method_id: str) -> dict:
        return self._call("detach", self._v1().payment_methods.detach, payment_method_id)

    def set_default_payment_method(self, customer_id: str, payment_method_id: str | None) -> None:
        self._call("default card", self._v1().customers.update, customer_id,
                   params={"invoice_settings": {"default_payment_method": payment_method_id or ""}})

    # --- plans, subscriptions, invoices -----------------------------------------------------------

    def ensure_plan(self, *, key: str, name: str, amount_minor: int, currency: str, interval: str) -> str:
        """The Stripe plan of a catalogue plan, created the first time (a plan with this id that
        already exists, e.g. created by hand in the dashboard, is linked as it is)."""
        pid = plan_id(key)
        try:
            self._v1().plans.retrieve(pid)
            return pid
        except stripe.InvalidRequestError as err:
            if err.http_status != 404:
                raise ProviderError(say("billing_rules.stripe.unavailable")) from None
        except stripe.StripeError:
            raise ProviderError(say("billing_rules.stripe.unavailable")) from None
        self._call("plan", self._v1().plans.create, params={
            "id": pid, "amount": amount_minor, "currency": currency.lower(), "interval": interval,
            "nickname": name[:250], "product": {"name": name[:250]}, "metadata": {"portal_plan_key": key}})
        return pid

    def create_subscription(self, *, customer_id: str, stripe_plan_id: str, owner_ref: str,
                            coupon_id: str | None = None, idempotency_key: str | None = None) -> dict:
        """Start a subscription, with the coupon's discount from its first invoice if `coupon_id`
        (its `discounts`, expanded); Stripe charges that invoice to the customer's default card at
        once (a decline raises CardDeclined and leaves no subscription). With `idempotency_key`,
        a repeat of the same request (a retried webhook whose first attempt was not kept) gets the
        subscription the first one started instead of a second one, charged again."""
        params: dict[str, Any] = {
            "customer": customer_id, "items": [{"plan": stripe_plan_id}], "payment_behavior": "error_if_incomplete",
            "metadata": {"portal_owner": owner_ref}, "expand": ["latest_invoice", "discounts"]}
        if coupon_id:
            params["discounts"] = [{"coupon": coupon_id}]
        options = {"idempotency_key": idempotency_key} if idempotency_key else None
        created = self._call("subscription", self._v1().subscriptions.create, params=params, options=options)
        if created.get("status") in ("incomplete", "incomplete_expired"):
            # The first payment did not go through (e.g. the bank asks for authentication): leave
            # nothing behind, as for a decline.
            self._call("cancellation", self._v1().subscriptions.cancel, created["id"])
            raise CardDeclined(say("billing_rules.card_declined"))
        return created

    def retrieve_subscription(self, subscription_id: str) -> dict:
        return self._call("subscription", self._v1().subscriptions.retrieve, subscription_id)

    def _item_id(self, subscription_id: str) -> str:
        return self.retrieve_subscription(subscription_id)["items"]["data"][0]["id"]

    def change_subscription_plan(self, *, subscription_id: str, stripe_plan_id: str,
                                 proration_date: int | None = None) -> dict:
        """Move the subscription to another plan now, Stripe invoicing and charging the prorated
        difference at once (a decline raises CardDeclined and changes nothing). `proration_date`
        (a Unix time in the current period): prorate at that moment, the one a preview was made
        for (`preview_plan_change`), so the invoice is exactly the preview's."""
        params: dict[str, Any] = {
            "items": [{"id": self._item_id(subscription_id), "plan": stripe_plan_id}],
            "proration_behavior": "always_invoice", "payment_behavior": "error_if_incomplete",
            "expand": ["latest_invoice"]}
        if proration_date is not None:
            params["proration_date"] = int(proration_date)
        return self._call("plan change", self._v1().subscriptions.update, subscription_id, params=params)

    def preview_plan_change(self, *, customer_id: str, subscription_id: str, stripe_plan_id: str,
                            proration_date: int | None, proration_behavior: str = "always_invoice") -> dict:
        """Stripe's preview of `change_subscription_plan` at `proration_date` (`invoices.create_preview`):
        its proration lines are those of the invoice the change then issues; with
        `proration_behavior="none"`, the renewal on the new plan at the period end."""
        details: dict[str, Any] = {"items": [{"id": self._item_id(subscription_id), "plan": stripe_plan_id}],
                                   "proration_behavior": proration_behavior}
        if proration_date is not None:
            details["proration_date"] = int(proration_date)
        return self._call("invoice preview", self._v1().invoices.create_preview, params={
            "customer": customer_id, "subscription": subscription_id, "subscription_details": details})

    def preview_renewal(self, *, customer_id: str, subscription_id: str) -> dict:
        """Stripe's preview of the subscription's next renewal invoice, as if it were not set to end."""
        return self._call("invoice preview", self._v1().invoices.create_preview, params={
            "customer": customer_id, "subscription": subscription_id,
            "subscription_details": {"cancel_at_period_end": False}})

    def preview_new_subscription(self, *, customer_id: str, stripe_plan_id: str, start_date: int,
                                 coupon_id: str | None = None) -> dict:
        """Stripe's preview of the first invoice of a subscription to `stripe_plan_id` starting at
        `start_date`, with the coupon's discount if `coupon_id`."""
        params: dict[str, Any] = {
            "customer": customer_id,
            "subscription_details": {"items": [{"plan": stripe_plan_id}], "start_date": int(start_date)}}
        if coupon_id:
            params["discounts"] = [{"coupon": coupon_id}]
        return self._call("invoice preview", self._v1().invoices.create_preview, params=params)

    def ensure_coupon(self, *, coupon_id: str, name: str, percent_off: int, duration_months: int) -> str:
        """The Stripe coupon `coupon_id` (percent off, repeating for `duration_months`), created the
        first time (one that already exists is used as it is), like `ensure_plan`."""
        try:
            self._v1().coupons.retrieve(coupon_id)
            return coupon_id
        except stripe.InvalidRequestError as err:
            if err.http_status != 404:
                raise ProviderError(say("billing_rules.stripe.unavailable")) from None
        except stripe.StripeError:
            raise ProviderError(say("billing_rules.stripe.unavailable")) from None
        self._call("coupon", self._v1().coupons.create, params={
            "id": coupon_id, "name": name[:40], "percent_off": percent_off, "duration": "repeating",
            "duration_in_months": duration_months, "metadata": {"portal_offer": "retention"}})
        return coupon_id

    def apply_coupon(self, subscription_id: str, coupon_id: str) -> dict:
        """Give the subscription the coupon's discount from now (its `discounts`, expanded)."""
        return self._call("discount", self._v1().subscriptions.update, subscription_id, params={
            "discounts": [{"coupon": coupon_id}], "expand": ["discounts"]})

    def set_cancel_at_period_end(self, subscription_id: str, cancel: bool) -> dict:
        return self._call("cancellation", self._v1().subscriptions.update, subscription_id,
                          params={"cancel_at_period_end": cancel})

    def cancel_subscription(self, subscription_id: str) -> dict:
        return self._call("cancellation", self._v1().subscriptions.cancel, subscription_id)

    def list_invoices(self, customer_id: str, *, limit: int = 100, quick: bool = False) -> list[dict]:
        """The customer's newest invoices; `quick`: one try with a short timeout (a page is waiting)."""
        client = self._quick_client if quick else self._client
        found = self._call("invoices", client.v1.invoices.list, params={"customer": customer_id, "limit": limit})
        return list(found.get("data") or [])

    # --- webhooks ---------------------------------------------------------------------------------

    def parse_webhook(self, payload: bytes, signature: str | None) -> dict:
        """The event of a webhook whose `Stripe-Signature` checks out with STRIPE_WEBHOOK_SECRET
        (`stripe.Webhook.construct_event`: HMAC-SHA256, at most 5 minutes old); else WebhookRejected."""
        try:
            event = stripe.Webhook.construct_event(payload, signature or "", self._webhook_secret)
        except (stripe.SignatureVerificationError, ValueError):
            raise WebhookRejected(say("billing_rules.stripe.bad_signature")) from None
        return _dict(event)


def card_details(payment_method: dict) -> CardDetails:
    """What the portal keeps of a Stripe card payment method: brand, last four digits, expiry."""
    card = payment_method.get("card") or {}
    return CardDetails(provider=StripeProvider.name, ref=str(payment_method.get("id") or ""),
                       brand=str(card.get("brand") or "card")[:32], last4=str(card.get("last4") or "")[-4:],
                       exp_month=int(card.get("exp_month") or 0), exp_year=int(card.get("exp_year") or 0))
