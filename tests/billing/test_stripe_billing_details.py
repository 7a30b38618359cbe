"""With Stripe, the payer's billing details reach the Stripe customer that Stripe's invoices are
addressed to: a new customer carries them, and saving details or adding or removing a tax ID
changes the customer first (against localstripe). When Stripe refuses, nothing changes in the
portal either; with the test provider, Stripe is not asked at all."""

from __future__ import annotations

import pytest

from portal_ui.billing import stripe_billing
from portal_ui.billing.profile import add_tax_id, billing_details, remove_tax_id, save_billing_details
from portal_ui.billing.stripe_provider import ProviderError, StripeProvider
from portal_ui.domain.clock import utcnow
from portal_ui.domain.errors import InvalidInput
from portal_ui.models import StripeCustomer

from tests.billing.conftest import ACTOR, events

DETAILS = {"name": "Acme Trading GmbH", "email": "invoices@acme.example", "address_line1": "Hauptstraße 5",
           "address_line2": "Hof 2", "city": "Berlin", "region": "Berlin", "postcode": "10115", "country": "DE"}
STRIPE_ADDRESS = {"line1": "Hauptstraße 5", "line2": "Hof 2", "city": "Berlin", "state": "Berlin",
                  "postal_code": "10115", "country": "DE"}


@pytest.fixture
def world(stripe_mode, session, org):
    return session


def stripe_tax_ids(stripe_api, cid: str) -> list[tuple[str, str]]:
    return sorted((t.type, t.value) for t in stripe_api.customers.tax_ids.list(cid).data)


def test_a_new_customer_carries_the_billing_details_and_tax_ids(world, org, stripe_api):
    session = world
    save_billing_details(session, actor=ACTOR, owner=org, values=DETAILS)
    for kind, number in (("eu_vat", "DE 136 695 976"), ("gb_vat", "GB 980 7806 84"), ("us_ein", "041234567"),
                         ("au_abn", "51 824 753 556")):
        add_tax_id(session, actor=ACTOR, owner=org, tax_type=kind, number=number)
    session.commit()
    assert stripe_billing.find_customer(session, org) is None  # details alone make no customer
    cid = stripe_billing.customer_id(session, org)
    session.commit()
    found = stripe_api.customers.retrieve(cid)
    assert (found.name, found.email, found.metadata["portal_owner"]) == ("Acme Trading GmbH", "invoices@acme.example",
                                                                        "org:org_acme")
    assert found.address.to_dict() == STRIPE_ADDRESS
    assert stripe_tax_ids(stripe_api, cid) == [("au_abn", "51824753556"), ("eu_vat", "DE136695976"),
                                               ("gb_vat", "GB980780684"), ("us_ein", "04-1234567")]


def test_a_new_customer_without_saved_details_has_the_organizations_address(world, org, stripe_api):
    cid = stripe_billing.customer_id(world, org)
    found = stripe_api.customers.retrieve(cid)
    assert (found.name, found.email) == ("Acme Ltd", "billing@acme.example")
    assert (found.address.city, found.address.country) == ("Bristol", "GB")
    assert stripe_tax_ids(stripe_api, cid) == []


def test_saving_details_and_tax_ids_changes_the_stripe_customer(world, org, stripe_api):
    session = world
    cid = stripe_billing.customer_id(session, org)
    session.commit()
    save_billing_details(session, actor=ACTOR, owner=org, values={**DETAILS, "email": ""})
    session.commit()
    found = stripe_api.customers.retrieve(cid)
    assert found.name == "Acme Trading GmbH" and found.address.to_dict() == STRIPE_ADDRESS
    assert found.email == "billing@acme.example"  # no billing email of its own: the organization's
    add_tax_id(session, actor=ACTOR, owner=org, tax_type="gb_vat", number="GB980780684")
    session.commit()
    add_tax_id(session, actor=ACTOR, owner=org, tax_type="us_ein", number="04-1234567")
    session.commit()
    assert stripe_tax_ids(stripe_api, cid) == [("gb_vat", "GB980780684"), ("us_ein", "04-1234567")]
    remove_tax_id(session, actor=ACTOR, owner=org, tax_type="gb_vat", value="980780684")
    session.commit()
    assert stripe_tax_ids(stripe_api, cid) == [("us_ein", "04-1234567")]
    assert [t.value for t in billing_details(session, org).tax_ids] == ["041234567"]


