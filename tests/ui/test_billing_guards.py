"""Billing handlers refuse what a session may not do, and a card number goes nowhere but the provider.

- A socket.io client carrying a real session cookie calls every billing write handler directly:
  a viewer's session (org:read:billing only) changes none of Acme's billing rows, and a section
  key that is not a billing key is refused. The billing manager's session, through the same
  calls, does add and remove a card: the control.
- In the browser, adding a card sends the full number in exactly one websocket frame (the
  form's submit event, from the browser); it appears in no frame from the server, not in the
  database files, the server's log or the stored Reflex states.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from reflex_base.utils.format import format_event_handler

from portal_ui.billing.owner import Owner
from portal_ui.billing.payment_methods import add_card, list_payment_methods, remove_payment_method
from portal_ui.demo.personas import DEMO_ORG_CODE
from portal_ui.domain.clock import utcnow
from portal_ui.domain.sessions import SESSION_COOKIE
from portal_ui.ui.state import BillingState
from tests.ui.billing_world import ACTOR, billing_rows, db_path, open_billing, portal_db, reset_user_billing, toast
from tests.ui.conftest import ROOT
from tests.ui.socket_tab import SocketTab
from tests.ui.test_guards import session_cookie

pytestmark = pytest.mark.browser

BEA, BILL, VIC = "kp_demo_bea", "kp_demo_bill", "kp_demo_vic"
ORG_PLANS = "organization_plan_selection"
ORG_PAYMENT = "organization_payment_details"
MASTERCARD = "5555555555554444"
SECRET_CARD = ("4000 0566 5566 5556", "4000056655665556", "400005665566")  # typed, compact, first twelve


def handler(name: str) -> str:
    return format_event_handler(BillingState.event_handlers[name])


def write_events(key: str, card_id: str) -> list[tuple[str, dict]]:
    """Every billing handler that changes something (and the dialogs that lead to them), for section `key`."""
    form = {"card_number": MASTERCARD, "card_expiry": "12/30", "card_cvc": "123"}
    return [
        (handler("start_change"), {"key": key, "plan_key": "business"}),
        (handler("confirm_change"), {"key": key}),
        (handler("start_cancel"), {"key": key}),
        (handler("confirm_cancel"), {"key": key, "form": {"reason": "other", "comment": ""}}),
        (handler("accept_offer"), {"key": key}),
        (handler("decline_offer"), {"key": key}),
        (handler("resume_plan"), {"key": key}),
        (handler("add_card"), {"key": key, "form": form}),
        (handler("make_default"), {"key": key, "payment_method_id": card_id}),
        (handler("ask_remove"), {"payment_method_id": card_id}),
        (handler("confirm_remove"), {"key": key}),
    ]


def run(portal, cookie: str, page_key: str, events: list[tuple[str, dict]], path: str) -> list[dict]:
    with SocketTab(portal.url, f"{SESSION_COOKIE}={cookie}") as tab:
        tab.send(handler("load_billing"), {"key": page_key}, path)
        for name, payload in events:
            tab.send(name, payload, path)
        return tab.updates


@pytest.fixture
def acme_second_card(portal):
    """A second, non-default card for Acme (so "make default" and "remove" have a target); removed after."""
    owner = Owner.org(DEMO_ORG_CODE)
    with portal_db(portal) as session:
        card = add_card(session, actor=ACTOR, owner=owner, number="2223003122003222", exp_month=10,
                        exp_year=utcnow().year + 4, cvc="456")
        card_id = card.id
    yield card_id
    with portal_db(portal) as session:
        if any(m.id == card_id for m in list_payment_methods(session, owner)):
            remove_payment_method(session, actor=ACTOR, owner=owner, payment_method_id=card_id)


def test_a_viewer_changes_nothing_through_the_socket(portal, acme_second_card):
    cookie = session_cookie(portal, VIC, DEMO_ORG_CODE, ORG_PLANS)
    before = billing_rows(portal, org_code=DEMO_ORG_CODE)
    updates = []
    for key in (ORG_PLANS, ORG_PAYMENT, "organization_plan_details"):
        updates += run(portal, cookie, key, write_events(key, acme_second_card), "/org/billing/plans")
    assert updates, "the server did not answer the events"
    assert billing_rows(portal, org_code=DEMO_ORG_CODE) == before
    text = str(updates)
    assert "You do not have permission to change this." in text
    for success in ("You are now on", "starts on", "set to end", "continues", " added.", "now the default",
                    " removed."):
        assert success not in text
    assert '"change_open": true' not in text.replace("'", '"').lower()


def test_section_keys_other_than_billing_are_refused(portal):
    """Bea may write her profile; that does not let a billing handler act, whatever key it is given."""
    reset_user_billing(portal, BEA)
    cookie = session_cookie(portal, BEA, None, "payment_details")
    events = []
    for key in ("profile", "api_keys", "organization_payment_details", "", None, ["payment_details"]):
        events += [(handler("add_card"), {"key": key, "form": {"card_number": MASTERCARD, "card_expiry": "12/30",
                                                                 "card_cvc": "123"}}),
                   (handler("start_change"), {"key": key, "plan_key": "free"})]
    with SocketTab(portal.url, f"{SESSION_COOKIE}={cookie}") as tab:
        tab.send(handler("load_billing"), {"key": "payment_details"}, "/billing/payment")
        answers = [str(tab.send(name, payload, "/billing/payment")) for name, payload in events]
    for (name, payload), answer in zip(events, answers):  # each call answered, with the refusal
        assert "You do not have permission to change this." in answer, (name, payload)
    assert billing_rows(portal, user_id=BEA) == {"invoices": [], "subscriptions": [], "payment_methods": []}


def test_the_billing_manager_can_through_the_same_calls(portal):
    """The control: Bill's session adds a card and removes it again with the same kind of calls."""
    cookie = session_cookie(portal, BILL, DEMO_ORG_CODE, ORG_PAYMENT)
    owner = Owner.org(DEMO_ORG_CODE)
    with portal_db(portal) as session:
        before = {m.id for m in list_payment_methods(session, owner)}
    form = {"card_number": MASTERCARD, "card_expiry": "12/30", "card_cvc": "123"}
    with SocketTab(portal.url, f"{SESSION_COOKIE}={cookie}") as tab:
        tab.send(handler("load_billing"), {"key": ORG_PAYMENT}, "/org/billing/payment")
        added = tab.send(handler("add_card"), {"key": ORG_PAYMENT, "form": form}, "/org/billing/payment")
        with portal_db(portal) as session:
            new = [m for m in list_payment_methods(session, owner) if m.id not in before]
        assert [m.last4 for m in new] == ["4444"]
        assert "Mastercard ending 4444 added." in str(added)
        assert MASTERCARD not in str(added)
        tab.send(handler("ask_remove"), {"payment_method_id": new[0].id}, "/org/billing/payment")
        tab.send(handler("confirm_remove"), {"key": ORG_PAYMENT}, "/org/billing/payment")
    with portal_db(portal) as session:
        assert {m.id for m in list_payment_methods(session, owner)} == before


