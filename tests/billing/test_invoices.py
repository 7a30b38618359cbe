"""Invoices: numbering, listing per owner, and the PDF download."""

import pytest

from portal_ui.billing.invoices import get_invoice, invoice_pdf, list_invoices, render_pdf
from portal_ui.billing.plans import create_plan
from portal_ui.billing.subscriptions import change_plan
from portal_ui.domain.errors import NotFound
from portal_ui.models import Organization

from tests.billing.conftest import ACTOR, card


def test_pdf_starts_with_pdf_and_names_the_invoice(session, org, plans):
    card(session, org)
    invoice = change_plan(session, actor=ACTOR, owner=org, plan_key="pro_monthly").invoice
    name, data = invoice_pdf(session, org, invoice.id, seller="Nimbus")
    assert name == "INV-000001.pdf"
    assert data.startswith(b"%PDF-") and b"INV-000001" in data and data.rstrip().endswith(b"%%EOF")


def test_pdf_copes_with_any_currency_and_name(session, org):
    acme = session.get(Organization, "org_acme")
    acme.business_name = "Ünïcødé ☃ GmbH"
    session.add(acme)
    create_plan(session, actor=ACTOR, key="eur", name="Euro plan €", amount_minor=4900, currency="EUR",
                interval="month")
    create_plan(session, actor=ACTOR, key="yen", name="Yen plan", amount_minor=4900, currency="JPY",
                interval="month")
    card(session, org)
    invoice = change_plan(session, actor=ACTOR, owner=org, plan_key="eur").invoice
    assert render_pdf(invoice).startswith(b"%PDF")
    with_yen = change_plan(session, actor=ACTOR, owner=org, plan_key="yen")
    assert with_yen.invoice is None  # another currency: scheduled for the period end


def test_numbers_are_sequential_and_lists_are_per_owner(session, org, user, plans):
    card(session, org)
    card(session, user)
    a = change_plan(session, actor=ACTOR, owner=org, plan_key="pro_monthly").invoice
    b = change_plan(session, actor=ACTOR, owner=user, plan_key="pro_monthly").invoice
    c = change_plan(session, actor=ACTOR, owner=org, plan_key="business").invoice
    assert [a.number, b.number, c.number] == ["INV-000001", "INV-000002", "INV-000003"]
    assert {i.id for i in list_invoices(session, org).items} == {a.id, c.id}
    assert get_invoice(session, user, b.id).id == b.id
    with pytest.raises(NotFound):
        get_invoice(session, user, a.id)
    with pytest.raises(NotFound):
        invoice_pdf(session, org, "in_missing")
