"""Invoices: issued on plan changes and renewals, listed per owner, downloadable as PDF (fpdf2).

Numbers are sequential per installation (INV-000001, ...): transactions that issue invoices at
the same moment take their numbers one after the other (`next_number`). An invoice is a record of what was charged: its
lines, the buyer's billing details (`portal_ui.billing.profile`), the seller's details (portal settings `seller`) and card label are copied at
the time of issue and never change after, except an `open` (unpaid) invoice becoming `paid`. The PDF
is written in the reader's language (labels from the "invoice" catalogue, amounts and dates by Babel).
"""

from __future__ import annotations

from datetime import datetime
from typing import Sequence

from fpdf import FPDF
from sqlalchemy import func, text
from sqlmodel import Session, col, select

from portal_ui.billing.money import format_money
from portal_ui.billing.owner import Owner
from portal_ui.billing.profile import buyer_lines, buyer_snapshot
from portal_ui.billing.payment_methods import charge_default, paid_with_text
from portal_ui.domain import audit
from portal_ui.domain.clock import as_utc, utcnow
from portal_ui.domain.errors import NotFound, Text, render, say
from portal_ui.i18n import FALLBACK, format_date, translate
from portal_ui.domain.paging import Page, paginate, scope_of
from portal_ui.domain.portal_settings import seller_details
from portal_ui.domain.secrets import new_id
from portal_ui.models import Invoice, Subscription

STATUSES = ("paid", "open", "void")


LINE_TEXTS = "billing_rules.line."  # the catalogue messages an invoice line may be written with


def line(description: str | Text, amount_minor: int) -> dict:
    """An invoice line. `description` in English (what the API and the data export show) and, when
    it is a catalogue message, that message too (`text`: its key and values), so that a page or a
    PDF shows the line in its reader's language (`line_description`)."""
    item: dict = {"description": str(description), "amount_minor": int(amount_minor)}
    if isinstance(description, Text) and description.key.startswith(LINE_TEXTS):
        item["text"] = {"key": description.key,
                        "values": {name: {"date": as_utc(value).isoformat()} if isinstance(value, datetime) else value
                                   for name, value in description.values.items()}}
    return item


def line_description(item: dict, lang: str = FALLBACK) -> str:
    """An invoice line's description in `lang`: its catalogue message when it has one (see `line`),
    else the description as it was written (a Stripe invoice's lines are Stripe's)."""
    text = item.get("text")
    if isinstance(text, dict) and str(text.get("key", "")).startswith(LINE_TEXTS) and isinstance(text.get("values"), dict):
        values = {}
        for name, value in text["values"].items():
            if isinstance(value, dict):
                try:
                    value = datetime.fromisoformat(str(value.get("date")))
                except ValueError:
                    return str(item.get("description", ""))
            values[name] = value
        return Text(text["key"], values).render(lang)
    return str(item.get("description", ""))


_NUMBER_LOCK_KEY = 0x696E766F6963  # "invoic": the advisory lock serialising invoice numbers on PostgreSQL


