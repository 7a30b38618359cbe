"""Organization details: validation of every field, the version check, audit, nothing half-saved."""

from __future__ import annotations

import pytest
from sqlmodel import select

from portal_ui.domain.audit import Actor
from portal_ui.domain.countries import COUNTRIES, COUNTRY_OPTIONS, country_name
from portal_ui.domain.errors import Conflict, InvalidFields, InvalidInput, NotFound
from portal_ui.domain.organizations import (DETAIL_NAMES, clean_details, create_organization, details_of,
                                            fields_changed_since, update_details)
from portal_ui.models import AuditEvent, Organization

ACTOR = Actor(type="user", id="kp_admin", client_ip="10.0.0.9", user_agent="pytest")
GOOD = {
    "name": "  Acme  ", "business_name": "Acme Corporation Ltd", "billing_email": " Billing@Acme.Example ",
    "phone": "+44 (0)117 496-0000 ext 12", "website": "acme.example", "address_line1": "1 High Street",
    "address_line2": "", "city": "Bristol", "region": "Avon", "postcode": "BS1 4DJ", "country": "gb",
    "tax_id": "GB 123.456/789-0",
}


@pytest.fixture
def org(session):
    org = create_organization(session, actor=Actor.system(), name="Acme", code="org_acme")
    session.commit()
    return org


def audit_events(session, action="organization.updated"):
    return session.exec(select(AuditEvent).where(AuditEvent.action == action)).all()


def errors_for(form: dict) -> dict[str, str]:
    with pytest.raises(InvalidFields) as info:
        clean_details(form)
    return info.value.fields


def test_clean_details_trims_and_normalises():
    clean = clean_details(GOOD)
    assert clean["name"] == "Acme"
    assert clean["billing_email"] == "billing@acme.example"
    assert clean["website"] == "https://acme.example"
    assert clean["country"] == "GB"
    assert set(clean) == set(DETAIL_NAMES)
    assert clean_details(clean) == clean  # cleaning clean values changes nothing


def test_unknown_fields_are_ignored_and_missing_ones_are_empty():
    clean = clean_details({"name": "Acme", "version": 99, "code": "org_other", "logo_url": "https://x"})
    assert clean == {**dict.fromkeys(DETAIL_NAMES, ""), "name": "Acme"}


@pytest.mark.parametrize("form", [None, "name=Acme", ["Acme"], 7])
def test_a_submission_that_is_not_a_mapping_is_refused(form):
    with pytest.raises(InvalidInput):
        clean_details(form)


def test_every_bad_field_gets_its_own_message():
    errors = errors_for({"name": "   ", "billing_email": "nope", "phone": "call me", "website": "javascript:alert(1)",
                         "postcode": "<b>", "country": "XX", "tax_id": "€100", "city": "x" * 256})
    assert set(errors) == {"name", "billing_email", "phone", "website", "postcode", "country", "tax_id", "city"}
    assert errors["name"] == "Enter a name."
    assert errors["city"] == "At most 255 characters."
    assert errors["country"] == "Choose a country from the list."
    assert all(message[0].isupper() and message.endswith(".") for message in errors.values())


@pytest.mark.parametrize("field, max_len", [("name", 255), ("phone", 64), ("postcode", 32), ("tax_id", 64),
                                             ("billing_email", 254), ("region", 255)])
def test_length_limits(field, max_len):
    assert field in errors_for({"name": "Acme", field: "9" * (max_len + 1)})


@pytest.mark.parametrize("bad, fragment", [("Ac\x00me", "NUL"), ("Ac\ud800me", "lone surrogate"),
                                           ("Ac\nme", "control characters")])
@pytest.mark.parametrize("field", ["name", "business_name", "address_line1", "city", "region", "tax_id",
                                   "postcode", "phone", "billing_email", "website", "country"])
def test_nul_surrogates_and_control_characters_are_refused_in_every_field(field, bad, fragment):
    form = {"name": "Acme", field: bad}
    errors = errors_for(form)
    assert set(errors) == {field}
    if field not in ("billing_email", "website"):  # those say "not an address/URL" instead
        assert fragment in errors[field]


@pytest.mark.parametrize("phone", ["+1 (555) 010-9999", "0117 496 0000", "+44 117 496 0000 x123", "555.010.9999"])
def test_plausible_phone_numbers_pass(phone):
    assert clean_details({"name": "A", "phone": phone})["phone"] == phone


@pytest.mark.parametrize("website", ["ftp://acme.example", "https://user@acme.example", "https://", "http//x y"])
def test_websites_must_be_plain_http_urls(website):
    assert "website" in errors_for({"name": "A", "website": website})