def test_a_tax_id_stripe_has_already_is_not_added_twice(world, org, stripe_api):
    """An earlier attempt reached Stripe but was not kept in the portal (its transaction failed)."""
    session = world
    cid = stripe_billing.customer_id(session, org)
    session.commit()
    stripe_api.customers.tax_ids.create(cid, params={"type": "eu_vat", "value": "DE136695976"})
    add_tax_id(session, actor=ACTOR, owner=org, tax_type="eu_vat", number="DE136695976")
    session.commit()
    assert stripe_tax_ids(stripe_api, cid) == [("eu_vat", "DE136695976")]


def test_when_stripe_refuses_nothing_changes_in_the_portal(world, org, stripe_api):
    session = world
    save_billing_details(session, actor=ACTOR, owner=org, values=DETAILS)
    add_tax_id(session, actor=ACTOR, owner=org, tax_type="eu_vat", number="DE136695976")
    session.commit()
    cid = stripe_billing.customer_id(session, org)
    session.commit()
    stripe_api.customers.delete(cid)  # Stripe now refuses every change of this customer
    before, logged = billing_details(session, org), len(events(session, "billing_details."))
    attempts = (lambda: save_billing_details(session, actor=ACTOR, owner=org, values={**DETAILS, "city": "Hamburg"}),
                lambda: add_tax_id(session, actor=ACTOR, owner=org, tax_type="us_ein", number="04-1234567"),
                lambda: remove_tax_id(session, actor=ACTOR, owner=org, tax_type="eu_vat", value="DE136695976"))
    for attempt in attempts:
        with pytest.raises(ProviderError) as err:
            attempt()
        assert "Nothing was changed" in err.value.message
        session.rollback()
        assert billing_details(session, org) == before
    assert len(events(session, "billing_details.")) == logged
    # Saving what is saved already changes nothing, so it asks Stripe nothing and succeeds.
    assert save_billing_details(session, actor=ACTOR, owner=org, values=DETAILS) == before


def test_a_tax_id_stripe_finds_invalid_is_not_added(world, org, stripe_api, monkeypatch):
    """A number the portal's check accepts but Stripe does not (sent here in a form Stripe refuses)."""
    session = world
    cid = stripe_billing.customer_id(session, org)
    session.commit()
    monkeypatch.setattr(stripe_billing, "stripe_tax_id", lambda tax_id: {"type": "eu_vat", "value": "DE1"})
    with pytest.raises(InvalidInput) as err:
        add_tax_id(session, actor=ACTOR, owner=org, tax_type="eu_vat", number="DE136695976")
    assert err.value.code == "INVALID_TAX_ID" and "Stripe did not accept this tax ID" in err.value.message
    session.rollback()
    assert billing_details(session, org).tax_ids == () and events(session, "billing_details.tax_id") == []
    assert stripe_tax_ids(stripe_api, cid) == []


def test_a_tax_id_stripe_finds_invalid_does_not_keep_the_customer_from_being_created(world, org, stripe_api,
                                                                                     monkeypatch):
    """The number Stripe refuses is left out; the owner's other tax IDs still reach the customer."""
    session = world
    add_tax_id(session, actor=ACTOR, owner=org, tax_type="eu_vat", number="DE136695976")
    add_tax_id(session, actor=ACTOR, owner=org, tax_type="us_ein", number="04-1234567")
    session.commit()
    as_stripe = stripe_billing.stripe_tax_id
    monkeypatch.setattr(stripe_billing, "stripe_tax_id", lambda tax_id: {"type": "eu_vat", "value": "DE1"}
                        if tax_id.type == "eu_vat" else as_stripe(tax_id))
    cid = stripe_billing.customer_id(session, org)
    assert stripe_api.customers.retrieve(cid).name == "Acme Ltd"
    assert stripe_tax_ids(stripe_api, cid) == [("us_ein", "04-1234567")]


def test_with_the_test_provider_billing_details_ask_no_stripe(session, org, monkeypatch):
    """A customer kept from a time the portal ran on Stripe; the portal now runs the test provider."""
    session.add(StripeCustomer(customer_id="cus_earlier", **org.columns(), created_on=utcnow()))
    session.commit()
    asked = []
    for name in ("create_customer", "update_customer", "list_tax_ids", "create_tax_id", "delete_tax_id"):
        monkeypatch.setattr(StripeProvider, name, lambda self, *a, _name=name, **k: asked.append(_name))
    save_billing_details(session, actor=ACTOR, owner=org, values=DETAILS)
    add_tax_id(session, actor=ACTOR, owner=org, tax_type="eu_vat", number="DE136695976")
    remove_tax_id(session, actor=ACTOR, owner=org, tax_type="eu_vat", value="DE136695976")
    session.commit()
    assert asked == []
    assert billing_details(session, org).city == "Berlin"
