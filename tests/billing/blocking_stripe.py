"""A fake Stripe provider whose every call is a "network call" during which another connection
tries to write to the portal's database (tests/lock_probe.py): for checking that the portal holds
no write lock while it waits for Stripe. Answers are the least the billing code reads."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from portal_ui.billing.stripe_provider import SetupIntent, StripeProvider, plan_id
from portal_ui.domain.clock import utcnow
from tests.lock_probe import OtherWriter


class BlockingStripe(StripeProvider):
    """Stands in for `StripeProvider` (install with `install`); no network, no keys."""

    def __init__(self, writer: OtherWriter) -> None:  # no Stripe client at all
        self.publishable_key = "pk_test_fake"
        self.is_test = True
        self.api_base = None
        self._webhook_secret = "whsec_fake"
        self.writer = writer
        self.cards: dict[str, str | None] = {}  # payment method id -> customer
        self.setups: dict[str, str] = {}  # SetupIntent id -> customer
        self.tax_ids: dict[str, list[dict]] = {}  # customer -> its tax IDs ({"id", "type", "value"})
        self._n = 0

    def _next(self, prefix: str) -> str:
        self._n += 1
        return f"{prefix}_fake{self._n}"

    def _call(self, what: str, *_args: Any, **_kwargs: Any) -> None:  # type: ignore[override]
        self.writer.network_call(what)

    # --- customers and cards -----------------------------------------------------------------------

    def create_customer(self, *, name: str, email: str, owner_ref: str, address: dict | None = None,
                        tax_ids: list | tuple = (), locale: str | None = None) -> str:
        self._call("create_customer")
        cid = self._next("cus")
        self.tax_ids[cid] = [{"id": self._next("txi"), **t} for t in tax_ids]
        return cid

    def update_customer(self, customer_id: str, *, name: str, email: str, address: dict) -> None:
        self._call("update_customer")

    def list_tax_ids(self, customer_id: str) -> list[dict]:
        self._call("list_tax_ids")
        return list(self.tax_ids.get(customer_id, []))

    def create_tax_id(self, customer_id: str, *, type: str, value: str) -> dict:
        self._call("create_tax_id")
        found = {"id": self._next("txi"), "type": type, "value": value}
        self.tax_ids.setdefault(customer_id, []).append(found)
        return found

    def delete_tax_id(self, customer_id: str, tax_id: str) -> None:
        self._call("delete_tax_id")
        self.tax_ids[customer_id] = [t for t in self.tax_ids.get(customer_id, []) if t["id"] != tax_id]

    def create_setup_intent(self, customer_id: str) -> SetupIntent:
        self._call("create_setup_intent")
        seti = self._next("seti")
        self.setups[seti] = customer_id
        return SetupIntent(seti, f"{seti}_secret_fake")

    def retrieve_setup_intent(self, setup_intent_id: str) -> dict:
        self._call("retrieve_setup_intent")
        pm = f"pm_for_{setup_intent_id}"
        self.cards.setdefault(pm, None)
        return {"id": setup_intent_id, "customer": self.setups.get(setup_intent_id),
                "status": "succeeded", "payment_method": pm}

    def _card(self, pm: str) -> dict:
        return {"id": pm, "customer": self.cards.get(pm),
                "card": {"brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": utcnow().year + 2}}

    def retrieve_payment_method(self, payment_method_id: str) -> dict:
        self._call("retrieve_payment_method")
        return self._card(payment_method_id)

    def attach_payment_method(self, payment_method_id: str, customer_id: str) -> dict:
        self._call("attach_payment_method")
        self.cards[payment_method_id] = customer_id
        return self._card(payment_method_id)

    def detach_payment_method(self, payment_method_id: str) -> dict:
        self._call("detach_payment_method")
        self.cards[payment_method_id] = None
        return self._card(payment_method_id)

    def set_default_payment_method(self, customer_id: str, payment_method_id: str | None) -> None:
        self._call("set_default_payment_method")

    # --- plans, subscriptions, invoices -----------------------------------------------------------

    def ensure_plan(self, *, key: str, name: str, amount_minor: int, currency: str, interval: str) -> str:
        self._call("ensure_plan")
        return plan_id(key)

    def _subscription(self, subscription_id: str, stripe_plan_id: str) -> dict:
        now = utcnow()
        start, end = int(now.timestamp()), int((now + timedelta(days=30)).timestamp())
        invoice = {"id": self._next("in"), "status": "paid", "total": 9900, "currency": "usd", "created": start,
                   "status_transitions": {"paid_at": start},
                   "lines": {"data": [{"description": "Business", "amount": 9900, "plan": {"id": stripe_plan_id},
                                       "period": {"start": start, "end": end}}]}}
        return {"id": subscription_id, "status": "active", "current_period_start": start, "current_period_end": end,
                "items": {"data": [{"id": "si_fake", "plan": {"id": stripe_plan_id}}]}, "latest_invoice": invoice}

    def create_subscription(self, *, customer_id: str, stripe_plan_id: str, owner_ref: str,
                            coupon_id: str | None = None, idempotency_key: str | None = None) -> dict:
        self._call("create_subscription")
        return self._subscription(self._next("sub"), stripe_plan_id)

    def change_subscription_plan(self, *, subscription_id: str, stripe_plan_id: str) -> dict:
        self._call("change_subscription_plan")
        return self._subscription(subscription_id, stripe_plan_id)

    def set_cancel_at_period_end(self, subscription_id: str, cancel: bool) -> dict:
        self._call("set_cancel_at_period_end")
        return {}

    def list_invoices(self, customer_id: str, *, limit: int = 100, quick: bool = False) -> list[dict]:
        self._call("list_invoices")
        start = int(utcnow().timestamp())
        return [{"id": "in_listed", "status": "paid", "number": "FAKE-0001", "total": 1900, "currency": "usd",
                 "created": start, "status_transitions": {"paid_at": start},
                 "lines": {"data": [{"description": "Pro (monthly)", "amount": 1900,
                                     "plan": {"id": plan_id("pro_monthly")}, "period": {"start": start}}]}}]


def install(monkeypatch, env, engine) -> BlockingStripe:
    """Switch the portal to Stripe (PORTAL_BILLING_PROVIDER=stripe) answered by a BlockingStripe."""
    from portal_ui.billing import provider

    env(PORTAL_BILLING_PROVIDER="stripe", STRIPE_SECRET_KEY="sk_test_fake", STRIPE_PUBLISHABLE_KEY="pk_test_fake",
        STRIPE_WEBHOOK_SECRET="whsec_fake")
    fake = BlockingStripe(OtherWriter(engine))
    monkeypatch.setattr(provider, "_stripe", lambda _settings: fake)
    return fake
