"""Billing fixtures: an organization and a user to bill, the demo plan catalogue, card helpers."""

from __future__ import annotations

import pytest
from sqlmodel import select

from portal_ui.billing.owner import Owner
from portal_ui.billing.payment_methods import add_card
from portal_ui.demo.billing_seed import seed_demo_billing
from portal_ui.domain.audit import Actor
from portal_ui.domain.clock import utcnow
from portal_ui.models import AuditEvent, Organization, User

ACTOR = Actor(type="user", id="kp_payer")
VISA = "4242424242424242"
MASTERCARD = "5555555555554444"
AMEX = "378282246310005"
DECLINED = "4000000000000002"
CHARGE_DECLINED = "4000000000000341"


@pytest.fixture
def org(session) -> Owner:
    now = utcnow()
    session.add(User(id="kp_payer", given_name="Pat", family_name="Payer", email="pat@example.com", created_on=now))
    session.add(Organization(code="org_acme", name="Acme", business_name="Acme Ltd", city="Bristol",
                             country="GB", billing_email="billing@acme.example", created_on=now))
    session.commit()
    return Owner.org("org_acme")


@pytest.fixture
def user(session, org) -> Owner:
    return Owner.user("kp_payer")


@pytest.fixture
def plans(session):
    """The demo catalogue: free, pro_monthly (USD 19), pro_yearly (USD 190), business (USD 99)."""
    seed_demo_billing(session)
    session.commit()


def card(session, owner: Owner, number: str = VISA, *, cvc: str = "123", **kwargs):
    method = add_card(session, actor=ACTOR, owner=owner, number=number, exp_month=kwargs.pop("exp_month", 12),
                      exp_year=kwargs.pop("exp_year", utcnow().year + 2), cvc=cvc, **kwargs)
    session.commit()
    return method


def events(session, prefix: str = "") -> list[AuditEvent]:
    return [e for e in session.exec(select(AuditEvent).order_by(AuditEvent.id)).all() if e.action.startswith(prefix)]


# --- Stripe on localstripe ---------------------------------------------------------------------------
# One fake Stripe server per test process (localstripe, started on loopback at a free port); the
# tests keep apart by using new customers. The keys only need Stripe's prefixes: the fake accepts any.

STRIPE_SECRET = "sk_test_portal"
STRIPE_PUBLISHABLE = "pk_test_portal"
STRIPE_WEBHOOK_SECRET = "whsec_portal_test_secret"


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def localstripe_url():
    """The address of a running localstripe (tests/billing/localstripe_server.py)."""
    import socket
    import subprocess
    import sys
    import time
    from pathlib import Path

    port = _free_port()
    root = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen([sys.executable, "-m", "tests.billing.localstripe_server", str(port)], cwd=root,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError("localstripe did not start: " + proc.stderr.read().decode()[-2000:])
            time.sleep(0.1)
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@pytest.fixture
def stripe_mode(env, localstripe_url):
    """The portal with PORTAL_BILLING_PROVIDER=stripe, pointed at localstripe (request it before
    `plans`, so the catalogue's paid plans are linked with Stripe plans as they are created)."""
    return env(PORTAL_BILLING_PROVIDER="stripe", STRIPE_SECRET_KEY=STRIPE_SECRET,
               STRIPE_PUBLISHABLE_KEY=STRIPE_PUBLISHABLE, STRIPE_WEBHOOK_SECRET=STRIPE_WEBHOOK_SECRET,
               STRIPE_API_BASE=localstripe_url)


@pytest.fixture
def stripe_api(localstripe_url):
    """The official client on the fake, for looking at what the portal did in Stripe."""
    import stripe

    return stripe.StripeClient(STRIPE_SECRET, base_addresses={"api": localstripe_url}).v1


def confirm_in_browser(localstripe_url: str, setup, **card) -> dict:
    """What Stripe's card element does in the browser: confirm the SetupIntent with the client
    secret and the publishable key, sending the card to Stripe. `card`: `payment_method="pm_card_visa"`
    (a Stripe test payment method) or `number=..., exp_month=..., exp_year=..., cvc=...`."""
    import httpx

    data = {"key": STRIPE_PUBLISHABLE, "client_secret": setup.client_secret}
    if "payment_method" in card:
        data["payment_method"] = card["payment_method"]
    else:
        data["payment_method_data[type]"] = "card"
        data.update({f"payment_method_data[card][{k}]": str(v) for k, v in card.items()})
    answer = httpx.post(f"{localstripe_url}/v1/setup_intents/{setup.id}/confirm", data=data, timeout=10)
    return answer.json()


def sign_webhook(payload: bytes, secret: str = STRIPE_WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """A `Stripe-Signature` header as Stripe computes it (HMAC-SHA256 of "<t>.<payload>")."""
    import hashlib
    import hmac
    import time

    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"
