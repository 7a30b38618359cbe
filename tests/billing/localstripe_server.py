"""Runs localstripe (a stateful fake of Stripe's API, from PyPI) on 127.0.0.1 for the Stripe tests.

`python -m tests.billing.localstripe_server PORT` serves the fake on loopback only, keeps its state
in memory only (the package itself writes every change to /tmp/localstripe.pickle, which parallel
test workers would share), and fills the fake's gaps that the portal's Stripe provider meets, each
named below. Nothing here changes what the portal sends: the gaps are the fake's, not Stripe's.
"""

from __future__ import annotations

import sys
import time

from aiohttp import web
from localstripe import resources, server
from localstripe.errors import UserError


def _in_memory_only() -> None:
    resources.store.dump_to_disk = lambda: None
    resources.store.try_load_from_disk = lambda: None


def _pending_items(customer: str) -> list:
    return [ii for ii in resources.InvoiceItem._api_list_all(None, customer=customer, limit=99)._list
            if ii.invoice is None]


def _prorated_plan_changes() -> None:
    """Gap: localstripe's subscription update knows neither `proration_behavior` nor
    `payment_behavior` (it fails with a 500), and credits the whole last invoice as "Unused time".
    Stripe, for `proration_behavior=always_invoice`, credits the unused time of the old plan and
    charges the new plan for the time left, on an invoice charged at once; with
    `payment_behavior=error_if_incomplete` a declined card fails the update and changes nothing."""
    original = resources.Subscription._update

    def _update(self, proration_behavior=None, payment_behavior=None, **data):
        if proration_behavior is None:
            return original(self, **data)
        customer = resources.Customer._api_retrieve(self.customer)
        card = customer._get_default_payment_method_or_source()
        if payment_behavior == "error_if_incomplete" and (card is None or card._charging_is_declined()):
            raise UserError(402, "Your card was declined.", {"code": "card_declined"})
        old, start, end = self.plan, self.current_period_start, self.current_period_end
        before = {ii.id for ii in _pending_items(self.customer)}
        original(self, **data)
        for ii in _pending_items(self.customer):
            if ii.id not in before:  # localstripe's own, unprorated credit
                del resources.store["invoiceitem:" + ii.id]
        new = self.plan
        if new.id == old.id or proration_behavior == "none":
            return
        total, left = max(end - start, 1), min(max(end - int(time.time()), 0), end - start)
        for plan, sign, words in ((old, -1, "Unused time on"), (new, 1, "Remaining time on")):
            resources.InvoiceItem(amount=sign * (plan.amount * left // total), currency=plan.currency, proration=True,
                                  description=f"{words} {plan.nickname or plan.id}", subscription=self.id,
                                  plan=plan.id, customer=self.customer)
        if proration_behavior == "always_invoice":
            invoice = resources.Invoice(customer=self.customer, subscription=self.id, items=[])
            invoice._finalize()
            if invoice.status != "paid":
                resources.Invoice._api_pay_invoice(invoice.id)
            self.latest_invoice = invoice.id

    resources.Subscription._update = _update


def main(port: int) -> None:
    _in_memory_only()
    _prorated_plan_changes()
    web.run_app(server.app, host="127.0.0.1", port=port, access_log=None, print=None)


if __name__ == "__main__":
    main(int(sys.argv[1]))
