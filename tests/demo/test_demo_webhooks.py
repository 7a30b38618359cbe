"""The demo closes the loop: Nimbus registers its webhook at seed time, the portal delivers to
`/demo/webhooks` over real HTTP, and `/demo/webhooks/received` (which /demo polls) shows each event
with the result of Nimbus's signature check."""

from __future__ import annotations

import socket
import threading
import time

import httpx
import pytest
import uvicorn

from portal_ui import db
from portal_ui.demo import webhooks as demo_webhooks
from tests.webhooks.conftest import run_worker


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def served_demo(env):
    """The API app (demo on) served on a real port, seeded with PORTAL_PUBLIC_URL pointing at it."""
    port = _free_port()
    settings = env(PORTAL_PUBLIC_URL=f"http://127.0.0.1:{port}")
    from portal_ui.api.app import build_api
    from portal_ui.demo.seed import seed_demo

    with db.session_scope() as s:
        seed_demo(s, settings)
    server = uvicorn.Server(uvicorn.Config(build_api(), host="127.0.0.1", port=port, log_level="warning",
                                           lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield settings
    server.should_exit = True
    thread.join(10)


def test_the_demo_host_app_receives_and_verifies_portal_changes(served_demo, m2m_headers):
    settings = served_demo
    base = settings.public_url
    with db.session_scope() as s:
        [hook] = demo_webhooks.endpoints.list_endpoints(s)
    assert hook.endpoint == base + "/demo/webhooks" and hook.signing == "standard"
    assert httpx.get(base + "/demo/webhooks/received").json() == {"received": []}

    headers = m2m_headers("delete:organization_users", "update:webhooks")
    assert httpx.delete(base + "/api/v1/organizations/org_demo_acme/users/kp_demo_vic", headers=headers).status_code == 200
    assert run_worker(settings) == 1
    [first] = httpx.get(base + "/demo/webhooks/received").json()["received"]
    assert (first["type"], first["verified"], first["mode"]) == ("organization.user_removed", True, "standard")
    assert "user kp_demo_vic" in first["summary"] and "organization org_demo_acme" in first["summary"]

    # Switched to Kinde's JWT signing, Nimbus verifies with the published JWKS.
    assert httpx.patch(f"{base}/api/v1/webhooks/{hook.id}", json={"signing": "jwt"}, headers=headers).status_code == 200
    assert httpx.post(f"{base}/api/v1/webhooks/{hook.id}/test", headers=headers).status_code == 202
    run_worker(settings)
    newest = httpx.get(base + "/demo/webhooks/received").json()["received"][0]
    assert (newest["type"], newest["verified"], newest["mode"]) == ("webhook.test", True, "jwt")

    # A forged delivery is refused and shown as such.
    forged = httpx.post(base + "/demo/webhooks", content=b'{"type":"user.updated"}',
                        headers={"webhook-id": "event_forged", "webhook-timestamp": str(int(time.time())),
                                 "webhook-signature": "v1,AAAA", "content-type": "application/json"})
    assert forged.status_code == 400
    newest = httpx.get(base + "/demo/webhooks/received").json()["received"][0]
    assert (newest["event_id"], newest["verified"]) == ("event_forged", False)
    assert "refused" in newest["check"]


def test_the_demo_page_shows_the_received_webhooks_panel(served_demo):
    page = httpx.get(served_demo.public_url + "/demo").text
    assert "Webhooks Nimbus received" in page and "/demo/webhooks/received" in page
    assert "Nimbus registered <code>/demo/webhooks</code>" in page and "(Standard Webhooks)" in page


def test_the_demo_page_says_when_nimbus_has_no_webhook(demo, client):
    page = client.get("/demo").text
    assert "Nimbus has no webhook registered" in page and "http://portal.test" in page


def test_no_receiver_is_registered_where_the_portal_address_cannot_receive(demo, engine):
    with db.session_scope(engine) as s:
        assert demo_webhooks.endpoints.list_endpoints(s) == []  # http://portal.test does not resolve
