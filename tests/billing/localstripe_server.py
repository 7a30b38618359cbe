"""Runs localstripe (a stateful fake of Stripe's API, from PyPI) on 127.0.0.1 for the Stripe tests.

`python -m tests.billing.localstripe_server PORT` serves the fake on loopback only, keeps its state
in memory only (the package itself writes every change to /tmp/localstripe.pickle, which parallel
test workers would share), and fills the fake's gaps that the portal's Stripe provider meets, each
named below. Nothing here changes what the portal sends: the gaps are the fake's, not Stripe's.
`running()` starts one for a block of tests (the billing tests' fixture, the Stripe browser test's).
"""

from __future__ import annotations

import secrets
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
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


def _period_end(plan, start: int) -> int:
    """The end of `plan`'s period starting at `start`, as localstripe's own periods are computed."""
    from dateutil.relativedelta import relativedelta

    step = {"day": relativedelta(days=1), "week": relativedelta(days=7), "month": relativedelta(months=1),
            "year": relativedelta(years=1)}[plan.interval]
    return int((datetime.fromtimestamp(start) + step).timestamp())


def _prorations(sub, old, new, at: int) -> list[tuple]:
    """The proration of a change from plan `old` to plan `new` at `at` (a Unix time; clamped to the
    current period): (plan, amount, description) for the unused time on `old` (a credit) and the
    remaining time on `new`. The one computation behind both the update and its preview."""
    start, end = sub.current_period_start, sub.current_period_end
    total, left = max(end - start, 1), min(max(end - at, 0), end - start)
    return [(plan, sign * (plan.amount * left // total), f"{words} {plan.nickname or plan.id}")
            for plan, sign, words in ((old, -1, "Unused time on"), (new, 1, "Remaining time on"))]


def _discount_in_force(subscription_id, when: int) -> dict | None:
    """The discount of a subscription (see `_coupons_on_subscriptions`) in force at `when`."""
    sub = resources.Subscription._api_retrieve(subscription_id) if subscription_id else None
    for found in getattr(sub, "discounts", None) or []:
        if found["start"] <= when and (found["end"] is None or when < found["end"]):
            return found
    return None


def _discount_amounts(amount: int, subscription_id, when: int, discount: dict | None = None) -> list[dict]:
    """A line's `discount_amounts`: the percentage of `discount`, else of the subscription's discount
    in force at the line's period start, rounded half up to the minor unit (credits are not discounted)."""
    found = discount or _discount_in_force(subscription_id, when)
    if found is None or amount <= 0:
        return []
    percent = Decimal(str(found["coupon"]["percent_off"] or 0))
    off = int((amount * percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return [{"amount": off, "discount": found["id"]}] if off else []


def _prorated_plan_changes() -> None:
    """Gap: localstripe's subscription update knows neither `proration_behavior` nor
    `payment_behavior` (it fails with a 500), ignores `proration_date`, and credits the whole last
    invoice as "Unused time". Stripe, for `proration_behavior=always_invoice`, credits the unused
    time of the old plan and charges the new plan for the time left at `proration_date` (else at
    the moment of the update), on an invoice charged at once; with
    `payment_behavior=error_if_incomplete` a declined card fails the update and changes nothing.
    The proration is `_prorations`, which the fake's invoice preview uses too (`_previews`)."""
    original = resources.Subscription._update

    def _update(self, proration_behavior=None, payment_behavior=None, proration_date=None, discounts=None, **data):
        if discounts is not None:
            _apply_discounts(self, discounts)
            if not data and proration_behavior is None:
                return
        if proration_behavior is None:
            return original(self, **data)
        customer = resources.Customer._api_retrieve(self.customer)
        card = customer._get_default_payment_method_or_source()
        if payment_behavior == "error_if_incomplete" and (card is None or card._charging_is_declined()):
            raise UserError(402, "Your card was declined.", {"code": "card_declined"})
        at = int(proration_date) if proration_date else int(time.time())
        old, end = self.plan, self.current_period_end
        before = {ii.id for ii in _pending_items(self.customer)}
        original(self, **data)
        for ii in _pending_items(self.customer):
            if ii.id not in before:  # localstripe's own, unprorated credit
                del resources.store["invoiceitem:" + ii.id]
        new = self.plan
        if new.id == old.id or proration_behavior == "none":
            return
        for plan, amount, text in _prorations(self, old, new, at):
            resources.InvoiceItem(amount=amount, currency=plan.currency, proration=True, description=text,
                                  subscription=self.id, plan=plan.id, customer=self.customer, period_start=at,
                                  period_end=end)
        if proration_behavior == "always_invoice":
            invoice = resources.Invoice(customer=self.customer, subscription=self.id, items=[])
            invoice._finalize()
            if invoice.status != "paid":
                resources.Invoice._api_pay_invoice(invoice.id)
            self.latest_invoice = invoice.id

    resources.Subscription._update = _update


def _coupons_of(discounts) -> list:
    """The coupons of a `discounts=[{"coupon": id}]` parameter (400 if malformed, 404 if unknown)."""
    if not isinstance(discounts, list) or not all(isinstance(d, dict) and d.get("coupon") for d in discounts):
        raise UserError(400, "Bad request")
    return [resources.Coupon._api_retrieve(wanted["coupon"]) for wanted in discounts]


def _apply_discounts(sub, discounts, start: int | None = None) -> None:
    """`discounts=[{"coupon": id}]` on a subscription update (or create): the coupon becomes the
    subscription's discount from now (`start`), for `duration_in_months` if it repeats (Stripe's
    `discount.start`/`end`)."""
    from dateutil.relativedelta import relativedelta

    found = []
    for coupon in _coupons_of(discounts):
        start = int(start or time.time())
        end = (int((datetime.fromtimestamp(start) + relativedelta(months=coupon.duration_in_months)).timestamp())
               if coupon.duration == "repeating" else None)
        found.append({"id": "di_" + secrets.token_hex(8), "object": "discount", "coupon": coupon._export(),
                      "start": start, "end": end, "subscription": sub.id, "customer": sub.customer})
    sub.discounts = found


def _coupons_on_subscriptions() -> None:
    """Gap: localstripe's coupons have no `name` (Stripe's name shown to customers), its subscriptions
    take no `discounts` (on create or update) and have no `discounts` list, and its invoices apply
    no discount. Stripe
    applies a subscription's discount to each line of the invoices issued while it is in force
    (`discount_amounts` per line, `total_discount_amounts`, a lower `total`). Here a discount is
    kept on the subscription as the object Stripe returns when `discounts` is expanded."""
    coupon_init = resources.Coupon.__init__

    def coupon(self, name=None, **kwargs):
        coupon_init(self, **kwargs)
        self.name = name

    resources.Coupon.__init__ = coupon
    subscription_init = resources.Subscription.__init__

    def subscription(self, *args, discounts=None, **kwargs):
        self.discounts = []
        if discounts is not None:
            _coupons_of(discounts)  # a bad parameter fails before anything is made
        self._discounts_wanted = discounts
        subscription_init(self, *args, **kwargs)

    resources.Subscription.__init__ = subscription
    create_invoice = resources.Subscription._create_invoice

    def first_invoice(self):
        """A subscription created with `discounts` has the discount from its start, first invoice included."""
        wanted = self.__dict__.pop("_discounts_wanted", None)
        if wanted:
            _apply_discounts(self, wanted, start=self.start_date)
        create_invoice(self)

    resources.Subscription._create_invoice = first_invoice
    invoice_init = resources.Invoice.__init__

    def invoice(self, *args, **kwargs):
        invoice_init(self, *args, **kwargs)
        for il in self.lines._list:
            il.discount_amounts = _discount_amounts(il.amount, self.subscription or il.subscription,
                                                    il.period["start"])

    resources.Invoice.__init__ = invoice
    resources.Invoice.total_discount_amounts = property(
        lambda self: [d for il in self.lines._list for d in getattr(il, "discount_amounts", [])])
    resources.Invoice.total = property(
        lambda self: max(0, self.subtotal - sum(d["amount"] for d in self.total_discount_amounts) + self.tax
                         - self.starting_balance))


class _Preview:
    """An invoice preview: built, returned, never stored (Stripe keeps previews out of its lists)."""

    def __init__(self, data: dict):
        self.data = data

    def _export(self, expand=None):
        return self.data


def _preview_line(text: str, amount: int, plan, start: int, end: int, *, proration: bool, sub,
                  discount: dict | None = None) -> dict:
    return {"object": "line_item", "description": text, "amount": amount, "currency": plan.currency,
            "plan": plan._export(), "period": {"start": start, "end": end}, "proration": proration,
            "parent": {"type": "subscription_item_details",
                       "subscription_item_details": {"proration": proration, "subscription": sub}},
            "discount_amounts": _discount_amounts(amount, sub, start, discount) if sub or discount else []}


def _previews() -> None:
    """Gap: localstripe's `POST /v1/invoices/create_preview` credits the whole previous invoice,
    ignores `proration_date` and `proration_behavior`, and previews no discount. Stripe's preview
    of a subscription update holds the same proration lines (`parent.subscription_item_details.
    proration`) the update then invoices at that `proration_date`, followed by the next period's
    renewal; of a subscription, its renewal; of a new subscription (`customer` and
    `subscription_details.items` only), its first invoice (from `start_date`, less the coupon of
    `discounts` if given). Here the proration is `_prorations`, as in the update."""

    def create_preview(customer=None, subscription=None, subscription_details=None, discounts=None, **unexpected):
        if unexpected:
            raise UserError(400, "Unexpected " + ", ".join(unexpected))
        details = subscription_details or {}
        items = details.get("items") or []
        if not isinstance(details, dict) or not isinstance(items, list):
            raise UserError(400, "Bad request")
        lines = []
        if subscription:
            sub = resources.Subscription._api_retrieve(subscription)
            if customer is not None and sub.customer != customer:
                raise UserError(404, "No such subscription for customer")
            new = resources.Plan._api_retrieve(items[0]["plan"]) if items and items[0].get("plan") else sub.plan
            at = int(details.get("proration_date") or time.time())
            if new.id != sub.plan.id and details.get("proration_behavior", "create_prorations") != "none":
                lines += [_preview_line(text, amount, plan, min(max(at, sub.current_period_start),
                                                               sub.current_period_end),
                                        sub.current_period_end, proration=True, sub=sub.id)
                          for plan, amount, text in _prorations(sub, sub.plan, new, at)]
            cancels = details.get("cancel_at_period_end", sub.cancel_at_period_end)
            if str(cancels).lower() not in ("true", "1"):
                start = sub.current_period_end
                lines.append(_preview_line(new.name, new.amount, new, start, _period_end(new, start),
                                           proration=False, sub=sub.id))
            customer = sub.customer
        else:
            resources.Customer._api_retrieve(customer or "")
            if len(items) != 1 or not items[0].get("plan"):
                raise UserError(400, "Bad request")
            plan = resources.Plan._api_retrieve(items[0]["plan"])
            start = int(details.get("start_date") or time.time())
            coupons = _coupons_of(discounts) if discounts is not None else []
            discount = {"id": "di_preview", "coupon": coupons[0]._export()} if coupons else None
            lines.append(_preview_line(plan.name, plan.amount, plan, start, _period_end(plan, start),
                                       proration=False, sub=None, discount=discount))
        if not lines:
            raise UserError(404, "No upcoming invoices for customer")
        subtotal = sum(x["amount"] for x in lines)
        discounts = [d for x in lines for d in x["discount_amounts"]]
        total = max(0, subtotal - sum(d["amount"] for d in discounts))
        return _Preview({"id": "upcoming_in_" + secrets.token_hex(7), "object": "invoice", "customer": customer,
                         "subscription": subscription, "status": "draft", "currency": lines[0]["currency"],
                         "lines": {"object": "list", "data": lines, "has_more": False}, "subtotal": subtotal,
                         "total_discount_amounts": discounts, "total": total, "amount_due": total})

    resources.extra_apis[:] = [(m, url, create_preview if url == "/v1/invoices/create_preview" else f)
                               for m, url, f in resources.extra_apis]


def _renewals() -> None:
    """Gap: localstripe has no clock: its subscriptions never reach their period end. Not Stripe's
    API (which has test clocks for this): `POST /_config/subscriptions/{id}/renew` moves a
    subscription to its next period and issues and charges that period's invoice, as Stripe does
    at the period end; it answers with the invoice."""

    def renew(id=None, **unused):
        sub = resources.Subscription._api_retrieve(id)
        if sub.status not in ("active", "past_due"):
            raise UserError(400, "Bad request")
        sub.start_date = sub.current_period_end
        sub._create_invoice()
        return resources.Invoice._api_retrieve(sub.latest_invoice)

    resources.extra_apis.append(("POST", "/_config/subscriptions/{id}/renew", renew))


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


# Stripe's formats for the tax ID types the portal sends (Stripe's docs: "Customer tax IDs").
_TAX_ID_FORMATS = {"eu_vat": r"[A-Z]{2}[0-9A-Z+*]{2,13}", "gb_vat": r"GB([0-9]{9}|[0-9]{12}|GD[0-9]{3}|HA[0-9]{3})",
                   "us_ein": r"[0-9]{2}-?[0-9]{7}", "au_abn": r"[0-9]{11}", "nz_gst": r"[0-9]{8,9}",
                   "es_cif": r"[A-Z0-9][0-9]{7}[A-Z0-9]"}


def _tax_ids() -> None:
    """Gap: localstripe knows only the tax ID types eu_vat, nz_gst, au_abn and es_cif, takes any
    number longer than ten characters (refusing a ten-character one such as "12-3456789"), and
    refuses with a bare 400. Stripe knows gb_vat and us_ein too, checks each type's format and
    refuses a malformed number with the code `tax_id_invalid`, on `tax_id_data` of a new customer
    as on `POST /v1/customers/{id}/tax_ids`. Here both check the formats above, as Stripe does."""
    import re

    def check(kind, value) -> None:
        if kind not in _TAX_ID_FORMATS:
            raise UserError(400, "Bad request")
        if not isinstance(value, str) or not re.fullmatch(_TAX_ID_FORMATS[kind], value):
            raise UserError(400, f"Invalid value for {kind}.", {"code": "tax_id_invalid", "param": "value"})

    def tax_id_init(self, country=None, customer=None, type=None, value=None, **kwargs):
        if kwargs or not isinstance(customer, str) or not customer.startswith("cus_"):
            raise UserError(400, "Bad request")
        check(type, value)
        resources.Customer._api_retrieve(customer)  # 404 if there is no such customer
        resources.StripeObject.__init__(self)
        self.country = country or ("GB" if type == "gb_vat" else "US" if type == "us_ein"
                                   else value[:2] if type == "eu_vat" else type[:2].upper())
        self.customer, self.type, self.value = customer, type, value
        self.verification = {"status": "verified", "verified_name": "", "verified_address": ""}

    resources.TaxId.__init__ = tax_id_init
    customer_init = resources.Customer.__init__

    def customer(self, tax_id_data=None, **kwargs):
        data = tax_id_data or []
        if not isinstance(data, list) or not all(isinstance(d, dict) and set(d) == {"type", "value"} for d in data):
            raise UserError(400, "Bad request")
        for d in data:  # before the customer exists, as Stripe creates none when one is refused
            check(d["type"], d["value"])
        customer_init(self, **kwargs)
        self.tax_ids._list = [resources.TaxId(customer=self.id, **d) for d in data]

    resources.Customer.__init__ = customer

    def add_tax_id(id, type=None, value=None, **kwargs):
        if kwargs:
            raise UserError(400, "Unexpected " + ", ".join(kwargs))
        check(type, value)
        found = resources.TaxId(customer=id, type=type, value=value)
        resources.Customer._api_retrieve(id).tax_ids._list.append(found)
        return found

    resources.extra_apis[:] = [(m, url, add_tax_id if (m, url) == ("POST", "/v1/customers/{id}/tax_ids") else f)
                               for m, url, f in resources.extra_apis]


def _idempotent_requests(app) -> None:
    """Gap: localstripe ignores the `Idempotency-Key` header. Stripe answers a POST that repeats an
    earlier one's key with the earlier answer (status and body) and does nothing again; the same key
    with other parameters is a 400 `idempotency_error`; a 5xx answer is not kept. Keys are kept for
    the server's life (Stripe keeps them for at least 24 hours)."""
    from aiohttp import web

    kept: dict[str, tuple[bytes, int, bytes, str]] = {}

    @web.middleware
    async def idempotency(request, handler):
        key = request.headers.get("Idempotency-Key")
        if request.method != "POST" or not key:
            return await handler(request)
        asked = request.method.encode() + b" " + request.path_qs.encode() + b"\n" + await request.read()
        if key in kept:
            before, status, body, content_type = kept[key]
            if before != asked:
                raise UserError(400, "Keys for idempotent requests can only be used with the same parameters "
                                     "they were first used with")
            return web.Response(status=status, body=body, content_type=content_type,
                                headers={"Idempotent-Replayed": "true"})
        response = await handler(request)
        if response.status < 500 and isinstance(response, web.Response) and response.body is not None:
            kept[key] = (asked, response.status, bytes(response.body), response.content_type)
        return response

    app.middlewares.insert(1, idempotency)  # inside the error middleware, so a refusal is Stripe-shaped


def main(port: int) -> None:
    global resources, server, UserError
    from aiohttp import web
    from localstripe import resources
    from localstripe.errors import UserError

    _in_memory_only()
    _prorated_plan_changes()
    _coupons_on_subscriptions()
    _previews()
    _renewals()
    _tax_ids()
    from localstripe import server  # after the patches: it routes `resources.extra_apis` when imported
    _invoice_links(f"http://127.0.0.1:{port}")  # adds routes to server.app
    _card_brands()
    _idempotent_requests(server.app)
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
