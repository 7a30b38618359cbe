"""Organizations: creation (with creator roles), lookup, listing."""

import pytest
from sqlmodel import select

from portal_ui.domain.audit import Actor
from portal_ui.domain.errors import Conflict, InvalidInput, NotFound
from portal_ui.domain.members import list_member_roles
from portal_ui.domain.organizations import create_organization, get_organization, list_organizations
from portal_ui.domain.roles import create_role
from portal_ui.domain.users import create_user
from portal_ui.models import AuditEvent, Membership, Organization

ACTOR = Actor(type="m2m", id="test-client")


def test_create_organization_generates_code_and_audits(session):
    org = create_organization(session, actor=ACTOR, name="  Acme  ", external_id="ext-1",
                              billing_email="Billing@Acme.example")
    session.commit()
    assert org.code.startswith("org_") and org.name == "Acme"
    assert (org.external_id, org.billing_email) == ("ext-1", "billing@acme.example")
    [event] = session.exec(select(AuditEvent)).all()
    assert (event.action, event.target_type, event.target_id, event.org_code) == (
        "organization.created", "organization", org.code, org.code)
    assert event.after == {"name": "Acme", "external_id": "ext-1", "billing_email": "billing@acme.example"}


@pytest.mark.parametrize("name", ["", "   ", None, "x" * 256, 7])
def test_name_is_required_and_limited(session, name):
    with pytest.raises(InvalidInput):
        create_organization(session, actor=ACTOR, name=name)
    assert session.exec(select(Organization)).all() == []


def test_explicit_code_must_be_well_formed_and_unique(session):
    assert create_organization(session, actor=ACTOR, name="Demo", code="org_demo_acme").code == "org_demo_acme"
    with pytest.raises(Conflict):
        create_organization(session, actor=ACTOR, name="Again", code="org_demo_acme")
    for bad in ("acme", "org_", "org_bad-code", "org_" + "x" * 61):
        with pytest.raises(InvalidInput):
            create_organization(session, actor=ACTOR, name="Bad", code=bad)


def test_external_id_is_unique(session):
    create_organization(session, actor=ACTOR, name="A", external_id="same")
    with pytest.raises(Conflict):
        create_organization(session, actor=ACTOR, name="B", external_id="same")


@pytest.mark.parametrize("email", ["nope", "a,victim@corp.example", "billing@acme.example\r\nBcc: v@corp.example"])
def test_bad_billing_email_refused(session, email):
    with pytest.raises(InvalidInput):
        create_organization(session, actor=ACTOR, name="A", billing_email=email)


def test_creator_gets_default_and_creator_roles(session):
    create_role(session, actor=ACTOR, key="viewer", name="Viewer", is_default_role=True)
    create_role(session, actor=ACTOR, key="owner", name="Owner", assign_to_creator=True)
    create_role(session, actor=ACTOR, key="other", name="Other")
    user = create_user(session, actor=ACTOR, email="c@example.com")
    org = create_organization(session, actor=ACTOR, name="Acme", creator_user_id=user.id)
    session.commit()
    assert [r.key for r in list_member_roles(session, org_code=org.code, user_id=user.id)] == ["owner", "viewer"]
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "organization.created")).one()
    assert event.after["creator_user_id"] == user.id and event.after["creator_roles"] == ["owner", "viewer"]


def test_unknown_creator_refused_before_writing(session):
    with pytest.raises(InvalidInput):
        create_organization(session, actor=ACTOR, name="Acme", creator_user_id="kp_nobody")
    assert session.exec(select(Organization)).all() == [] and session.exec(select(Membership)).all() == []


def test_get_organization(session):
    org = create_organization(session, actor=ACTOR, name="Acme")
    assert get_organization(session, org.code).name == "Acme"
    with pytest.raises(NotFound):
        get_organization(session, "org_missing")


def test_list_organizations_sorts_and_pages(session):
    for name in ("beta", "Alpha", "gamma"):
        create_organization(session, actor=ACTOR, name=name)
    session.commit()
    assert [o.name for o in list_organizations(session).items] == ["beta", "Alpha", "gamma"]
    assert [o.name for o in list_organizations(session, sort="name_asc").items] == ["Alpha", "beta", "gamma"]
    assert [o.name for o in list_organizations(session, sort="name_desc").items] == ["gamma", "beta", "Alpha"]
    page = list_organizations(session, sort="name_asc", page_size=2)
    rest = list_organizations(session, sort="name_asc", page_size=2, next_token=page.next_token)
    assert [o.name for o in rest.items] == ["gamma"] and rest.next_token is None
    with pytest.raises(InvalidInput):
        list_organizations(session, sort="size_desc")
