"""Invoice PDFs for the portal's billing history: `GET /billing/invoices/{invoice_id}.pdf`.

The portal session cookie is the only credential. An invoice is served to a session of its own
user (user billing on) or of its own organization (organization billing on, `org:read:billing`);
everything else is the same 404, whether the invoice exists or not.
"""

from __future__ import annotations

import re

import pytest
from sqlmodel import select

from portal_ui import db
from portal_ui.billing.owner import Owner
from portal_ui.billing.payment_methods import add_card
from portal_ui.billing.subscriptions import change_plan
from portal_ui.demo.personas import DEMO_ORG_CODE
from portal_ui.domain.audit import Actor
from portal_ui.domain.clock import utcnow
from portal_ui.domain.members import insert_membership
from portal_ui.domain.portal_settings import update_environment_settings
from portal_ui.models import Invoice, MemberRole, Membership, Organization, User
from portal_ui.settings import get_settings
from tests.pdf_text import pdf_text

LINK = "/account_api/v1/portal_link"
OLIVIA, BILL, VIC, BEA = "kp_demo_olivia", "kp_demo_bill", "kp_demo_vic", "kp_demo_bea"
SYSTEM = Actor.system("test")


def pdf_url(invoice_id: str) -> str:
    return f"/billing/invoices/{invoice_id}.pdf"


@pytest.fixture
def world(demo, engine):
    """The demo (Acme on Pro, one paid invoice) plus Bea on Pro, another organization with its own
    invoice, and Nell: an Acme member with no role, so without org:read:billing."""
    now = utcnow()
    with db.session_scope(engine) as s:
        s.add(Organization(code="org_other", name="Other Co", billing_email="ap@other.example", created_on=now))
        s.add(User(id="kp_nell", given_name="Nell", family_name="Norole", email="nell@acme.example", created_on=now))
        s.flush()
        insert_membership(s, DEMO_ORG_CODE, "kp_nell")
        for grant in s.exec(select(MemberRole).join(Membership).where(Membership.user_id == "kp_nell")).all():
            s.delete(grant)  # the demo's default role (Viewer) may read billing: Nell keeps no role at all
        for owner in (Owner.user(BEA), Owner.org("org_other")):
            add_card(s, actor=SYSTEM, owner=owner, number="4242424242424242", exp_month=12, exp_year=now.year + 2,
                     cvc="123")
            change_plan(s, actor=SYSTEM, owner=owner, plan_key="pro_monthly")
    with db.session_scope(engine) as s:
        invoices = s.exec(select(Invoice)).all()
        by_owner = {(i.user_id or i.org_code): i.id for i in invoices}
    return {"acme": by_owner[DEMO_ORG_CODE], "bea": by_owner[BEA], "other": by_owner["org_other"]}


def session_cookie(client, user_headers, user: str, org: str | None = None) -> dict:
    """Enter the portal by a fresh link; the session cookie as a header (the client's jar is cleared)."""
    url = client.get(LINK, headers=user_headers(user, org)).json()["url"]
    resp = client.get(url, follow_redirects=False)
    assert resp.status_code == 303, resp.text
    token = resp.cookies["portal_session"]
    client.cookies.clear()
    return {"cookie": f"portal_session={token}"}


@pytest.mark.parametrize("user", [OLIVIA, BILL, VIC])
def test_members_with_billing_read_get_their_organizations_invoice(world, client, user_headers, user):
    resp = client.get(pdf_url(world["acme"]), headers=session_cookie(client, user_headers, user, DEMO_ORG_CODE))
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "application/pdf"
    assert resp.headers["content-disposition"] == 'attachment; filename="INV-000001.pdf"'
    assert resp.headers["cache-control"] == "no-store"
    assert resp.content.startswith(b"%PDF-")


def test_a_user_gets_their_own_invoice(world, client, user_headers):
    resp = client.get(pdf_url(world["bea"]), headers=session_cookie(client, user_headers, BEA))
    assert resp.status_code == 200 and resp.content.startswith(b"%PDF-")


@pytest.mark.parametrize("user, org, invoice", [
    (OLIVIA, DEMO_ORG_CODE, "other"),  # another organization's invoice
    (OLIVIA, DEMO_ORG_CODE, "bea"),    # another user's invoice
    (BEA, None, "acme"),               # an organization the user is not signed in to
    (OLIVIA, None, "acme"),            # her organization's, but the session is not for the organization
    ("kp_nell", DEMO_ORG_CODE, "acme"),  # a member without org:read:billing
])
def test_anyone_elses_invoice_is_404(world, client, user_headers, user, org, invoice):
    resp = client.get(pdf_url(world[invoice]), headers=session_cookie(client, user_headers, user, org))
    assert resp.status_code == 404
    assert b"%PDF" not in resp.content


