"""Invoices: issued on plan changes and renewals, listed per owner, downloadable as PDF (fpdf2).

Numbers are sequential per installation (INV-000001, ...); the unique constraint turns a
concurrent clash into a retryable conflict. An invoice is a record of what was charged: its
lines, billed-to lines and card label are copied at the time of issue and never change after,
except an `open` (unpaid) invoice becoming `paid`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Sequence

from fpdf import FPDF
from sqlalchemy import func
from sqlmodel import Session, col, select

from portal_ui.billing.money import format_money
from portal_ui.billing.owner import Owner, billed_to
from portal_ui.billing.payment_methods import charge_default
from portal_ui.domain import audit
from portal_ui.domain.clock import as_utc, utcnow
from portal_ui.domain.errors import NotFound, say
from portal_ui.domain.paging import Page, paginate, scope_of
from portal_ui.domain.secrets import new_id
from portal_ui.models import Invoice, Subscription

STATUSES = ("paid", "open", "void")


def line(description: str, amount_minor: int) -> dict:
    return {"description": description, "amount_minor": int(amount_minor)}


def next_number(session: Session) -> str:
    count = session.exec(select(func.count()).select_from(Invoice)).one()
    return f"INV-{count + 1:06d}"


def issue_invoice(session: Session, owner: Owner, *, lines: Sequence[dict], currency: str, status: str,
                  plan_key: str | None = None, period_start: datetime | None = None,
                  period_end: datetime | None = None, paid_with: str = "", provider: str = "",
                  provider_ref: str = "") -> Invoice:
    """Add an invoice row (no audit event: the change that caused it records the number)."""
    now = utcnow()
    invoice = Invoice(id=new_id("in"), number=next_number(session), **owner.columns(), plan_key=plan_key,
                      amount_minor=sum(int(x["amount_minor"]) for x in lines), currency=currency, status=status,
                      issued_on=now, paid_on=now if status == "paid" else None, period_start=period_start,
                      period_end=period_end, lines=[dict(x) for x in lines], billed_to=billed_to(session, owner),
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


def _date(value: datetime | None) -> str:
    if value is None:
        return ""
    value = as_utc(value)
    return f"{value.day} {value:%b %Y}"


def render_pdf(invoice: Invoice, *, seller: str = "") -> bytes:
    """The invoice as a PDF document (A4; amounts written with the currency code, e.g. "EUR 19.00")."""
    def money(amount: int) -> str:
        return format_money(amount, invoice.currency, symbol=False)

    pdf = FPDF(format="A4")
    pdf.set_title(f"Invoice {invoice.number}")
    pdf.set_author(_latin1(seller or "portal_ui"))
    pdf.set_creator("portal_ui")
    pdf.set_creation_date(as_utc(invoice.issued_on))
    pdf.add_page()
    pdf.set_font("helvetica", "B", 20)
    pdf.cell(0, 12, _latin1(f"{seller} invoice" if seller else "Invoice"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", size=11)
    for label, value in (("Invoice number", invoice.number), ("Date of issue", _date(invoice.issued_on)),
                         ("Status", invoice.status.capitalize()),
                         ("Period", f"{_date(invoice.period_start)} to {_date(invoice.period_end)}"
                          if invoice.period_start and invoice.period_end else "")):
        if value:
            pdf.cell(40, 7, label)
            pdf.cell(0, 7, _latin1(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font("helvetica", "B", 11)
    pdf.cell(0, 7, "Billed to", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("helvetica", size=11)
    for text in invoice.billed_to or []:
        pdf.cell(0, 6, _latin1(str(text)), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    with pdf.table(col_widths=(130, 50), text_align=("LEFT", "RIGHT"), first_row_as_headings=True) as table:
        head = table.row()
        head.cell("Description")
        head.cell("Amount")
        for item in invoice.lines or []:
            row = table.row()
            row.cell(_latin1(str(item.get("description", ""))))
            row.cell(money(int(item.get("amount_minor", 0))))
        total = table.row()
        total.cell("Total")
        total.cell(money(invoice.amount_minor))
    pdf.ln(6)
    if invoice.status == "paid" and invoice.paid_with:
        pdf.cell(0, 6, _latin1(f"Paid on {_date(invoice.paid_on)} with {invoice.paid_with}."),
                 new_x="LMARGIN", new_y="NEXT")
    elif invoice.status == "open":
        pdf.cell(0, 6, f"Amount due: {money(invoice.amount_minor)}", new_x="LMARGIN", new_y="NEXT")
    if invoice.provider == "test":
        pdf.set_font("helvetica", "I", 9)
        pdf.multi_cell(0, 5, "Issued through the test provider: no real payment was taken.")
    return bytes(pdf.output())


def invoice_pdf(session: Session, owner: Owner, invoice_id: str, *, seller: str = "") -> tuple[str, bytes]:
    """(file name, PDF bytes) of the owner's invoice, for a download. Raises NotFound."""
    invoice = get_invoice(session, owner, invoice_id)
    return f"{invoice.number}.pdf", render_pdf(invoice, seller=seller)
