"""Focused flows in the browser: one task, then back to the app; nothing else through the socket."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect
from reflex_base.utils.format import format_event_handler
from sqlmodel import select

from portal_ui.billing.owner import Owner
from portal_ui.billing.payment_methods import list_payment_methods
from portal_ui.billing.subscriptions import current_plan
from portal_ui.demo.personas import DEMO_ORG_CODE
from portal_ui.domain.audit import Actor
from portal_ui.domain.links import create_link
from portal_ui.domain.sessions import SESSION_COOKIE
from portal_ui.models import PortalSession
from portal_ui.ui.state import BillingState, ProfileState
from tests.ui.billing_world import billing_rows, fill_card, portal_db, reset_user_billing
from tests.ui.test_billing_explained import bea_on_pro, coupon  # noqa: F401 (fixtures)
from tests.ui.helpers import cookie_over_http, review_shot
from tests.ui.portal_db import domain_session
from tests.ui.socket_tab import SocketTab

pytestmark = pytest.mark.browser

BEA, BILL = "kp_demo_bea", "kp_demo_bill"
DONE = "https://app.example/done"
REFUSED = "You do not have permission to change this."


def flow_link(portal, user: str, org: str | None, flow: str, **extra) -> str:
    with domain_session(portal) as (session, settings):
        return create_link(session, settings, user_id=user, org_code=org, flow=flow, actor=Actor.system("cli"),
                           **extra)


@pytest.fixture
def host_app_page(browser: Browser):
    """A browser tab whose host app (https://app.example) is answered by the test itself."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    context.route("https://app.example/**", lambda route: route.fulfill(
        status=200, content_type="text/html", body="<!doctype html><h1 id='host-app'>Host</h1>"))
    yield context.new_page()
    context.close()


def test_payment_method_update_adds_a_default_card_and_returns_to_the_app(host_app_page: Page, billing_portal, request):
    page = host_app_page
    reset_user_billing(billing_portal, BEA, card=True)  # an old default card to be replaced
    try:
        page.goto(flow_link(billing_portal, BEA, None, "payment_method_update", after_completion_url=DONE))
        expect(page.locator("#section-title")).to_have_text("Update your payment method")
        assert page.url.rstrip("/").endswith("/flow")
        expect(page.locator("#flow-default-card")).to_have_text("Visa ending 4242")
        expect(page.locator("nav, [data-group]")).to_have_count(0)  # no navigation to other sections
        review_shot(page, request, "payment-method-update")
        fill_card(page, billing_portal, "5555 5555 5555 4444", "11/33", "321")
        page.locator("#card-submit").click()
        expect(page.locator("#host-app")).to_be_visible()
        assert page.url == DONE
        with portal_db(billing_portal) as session:
            cards = {m.last4: m.is_default for m in list_payment_methods(session, Owner.user(BEA))}
            latest = session.exec(select(PortalSession).where(PortalSession.user_id == BEA)
                                  .order_by(PortalSession.id.desc())).first()
        assert cards == {"4242": False, "4444": True}
        assert latest.flow == "payment_method_update" and latest.ended_on is not None  # the session is over
    finally:
        reset_user_billing(billing_portal, BEA)


def test_subscription_cancel_asks_why_makes_the_offer_and_then_returns_to_the_app(host_app_page: Page, billing_portal,
                                                                                   request, bea_on_pro, coupon):
    """The reason is one step and the retention offer the next: the flow ends only when the offer is
    answered ("No thanks" here), and the cancellation keeps the reason."""
    page = host_app_page
    page.goto(flow_link(billing_portal, BEA, None, "subscription_cancel", after_completion_url=DONE))
    expect(page.locator("#cancel-dialog")).to_be_visible()  # the flow opens its confirmation
    page.locator("#cancel-reason").select_option("unused")
    page.locator("#cancel-comment").fill("Project ended")
    page.locator("#cancel-confirm").click()
    expect(page.locator("#offer-title")).to_have_text(coupon["label"])
    assert page.url.rstrip("/").endswith("/flow")  # giving the reason does not end the flow
    review_shot(page, request, "subscription-cancel-offer")
    page.locator("#offer-decline").click()
    expect(page.locator("#host-app")).to_be_visible()
    assert page.url == DONE
    with portal_db(billing_portal) as session:
        sub = current_plan(session, bea_on_pro).subscription
        latest = session.exec(select(PortalSession).where(PortalSession.user_id == BEA)
                              .order_by(PortalSession.id.desc())).first()
    assert (sub.cancel_at_period_end, sub.cancel_reason, sub.cancel_comment) == (True, "unused", "Project ended")
    assert sub.discount_percent == 0 and sub.retention_offered_on is not None
    assert latest.flow == "subscription_cancel" and latest.ended_on is not None


def test_a_flow_session_reaches_nothing_beyond_its_task(billing_portal):
    """Bill's payment-method flow, as a hand-made socket client: other sections' handlers, and the
    section's own actions that are not the task's, are refused; Acme's billing stays as it was."""
    cookie = cookie_over_http(flow_link(billing_portal, BILL, DEMO_ORG_CODE, "payment_method_update"))
    before = billing_rows(billing_portal, org_code=DEMO_ORG_CODE)
    card = before["payment_methods"][0][0]

    def call(state, name: str, payload: dict) -> tuple[str, dict]:
        return format_event_handler(state.event_handlers[name]), payload

    events = [
        call(BillingState, "start_cancel", {"key": "organization_plan_details"}),
        call(BillingState, "confirm_cancel", {"key": "organization_plan_details", "form": {"reason": "other"}}),
        call(BillingState, "accept_offer", {"key": "organization_plan_details"}),
        call(BillingState, "decline_offer", {"key": "organization_plan_details"}),
        call(BillingState, "start_change", {"key": "organization_plan_selection", "plan_key": "business"}),
        call(BillingState, "make_default", {"key": "organization_payment_details", "payment_method_id": card}),
        call(BillingState, "start_change", {"key": "organization_payment_details", "plan_key": "business"}),
        call(ProfileState, "save_profile", {"form": {"given_name": "Mallory", "family_name": "X"}}),
    ]
    with SocketTab(billing_portal.url, f"{SESSION_COOKIE}={cookie}") as tab:
        tab.send(format_event_handler(BillingState.event_handlers["load_flow"]), {}, "/flow")
        answers = [str(tab.send(name, payload, "/flow")) for name, payload in events]
    for (name, payload), answer in zip(events, answers):
        assert REFUSED in answer, (name, payload, answer[:400])
    assert billing_rows(billing_portal, org_code=DEMO_ORG_CODE) == before
    with portal_db(billing_portal) as session:
        from portal_ui.models import User
        assert session.get(User, BILL).given_name == "Bill"
