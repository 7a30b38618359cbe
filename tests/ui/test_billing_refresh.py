"""The billing page's refresh of Stripe's invoices (BillingState.refresh_invoices), in this process
as Reflex calls it: when Stripe does not answer, the page keeps its invoices and says so."""

from __future__ import annotations

from portal_ui import db as portal_db
from portal_ui.domain import audit
from portal_ui.domain.clock import utcnow
from portal_ui.domain.links import create_link, redeem_link
from portal_ui.domain.sessions import start_session
from portal_ui.models import StripeCustomer
from portal_ui.settings import get_settings
from portal_ui.ui.state.billing import BillingState
from portal_ui.ui.state.portal import PortalState
from tests.billing.conftest import STRIPE_PUBLISHABLE, STRIPE_SECRET, STRIPE_WEBHOOK_SECRET
from tests.billing.localstripe_server import _free_port
from tests.conftest import run_coroutine
from tests.ui.test_handler_paths import _tab


def test_stripe_not_answering_leaves_a_note_on_the_billing_history(demo, engine, env, monkeypatch):
    with portal_db.session_scope(engine) as db:
        url = create_link(db, get_settings(), user_id="kp_demo_bea", sub_nav="plan_details",
                          actor=audit.Actor.system("test"))
        token = start_session(db, get_settings(), redeem_link(db, url.rsplit("key=", 1)[1].split("&", 1)[0]))
        db.add(StripeCustomer(customer_id="cus_bea", user_id="kp_demo_bea", created_on=utcnow()))
    env(PORTAL_BILLING_PROVIDER="stripe", STRIPE_SECRET_KEY=STRIPE_SECRET, STRIPE_PUBLISHABLE_KEY=STRIPE_PUBLISHABLE,
        STRIPE_WEBHOOK_SECRET=STRIPE_WEBHOOK_SECRET, STRIPE_API_BASE=f"http://127.0.0.1:{_free_port()}")  # nobody there
    monkeypatch.setattr(PortalState, "_cookie_token", lambda self: token)
    state = _tab(BillingState)

    async def refresh() -> list:
        return [update async for update in BillingState.event_handlers["refresh_invoices"].fn(state, "plan_details")]

    run_coroutine(refresh())
    assert state.invoices_note.startswith("The payment provider did not answer")
    assert state.invoices_syncing is False