def test_country_list_is_iso_3166():
    assert len(COUNTRIES) == 249 and COUNTRIES["GB"] == "United Kingdom" and country_name("ZZ") == ""
    names = [name for _code, name in COUNTRY_OPTIONS]
    assert names[:2] == ["Afghanistan", "Åland Islands"] and names[-1] == "Zimbabwe"


def test_update_details_saves_bumps_the_version_and_audits(session, org):
    updated = update_details(session, actor=ACTOR, org_code=org.code, values=GOOD, expected_version=1)
    session.commit()
    assert updated.version == 2
    assert details_of(session.get(Organization, org.code)) == clean_details(GOOD)
    [event] = audit_events(session)
    assert (event.actor_type, event.actor_id, event.org_code, event.target_id) == ("user", "kp_admin", org.code, org.code)
    assert event.before == {"business_name": "", "billing_email": "", "phone": "", "website": "", "address_line1": "",
                            "city": "", "region": "", "postcode": "", "country": "", "tax_id": ""}
    assert event.after["website"] == "https://acme.example" and "name" not in event.after  # unchanged
    assert (event.client_ip, event.user_agent) == ("10.0.0.9", "pytest")


def test_saving_the_same_values_writes_nothing(session, org):
    update_details(session, actor=ACTOR, org_code=org.code, values={"name": "Acme "}, expected_version=1)
    session.commit()
    assert session.get(Organization, org.code).version == 1 and audit_events(session) == []


def test_two_admins_saving_from_the_same_version_conflict(session, engine, org):
    """Both opened version 1; the first save wins, the second is refused and changes nothing."""
    from sqlmodel import Session

    with Session(engine) as first, Session(engine) as second:
        update_details(first, actor=ACTOR, org_code=org.code, values={"name": "Acme", "city": "Bristol"},
                       expected_version=1)
        first.commit()
        with pytest.raises(Conflict) as info:
            update_details(second, actor=ACTOR, org_code=org.code, values={"name": "Acme", "phone": "0117 496 0000"},
                           expected_version=1)
        second.rollback()
    assert "changed since you opened them" in info.value.message and info.value.status == 409
    session.expire_all()
    current = session.get(Organization, org.code)
    assert (current.city, current.phone, current.version) == ("Bristol", "", 2)
    assert len(audit_events(session)) == 1
    assert fields_changed_since({**details_of(current), "city": ""}, current) == ["City"]
    # After "Reload" (the current version), the second admin's save goes through.
    update_details(session, actor=ACTOR, org_code=org.code, values={**details_of(current), "phone": "0117 496 0000"},
                   expected_version=current.version)
    session.commit()
    assert session.get(Organization, org.code).phone == "0117 496 0000"


def test_a_stale_version_conflicts_even_for_a_field_nobody_else_touched(session, org):
    update_details(session, actor=ACTOR, org_code=org.code, values={"name": "Acme", "city": "Bath"}, expected_version=1)
    with pytest.raises(Conflict):
        update_details(session, actor=ACTOR, org_code=org.code, values={"name": "Acme", "city": "Bath", "region": "X"},
                       expected_version=1)


def test_invalid_values_write_nothing_even_with_good_ones_beside_them(session, org):
    with pytest.raises(InvalidFields):
        update_details(session, actor=ACTOR, org_code=org.code, values={**GOOD, "phone": "call me"}, expected_version=1)
    session.rollback()
    current = session.get(Organization, org.code)
    assert (current.business_name, current.version) == ("", 1) and audit_events(session) == []


@pytest.mark.parametrize("version", ["1", None, True, 1.0])
def test_the_version_must_be_an_integer(session, org, version):
    with pytest.raises(InvalidInput):
        update_details(session, actor=ACTOR, org_code=org.code, values={"name": "B"}, expected_version=version)


def test_unknown_organization(session):
    with pytest.raises(NotFound):
        update_details(session, actor=ACTOR, org_code="org_missing", values={"name": "B"}, expected_version=1)


def test_refusals_render_in_german(session, org):
    with pytest.raises(InvalidFields) as info:
        clean_details({**GOOD, "name": " ", "country": "XX"})
    assert info.value.fields == {"name": "Enter a name.", "country": "Choose a country from the list."}
    assert info.value.localized_fields("de") == {"name": "Geben Sie einen Namen ein.",
                                                 "country": "Wählen Sie ein Land aus der Liste aus."}
    version = org.version
    update_details(session, actor=ACTOR, org_code=org.code, values=GOOD, expected_version=version)
    with pytest.raises(Conflict) as conflict:
        update_details(session, actor=ACTOR, org_code=org.code, values={**GOOD, "city": "Bath"},
                       expected_version=version)
    assert conflict.value.code == "DETAILS_CHANGED"
    assert conflict.value.localized("de").startswith("Diese Details wurden geändert, seit Sie sie geöffnet haben.")