def _lock_numbers(session: Session) -> None:
    """Hold the right to issue the next number until this transaction ends, so two invoices issued
    at the same moment (a renewal run beside a user's upgrade, two workers) never read the same
    highest number. PostgreSQL: a transaction-scoped advisory lock. SQLite: a write statement that
    takes the database's write lock before the read (a deferred transaction would read first and
    then fail to write once another writer committed)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _NUMBER_LOCK_KEY})
    else:
        session.execute(text("UPDATE invoices SET id = id WHERE 1 = 0"))


def next_number(session: Session) -> str:
    """The number after the highest one issued ("INV-000042"), so a number is never given twice, even
    where invoice rows were removed (a database cleaned up by hand, or a test's). The caller's
    transaction keeps the number to itself until it ends (`_lock_numbers`)."""
    _lock_numbers(session)
    # Longest first, then highest: "INV-1000000" comes after "INV-999999".
    highest = session.exec(select(Invoice.number).where(col(Invoice.number).like("INV-%"))
                           .order_by(func.length(Invoice.number).desc(), col(Invoice.number).desc()).limit(1)).first()
    last = int(highest[4:]) if highest and highest[4:].isdigit() else 0
    return f"INV-{last + 1:06d}"


def issue_invoice(session: Session, owner: Owner, *, lines: Sequence[dict], currency: str, status: str,
                  plan_key: str | None = None, period_start: datetime | None = None,
                  period_end: datetime | None = None, paid_with: str = "", provider: str = "",
                  provider_ref: str = "") -> Invoice:
    """Add an invoice row (no audit event: the change that caused it records the number)."""
    now = utcnow()
    buyer = buyer_snapshot(session, owner)
    invoice = Invoice(id=new_id("in"), number=next_number(session), **owner.columns(), plan_key=plan_key,
                      amount_minor=sum(int(x["amount_minor"]) for x in lines), currency=currency, status=status,
                      issued_on=now, paid_on=now if status == "paid" else None, period_start=period_start,
                      period_end=period_end, lines=[dict(x) for x in lines], billed_to=buyer_lines(buyer),
                      buyer=buyer, seller=seller_details(session),
                      paid_with=paid_with[:64], provider=provider, provider_ref=provider_ref)
    session.add(invoice)
    session.flush()
    return invoice


def list_invoices(session: Session, owner: Owner, *, page_size: int | None = None,
                  next_token: str | None = None) -> Page[Invoice]:
    """The owner's invoices, newest first."""
    statement = select(Invoice).where(owner.where(Invoice)).order_by(col(Invoice.issued_on).desc(),
                                                                     col(Invoice.number).desc())
    return paginate(session, statement, page_size=page_size, next_token=next_token,
                    scope=scope_of("invoices", owner.id))


def get_invoice(session: Session, owner: Owner, invoice_id: str) -> Invoice:
    """The owner's invoice, or NotFound (also for another owner's invoice)."""
    invoice = session.get(Invoice, invoice_id) if isinstance(invoice_id, str) and invoice_id else None
    if invoice is None or not owner.owns(invoice):
        raise NotFound(say("billing_rules.no_invoice"), code="INVOICE_NOT_FOUND")
    return invoice


def pay_open_invoices(session: Session, *, actor: audit.Actor, owner: Owner) -> list[Invoice]:
    """Charge the default card for each open invoice, oldest first, stopping at the first decline.

    One audit event `invoice.paid` per invoice paid. A past-due subscription becomes active once
    nothing is left open. Returns the invoices paid.
    """
    paid: list[Invoice] = []
    open_invoices = session.exec(select(Invoice).where(owner.where(Invoice), Invoice.status == "open")
                                 .order_by(col(Invoice.issued_on), col(Invoice.number))).all()
    for invoice in open_invoices:
        charge = charge_default(session, owner, amount_minor=invoice.amount_minor, currency=invoice.currency,
                                description=f"Invoice {invoice.number}")
        if not charge.succeeded:
            break
        invoice.status, invoice.paid_on = "paid", utcnow()
        invoice.paid_with, invoice.provider, invoice.provider_ref = charge.paid_with, charge.provider, charge.ref
        session.add(invoice)
        audit.record(session, actor=actor, action="invoice.paid", target_type="invoice", target_id=invoice.id,
                     org_code=owner.org_code, before={"status": "open"},
                     after={"status": "paid", "number": invoice.number, "paid_with": charge.paid_with})
        paid.append(invoice)
    session.flush()
    sub = session.exec(select(Subscription).where(owner.where(Subscription))).first()
    if sub is not None and sub.status == "past_due" and not has_open_invoices(session, owner):
        sub.status = "active"
        session.add(sub)
        session.flush()
    return paid


def has_open_invoices(session: Session, owner: Owner) -> bool:
    return session.exec(select(Invoice.id).where(owner.where(Invoice), Invoice.status == "open")).first() is not None


# --- PDF ------------------------------------------------------------------------------------------

def _latin1(text: str) -> str:
    # The PDF core fonts cover Latin-1 only; anything else becomes "?" rather than failing.
    return text.encode("latin-1", "replace").decode("latin-1")


def seller_lines(seller: dict, lang: str = FALLBACK) -> list[str]:
    """The seller block of an invoice: name, address lines, email, tax ID (empty parts left out)."""
    tax_id = str(seller.get("tax_id") or "")
    lines = [str(seller.get("name") or ""), *[str(x) for x in seller.get("address") or []],
             str(seller.get("email") or ""), translate(lang, "invoice.tax_id", value=tax_id) if tax_id else ""]
    return [x for x in lines if x]


def render_pdf(invoice: Invoice, *, seller: dict | None = None, product_name: str = "",
               lang: str = FALLBACK) -> bytes:
    """The invoice as a PDF document (A4) in `lang`.

    The seller is the one copied onto the invoice when it was issued, else `seller` (invoices issued
    before sellers were recorded); its name defaults to `product_name`. Amounts are written with the
    currency code ("EUR 19.00", "19,00 EUR"): the PDF core fonts have no "€".
    """
    def tr(key: str, **values: object) -> str:
        return translate(lang, f"invoice.{key}", **values)

    def money(amount: int) -> str:
        return format_money(amount, invoice.currency, symbol=False, lang=lang)

    def day(value: datetime | None) -> str:
        return "" if value is None else format_date(as_utc(value), lang)

    details = dict(invoice.seller if invoice.seller is not None else (seller or {}))
    details["name"] = details.get("name") or product_name
    name = str(details["name"] or "")
    pdf = FPDF(format="A4")
    pdf.set_title(f"{tr('title')} {invoice.number}")
    pdf.set_author(_latin1(name or "portal_ui"))
    pdf.set_creator("portal_ui")
    pdf.set_creation_date(as_utc(invoice.issued_on))
    pdf.add_page()
    pdf.set_font("helvetica", "B", 20)
    pdf.cell(0, 12, _latin1(f"{name} · {tr('title')}" if name else tr("title")), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", size=11)
    status = tr(f"status.{invoice.status}") if invoice.status in STATUSES else invoice.status
    for label, value in ((tr("number"), invoice.number), (tr("issued"), day(invoice.issued_on)),
                         (tr("status"), status),
                         (tr("period"), tr("period_range", start=day(invoice.period_start), end=day(invoice.period_end))
                          if invoice.period_start and invoice.period_end else "")):
        if value:
            pdf.cell(40, 7, _latin1(label))
            pdf.cell(0, 7, _latin1(value), new_x="LMARGIN", new_y="NEXT")
    billed = buyer_lines(invoice.buyer, lang) if invoice.buyer is not None else invoice.billed_to or []
    for heading, lines in ((tr("from"), seller_lines(details, lang)), (tr("billed_to"), billed)):
        pdf.ln(4)
        pdf.set_font("helvetica", "B", 11)
        pdf.cell(0, 7, _latin1(heading), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("helvetica", size=11)
        for text in lines:
            pdf.cell(0, 6, _latin1(str(text)), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    with pdf.table(col_widths=(130, 50), text_align=("LEFT", "RIGHT"), first_row_as_headings=True) as table:
        head = table.row()
        head.cell(_latin1(tr("description")))
        head.cell(_latin1(tr("amount")))
        for item in invoice.lines or []:
            row = table.row()
            row.cell(_latin1(line_description(item, lang)))
            row.cell(_latin1(money(int(item.get("amount_minor", 0)))))
        total = table.row()
        total.cell(_latin1(tr("total")))
        total.cell(_latin1(money(invoice.amount_minor)))
    pdf.ln(6)
    if invoice.status == "paid" and invoice.paid_with:
        card = render(paid_with_text(invoice.paid_with), lang)
        pdf.cell(0, 6, _latin1(tr("paid_with", date=day(invoice.paid_on), card=card)),
                 new_x="LMARGIN", new_y="NEXT")
    elif invoice.status == "open":
        pdf.cell(0, 6, _latin1(tr("due", amount=money(invoice.amount_minor))), new_x="LMARGIN", new_y="NEXT")
    if invoice.provider == "test":
        pdf.set_font("helvetica", "I", 9)
        pdf.multi_cell(0, 5, _latin1(tr("test_provider")))
    return bytes(pdf.output())


def invoice_pdf(session: Session, owner: Owner, invoice_id: str, *, product_name: str = "",
                lang: str = FALLBACK) -> tuple[str, bytes]:
    """(file name, PDF bytes) of the owner's invoice in `lang`, for a download. Raises NotFound."""
    invoice = get_invoice(session, owner, invoice_id)
    return f"{invoice.number}.pdf", render_pdf(invoice, seller=seller_details(session), product_name=product_name,
                                               lang=lang)