@pytest.mark.parametrize("headers", [{}, {"cookie": "portal_session=bogus"}, {"cookie": "portal_session="},
                                     {"cookie": 'portal_session="; x'}, {"authorization": "Bearer x"}])
def test_no_session_is_404(world, client, headers):
    resp = client.get(pdf_url(world["acme"]), headers=headers)
    assert resp.status_code == 404 and b"%PDF" not in resp.content


def test_unknown_and_odd_ids_are_404(world, client, user_headers):
    cookie = session_cookie(client, user_headers, OLIVIA, DEMO_ORG_CODE)
    for invoice_id in ("in_nope", "x" * 200, "..%2F..%2Fetc", "%00"):
        assert client.get(pdf_url(invoice_id), headers=cookie).status_code == 404


def test_an_ended_session_gets_nothing(world, client, user_headers):
    cookie = session_cookie(client, user_headers, OLIVIA, DEMO_ORG_CODE)
    assert client.get(pdf_url(world["acme"]), headers=cookie).status_code == 200
    client.post("/portal_exit", headers=cookie, follow_redirects=False)
    assert client.get(pdf_url(world["acme"]), headers=cookie).status_code == 404


@pytest.mark.parametrize("functions, invoice, user, org", [
    ({"org_functions": {"billing": False}}, "acme", OLIVIA, DEMO_ORG_CODE),
    ({"user_functions": {"billing": False}}, "bea", BEA, None),
])
def test_billing_switched_off_is_404(world, client, user_headers, engine, settings, functions, invoice, user, org):
    cookie = session_cookie(client, user_headers, user, org)
    assert client.get(pdf_url(world[invoice]), headers=cookie).status_code == 200
    with db.session_scope(engine) as s:
        update_environment_settings(s, settings, functions, SYSTEM)
    assert client.get(pdf_url(world[invoice]), headers=cookie).status_code == 404



def test_the_pdf_follows_the_browsers_language_and_prints_seller_and_buyer(world, client, user_headers, engine):
    with db.session_scope(engine) as s:
        update_environment_settings(s, get_settings(), {"seller": {
            "name": "Nimbus Cloud Ltd", "address": ["1 Harbour Road", "Bristol BS1 5TY"],
            "email": "billing@nimbus.example", "tax_id": "GB 980 7806 84"}}, SYSTEM)
        invoice_id = change_plan(s, actor=SYSTEM, owner=Owner.user(BEA), plan_key="business").invoice.id
    cookie = session_cookie(client, user_headers, BEA)
    german = pdf_text(client.get(pdf_url(invoice_id), headers={**cookie, "accept-language": "de"}).content)
    for line in ("Rechnung an", "Von", "Nimbus Cloud Ltd", "1 Harbour Road", "Bristol BS1 5TY",
                 "billing@nimbus.example", "Steuernummer: GB 980 7806 84", "Bea Chen", "Gesamt"):
        assert line in german.splitlines(), line
    assert re.search(r"^\d+,\d\d USD$", german, re.MULTILINE), german
    english = pdf_text(client.get(pdf_url(invoice_id), headers={**cookie, "accept-language": "en"}).content)
    assert "Billed to" in english and "Tax ID: GB 980 7806 84" in english
    assert re.search(r"^USD \d+\.\d\d$", english, re.MULTILINE), english


def test_an_invoice_stripe_issued_sends_the_reader_to_stripes_pdf(world, client, user_headers, engine):
    """Invoices mirrored from Stripe carry Stripe's PDF link; the download redirects there, after
    the same session checks (another session still gets the 404)."""
    stripe_pdf = "https://pay.stripe.com/invoice/acct_1/in_1/pdf"
    with db.session_scope(engine) as s:
        row = s.get(Invoice, world["bea"])
        row.provider, row.provider_ref, row.pdf_url = "stripe", "in_1", stripe_pdf
        s.add(row)
    resp = client.get(pdf_url(world["bea"]), headers=session_cookie(client, user_headers, BEA), follow_redirects=False)
    assert resp.status_code == 303 and resp.headers["location"] == stripe_pdf
    other = client.get(pdf_url(world["bea"]), headers=session_cookie(client, user_headers, OLIVIA, DEMO_ORG_CODE),
                       follow_redirects=False)
    assert other.status_code == 404
