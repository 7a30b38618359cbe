"""Billing details: tax IDs checked offline (python-stdnum), saved per owner, copied onto invoices."""

import pytest

from portal_ui.billing.invoices import invoice_pdf
from portal_ui.billing.profile import add_tax_id, billing_details, remove_tax_id, save_billing_details
from portal_ui.billing.subscriptions import change_plan
from portal_ui.billing.tax_ids import check_tax_id
from portal_ui.domain.errors import Conflict, InvalidFields, InvalidInput, NotFound

from tests.billing.conftest import ACTOR, card, events
from tests.pdf_text import pdf_text

ADDRESS = {"name": "Acme Trading GmbH", "email": "Invoices@Acme.example", "address_line1": "Hauptstraße 5",
           "address_line2": "", "city": "Berlin", "region": "", "postcode": "10115", "country": "de"}


@pytest.mark.parametrize("kind, typed, stored, shown", [
    ("eu_vat", "de 136,695,976", "DE136695976", "DE136695976"),
    ("eu_vat", "FR 40 303 265 045", "FR40303265045", "FR40303265045"),
    ("gb_vat", "GB 980 7806 84", "980780684", "GB 980 7806 84"),
    ("us_ein", "041234567", "041234567", "04-1234567"),
    ("au_abn", "51824753556", "51824753556", "51 824 753 556"),
])
def test_valid_tax_ids_are_compacted_and_formatted(kind, typed, stored, shown):
    tax_id = check_tax_id(kind, typed)
    assert (tax_id.type, tax_id.value, tax_id.display) == (kind, stored, shown)


@pytest.mark.parametrize("kind, typed, code, words", [
    ("eu_vat", "DE136695977", "INVALID_TAX_ID", "not a valid EU VAT number"),  # check digit off by one
    ("gb_vat", "GB 980 7806 85", "INVALID_TAX_ID", "not a valid UK VAT number"),
    ("us_ein", "07-1234567", "INVALID_TAX_ID", "not a valid US EIN"),  # 07 is no IRS prefix
    ("au_abn", "51824753557", "INVALID_TAX_ID", "not a valid Australian ABN"),
    ("eu_vat", "   ", "INVALID_TAX_ID", "Enter the EU VAT number"),
    ("eu_vat", "1" * 41, "INVALID_TAX_ID", "not a valid"),
    ("xx_vat", "123", "INVALID_TAX_ID_TYPE", "Choose the kind"),
])
def test_invalid_tax_ids_get_a_clear_message(kind, typed, code, words):
    with pytest.raises(InvalidInput) as err:
        check_tax_id(kind, typed)
    assert err.value.code == code and words in str(err.value.message)


def test_details_default_to_the_organization_then_are_saved_with_tax_ids(session, org):
    assert billing_details(session, org).name == "Acme Ltd" and not billing_details(session, org).saved
    saved = save_billing_details(session, actor=ACTOR, owner=org, values=ADDRESS)
    assert saved.saved and saved.email == "invoices@acme.example" and saved.country == "DE"
    assert saved.address_lines() == ["Hauptstraße 5", "10115 Berlin", "Germany"]
    add_tax_id(session, actor=ACTOR, owner=org, tax_type="eu_vat", number="DE 136 695 976")
    with pytest.raises(Conflict):
        add_tax_id(session, actor=ACTOR, owner=org, tax_type="eu_vat", number="de136695976")
    add_tax_id(session, actor=ACTOR, owner=org, tax_type="us_ein", number="04-1234567")
    assert [t.display for t in billing_details(session, org).tax_ids] == ["DE136695976", "04-1234567"]
    remove_tax_id(session, actor=ACTOR, owner=org, tax_type="us_ein", value="041234567")
    with pytest.raises(NotFound):
        remove_tax_id(session, actor=ACTOR, owner=org, tax_type="us_ein", value="041234567")
    assert [e.action for e in events(session, "billing_details.")] == [
        "billing_details.updated", "billing_details.tax_id_added", "billing_details.tax_id_added",
        "billing_details.tax_id_removed"]
    assert events(session, "billing_details.")[0].org_code == "org_acme"


def test_bad_fields_are_all_named_and_nothing_is_saved(session, org):
    with pytest.raises(InvalidFields) as err:
        save_billing_details(session, actor=ACTOR, owner=org,
                             values={**ADDRESS, "name": "", "email": "not-an-email", "country": "XX"})
    assert set(err.value.fields) == {"name", "email", "country"}
    assert not billing_details(session, org).saved and events(session, "billing_details.") == []


def test_a_save_over_someone_elses_change_is_refused_and_names_what_they_changed(session, org):
    shown = billing_details(session, org).fields()  # what two admins' forms show
    save_billing_details(session, actor=ACTOR, owner=org, values={**shown, "city": "Bath"}, expected=shown)
    session.commit()
    with pytest.raises(Conflict) as err:
        save_billing_details(session, actor=ACTOR, owner=org, values={**shown, "postcode": "BS1 5TY"},
                             expected=shown)
    assert err.value.code == "BILLING_DETAILS_CHANGED" and "(City)" in err.value.message
    assert "(Ort)" in err.value.localized("de")
    session.rollback()
    assert (billing_details(session, org).city, billing_details(session, org).postcode) == ("Bath", "")
    # What the form shows after a reload saves; so does a save of exactly what is there already.
    reloaded = billing_details(session, org).fields()
    saved = save_billing_details(session, actor=ACTOR, owner=org, values={**reloaded, "postcode": "BS1 5TY"},
                                 expected=reloaded)
    assert (saved.city, saved.postcode) == ("Bath", "BS1 5TY")
    assert save_billing_details(session, actor=ACTOR, owner=org, values=saved.fields(), expected=shown) == saved
    assert [e.action for e in events(session, "billing_details.")] == ["billing_details.updated"] * 2


def test_invoices_copy_the_buyer_and_print_it(session, user, plans):
    save_billing_details(session, actor=ACTOR, owner=user, values={**ADDRESS, "name": "Pat Payer Consulting"})
    add_tax_id(session, actor=ACTOR, owner=user, tax_type="gb_vat", number="980780684")
    card(session, user)
    invoice = change_plan(session, actor=ACTOR, owner=user, plan_key="pro_monthly").invoice
    assert invoice.buyer["tax_ids"] == [{"type": "gb_vat", "value": "980780684"}]
    save_billing_details(session, actor=ACTOR, owner=user, values={**ADDRESS, "name": "Renamed Ltd"})
    text = pdf_text(invoice_pdf(session, user, invoice.id)[1])
    assert "Pat Payer Consulting" in text and "Renamed Ltd" not in text  # the copy made at issue
    assert "Hauptstraße 5" in text and "10115 Berlin" in text and "VAT: GB 980 7806 84" in text
    german = pdf_text(invoice_pdf(session, user, invoice.id, lang="de")[1])
    assert "USt-Nr. (UK): GB 980 7806 84" in german and "Rechnung" in german