def test_with_stripe_a_card_number_sent_through_the_socket_is_refused(stripe_portal):
    """With Stripe, cards reach the portal only as Stripe's SetupIntent ids: the billing manager's
    session sending a card form anyway (as the test provider's page would) is told so, and nothing
    is kept or echoed back."""
    cookie = session_cookie(stripe_portal, BILL, DEMO_ORG_CODE, ORG_PAYMENT)
    before = billing_rows(stripe_portal, org_code=DEMO_ORG_CODE)
    form = {"card_number": MASTERCARD, "card_expiry": "12/30", "card_cvc": "123"}
    with SocketTab(stripe_portal.url, f"{SESSION_COOKIE}={cookie}") as tab:
        tab.send(handler("load_billing"), {"key": ORG_PAYMENT}, "/org/billing/payment")
        answer = str(tab.send(handler("add_card"), {"key": ORG_PAYMENT, "form": form}, "/org/billing/payment"))
    assert "Stripe" in answer and "card_error" in answer and MASTERCARD not in answer
    assert billing_rows(stripe_portal, org_code=DEMO_ORG_CODE) == before


# ---- the card number -------------------------------------------------------------------------------

def _text(payload) -> str:
    return payload if isinstance(payload, str) else bytes(payload).decode("utf-8", "replace")


def _files_bytes(paths) -> bytes:
    return b"".join(p.read_bytes() for p in paths if p.is_file())


def test_a_full_card_number_reaches_only_the_submit_frame(page: Page, portal, shot):
    reset_user_billing(portal, BEA)
    database = db_path(portal)
    database_files = lambda: sorted(database.parent.glob(database.name + "*"))  # noqa: E731 - with -wal, -shm
    assert not [s for s in SECRET_CARD if s.encode() in _files_bytes(database_files())]
    sent: list[str] = []
    received: list[str] = []

    def watch(ws) -> None:
        ws.on("framesent", lambda payload: sent.append(_text(payload)))
        ws.on("framereceived", lambda payload: received.append(_text(payload)))

    page.on("websocket", watch)
    open_billing(page, portal, BEA, None, "payment_details")
    page.locator("#card_number").fill(SECRET_CARD[0])
    page.locator("#card_expiry").fill("08/32")
    page.locator("#card_cvc").fill("731")
    page.wait_for_timeout(500)
    assert not [f for f in sent if SECRET_CARD[2] in f.replace(" ", "")], "typing sent the number to the server"
    page.locator("#card-submit").click()
    toast(page, "Visa ending 5556 added.").to_be_visible()
    expect(page.locator(".payment-card")).to_contain_text("Visa ending 5556")
    expect(page.locator("#card_number")).to_have_value("")
    expect(page.locator("#card_cvc")).to_have_value("")
    shot("added")
    page.reload()  # a fresh hydrate: the whole state snapshot comes down once more
    expect(page.locator(".payment-card")).to_contain_text("Visa ending 5556")
    page.wait_for_timeout(500)

    carrying = [f for f in sent if any(s in f for s in SECRET_CARD)]
    assert len(carrying) == 1 and handler("add_card") in carrying[0]
    assert received, "no websocket frames were seen"
    assert not [f for f in received if any(s in f.replace(" ", "") or s in f for s in SECRET_CARD)]
    stored = _files_bytes(database_files())
    assert b"Visa" in stored or b"visa" in stored
    for secret in SECRET_CARD:
        assert secret.encode() not in stored, f"{secret} in the database files"
        assert secret not in portal.log.read_text(errors="replace"), f"{secret} in the server log"
    states = _files_bytes(Path(ROOT, ".states").rglob("*"))
    for secret in SECRET_CARD:
        assert secret.encode() not in states, f"{secret} in the stored Reflex states"
