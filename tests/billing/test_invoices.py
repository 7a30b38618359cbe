"""Invoices: numbering, listing per owner, and the PDF download."""

import pytest
from babel.dates import format_date

from portal_ui.billing.invoices import (get_invoice, invoice_pdf, issue_invoice, line, list_invoices, next_number,
                                        render_pdf)
from portal_ui.billing.owner import Owner
from portal_ui.billing.plans import create_plan
from portal_ui.billing.subscriptions import change_plan
from portal_ui.domain.errors import NotFound
from portal_ui.domain.portal_settings import update_environment_settings
from portal_ui.models import Organization
from portal_ui.settings import get_settings

from tests.billing.conftest import ACTOR, card
from tests.pdf_text import pdf_text

SELLER = {"name": "Nimbus Cloud Ltd", "address": ["1 Harbour Road", "Bristol BS1 5TY", "United Kingdom"],
          "email": "billing@nimbus.example", "tax_id": "GB 980 7806 84"}


def test_pdf_starts_with_pdf_and_names_the_invoice(session, org, plans):
    card(session, org)
    invoice = change_plan(session, actor=ACTOR, owner=org, plan_key="pro_monthly").invoice
    name, data = invoice_pdf(session, org, invoice.id, product_name="Nimbus")
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


def test_a_number_is_never_given_twice_even_after_rows_went(session, org, user, plans):
    card(session, org)
    first = change_plan(session, actor=ACTOR, owner=org, plan_key="pro_monthly").invoice
    second = change_plan(session, actor=ACTOR, owner=org, plan_key="business").invoice
    session.delete(first)  # removed by hand: the count of rows is 1 again
    session.flush()
    card(session, user)
    third = change_plan(session, actor=ACTOR, owner=user, plan_key="pro_monthly").invoice
    assert (second.number, third.number) == ("INV-000002", "INV-000003")
    third.number = "INV-999999"  # past six digits the numbers grow a digit, and still go up
    session.flush()
    assert next_number(session) == "INV-1000000"


def _issue_at_once(count: int = 6) -> list[str]:
    """`count` transactions each issue an invoice to Acme at the same moment; their numbers."""
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from portal_ui import db

    barrier = Barrier(count)

    def issue(_: int) -> str:
        with db.session_scope() as s:
            barrier.wait()
            return issue_invoice(s, Owner.org("org_acme"), lines=[line("Seats", 500)], currency="USD",
                                 status="open").number

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(issue, range(count)))


def test_invoices_issued_at_the_same_moment_get_different_numbers_on_sqlite(org):
    assert sorted(_issue_at_once()) == [f"INV-{n:06d}" for n in range(1, 7)]


@pytest.mark.postgres
def test_invoices_issued_at_the_same_moment_get_different_numbers_on_postgresql(env, pg_url):
    from portal_ui import db
    from portal_ui.domain.clock import utcnow

    env(REFLEX_DB_URL=pg_url)
    with db.session_scope() as s:
        s.add(Organization(code="org_acme", name="Acme", created_on=utcnow()))
    assert sorted(_issue_at_once()) == [f"INV-{n:06d}" for n in range(1, 7)]


def test_the_pdf_prints_the_seller_and_the_buyer(session, org, plans):
    update_environment_settings(session, get_settings(), {"seller": SELLER}, ACTOR)
    card(session, org)
    invoice = change_plan(session, actor=ACTOR, owner=org, plan_key="pro_monthly").invoice
    text = pdf_text(invoice_pdf(session, org, invoice.id)[1])
    for line in ("From", *SELLER["address"], "billing@nimbus.example", "Tax ID: GB 980 7806 84",
                 "Billed to", "Acme Ltd", "Bristol", "billing@acme.example", "Total", "USD 19.00"):
        assert line in text.splitlines(), line
    assert "Nimbus Cloud Ltd" in text


def test_the_seller_is_kept_as_it_was_when_the_invoice_was_issued(session, org, plans):
    update_environment_settings(session, get_settings(), {"seller": SELLER}, ACTOR)
    card(session, org)
    invoice = change_plan(session, actor=ACTOR, owner=org, plan_key="pro_monthly").invoice
    update_environment_settings(session, get_settings(), {"seller": {"name": "New Owner Inc", "address": []}}, ACTOR)
    text = pdf_text(invoice_pdf(session, org, invoice.id)[1])
    assert "1 Harbour Road" in text and "Nimbus Cloud Ltd" in text and "New Owner Inc" not in text


def test_without_a_seller_name_the_product_name_heads_the_invoice(session, org, plans):
    card(session, org)
    invoice = change_plan(session, actor=ACTOR, owner=org, plan_key="pro_monthly").invoice
    text = pdf_text(invoice_pdf(session, org, invoice.id, product_name="Nimbus")[1])
    assert "Nimbus" in text.splitlines()  # the seller block's first line
    assert "Tax ID" not in text  # nothing configured, nothing printed


def test_a_german_pdf_writes_amounts_dates_and_labels_in_german(session, org, plans):
    card(session, org)
    invoice = change_plan(session, actor=ACTOR, owner=org, plan_key="pro_monthly").invoice
    issued = invoice.issued_on
    text = pdf_text(invoice_pdf(session, org, invoice.id, lang="de")[1])
    assert "19,00 USD" in text and "Rechnungsnummer" in text and "Rechnung an" in text
    assert format_date(issued.date(), "d. MMM y", locale="de") in text
    assert "USD 19.00" not in text
