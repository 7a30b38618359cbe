"""Runs localstripe (a stateful fake of Stripe's API, from PyPI) on 127.0.0.1 for the Stripe tests.

`python -m tests.billing.localstripe_server PORT` serves the fake on loopback only, keeps its state
in memory only (the package itself writes every change to /tmp/localstripe.pickle, which parallel
test workers would share), and fills the fake's gaps that the portal's Stripe provider meets, each
named below. Nothing here changes what the portal sends: the gaps are the fake's, not Stripe's.
`running()` starts one for a block of tests (the billing tests' fixture, the Stripe browser test's).
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

# localstripe is imported in the server's process only (`main`): the tests' own process just starts it.
resources = server = UserError = None


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


# A one-page PDF, as the fake's invoice document (its content is not what the tests look at).
_PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def _invoice_links(base: str) -> None:
    """Gap: localstripe's invoices have no `hosted_invoice_url` or `invoice_pdf`, which Stripe gives
    every finalized invoice. Here they are public addresses on the fake, as Stripe's are (no API
    key): the hosted page is a short HTML page, the PDF link a PDF download named after the invoice."""
    original = resources.Invoice.__init__

    def __init__(self, *args, **kwargs):
        original(self, *args, **kwargs)
        self.hosted_invoice_url = f"{base}/hosted_invoices/{self.id}"
        self.invoice_pdf = f"{base}/hosted_invoices/{self.id}/pdf"

    resources.Invoice.__init__ = __init__

    from aiohttp import web

    async def hosted_page(request):
        return web.Response(text=f"<!doctype html><title>Invoice</title><h1>Invoice {request.match_info['id']}</h1>",
                            content_type="text/html")

    async def pdf(request):
        name = request.match_info["id"]
        return web.Response(body=_PDF, content_type="application/pdf",
                            headers={"Content-Disposition": f'attachment; filename="{name}.pdf"'})

    server.app.router.add_get("/hosted_invoices/{id:in_[A-Za-z0-9]+}", hosted_page)
    server.app.router.add_get("/hosted_invoices/{id:in_[A-Za-z0-9]+}/pdf", pdf)
    auth = server.auth_middleware

    @web.middleware
    async def public_invoices(request, handler):
        if request.path.startswith("/hosted_invoices/"):
            return await handler(request)
        return await auth(request, handler)

    server.app.middlewares[server.app.middlewares.index(auth)] = public_invoices


def _card_brands() -> None:
    """Gap: localstripe calls every card a Visa; Stripe names the card's network. Here the brand
    comes from the number's prefix (the well-known test numbers: 4 Visa, 51-55 and 2221-2720
    Mastercard, 34/37 American Express)."""
    original = resources.PaymentMethod.__init__

    def __init__(self, *args, **kwargs):
        original(self, *args, **kwargs)
        number = getattr(self, "_card_number", "")
        if self.type == "card" and number:
            two, four = int(number[:2]), int(number[:4])
            self.card["brand"] = ("mastercard" if 51 <= two <= 55 or 2221 <= four <= 2720
                                  else "amex" if two in (34, 37) else "visa" if number[0] == "4" else "unknown")

    resources.PaymentMethod.__init__ = __init__


def main(port: int) -> None:
    global resources, server, UserError
    from aiohttp import web
    from localstripe import resources, server
    from localstripe.errors import UserError

    _in_memory_only()
    _prorated_plan_changes()
    _invoice_links(f"http://127.0.0.1:{port}")
    _card_brands()
    web.run_app(server.app, host="127.0.0.1", port=port, access_log=None, print=None)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running() -> Iterator[str]:
    """A localstripe in a child process on 127.0.0.1 at a free port, for the block; yields its address."""
    port = _free_port()
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen([sys.executable, "-m", "tests.billing.localstripe_server", str(port)], cwd=root,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    proc.kill()
                    raise RuntimeError("localstripe did not start: " + proc.stderr.read().decode()[-2000:])
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


if __name__ == "__main__":
    main(int(sys.argv[1]))
