"""Management API: webhooks (`/api/v1/webhooks`, the delivery log, replay, test events) end to end,
with a real receiver (pytest-httpserver) and the delivery worker run in-process."""

from __future__ import annotations

import jwt
import pytest
from sqlmodel import Session, select
from standardwebhooks import Webhook

import portal_ui.api.app  # noqa: F401
from portal_ui.models import AuditEvent, WebhookDelivery, WebhookEndpoint
from tests.webhooks.conftest import run_worker

ALL = ("create:webhooks", "read:webhooks", "update:webhooks", "delete:webhooks", "read:event_types")


@pytest.fixture(scope="session")
def httpserver_listen_address():
    return ("127.0.0.1", 0)


def rows(engine, model):
    with Session(engine) as s:
        return s.exec(select(model)).all()


def error_code(response):
    return response.json()["errors"][0]["code"]


def create(client, headers, url, **fields):
    body = {"endpoint": url, "event_types": ["organization.user_removed"], "name": "Host app", **fields}
    return client.post("/api/v1/webhooks", json=body, headers=headers)


def test_create_list_update_delete(client, m2m_headers, engine, httpserver):
    headers = m2m_headers(*ALL, client_id="product")
    r = create(client, headers, httpserver.url_for("/hook"), description="Our backend", signing="standard")
    assert r.status_code == 200
    created = r.json()["webhook"]
    assert r.json()["code"] == "WEBHOOK_CREATED" and created["secret"].startswith("whsec_")
    listed = client.get("/api/v1/webhooks", headers=headers).json()["webhooks"]
    assert listed == [{"id": created["id"], "name": "Host app", "endpoint": httpserver.url_for("/hook"),
                       "description": "Our backend", "event_types": ["organization.user_removed"],
                       "signing": "standard", "created_on": listed[0]["created_on"]}]
    assert created["secret"] not in client.get("/api/v1/webhooks", headers=headers).text

    r = client.patch(f"/api/v1/webhooks/{created['id']}", headers=headers,
                     json={"event_types": ["user.updated", "api_key.revoked"], "name": "Renamed", "description": None})
    assert r.status_code == 200 and r.json()["webhook"] == {"id": created["id"]}
    [row] = rows(engine, WebhookEndpoint)
    assert (row.name, row.description, row.event_types) == ("Renamed", None, ["user.updated", "api_key.revoked"])

    assert client.delete(f"/api/v1/webhooks/{created['id']}", headers=headers).json()["code"] == "WEBHOOK_DELETED"
    assert rows(engine, WebhookEndpoint) == []
    actions = [e.action for e in rows(engine, AuditEvent)]
    assert actions == ["webhook.created", "webhook.updated", "webhook.deleted"]
    assert all(created["secret"] not in str(e.after) for e in rows(engine, AuditEvent))
    assert client.delete(f"/api/v1/webhooks/{created['id']}", headers=headers).status_code == 404


def test_removing_a_member_reaches_the_receiver_signed(client, m2m_headers, demo, engine, httpserver):
    httpserver.expect_request("/hook", method="POST").respond_with_data("received")
    headers = m2m_headers(*ALL, "delete:organization_users")
    secret = create(client, headers, httpserver.url_for("/hook"), signing="standard").json()["webhook"]["secret"]
    jwt_hook = create(client, headers, httpserver.url_for("/jwt"), signing="jwt").json()["webhook"]["id"]
    httpserver.expect_request("/jwt", method="POST").respond_with_data("ok")

    r = client.delete("/api/v1/organizations/org_demo_acme/users/kp_demo_vic", headers=headers)
    assert r.status_code == 200
    assert run_worker(demo) == 2
    by_path = {req.path: req for req, _ in httpserver.log}
    event = Webhook(secret).verify(by_path["/hook"].get_data(), dict(by_path["/hook"].headers))
    assert event["type"] == "organization.user_removed" and event["source"] == "api"
    assert event["data"]["organization"] == {"code": "org_demo_acme"} and event["data"]["user"] == {"id": "kp_demo_vic"}
    jwks = client.get("/.well-known/webhooks/jwks.json").json()
    token = by_path["/jwt"].get_data(as_text=True)
    claims = jwt.decode(token, jwt.PyJWKSet.from_dict(jwks)[jwt.get_unverified_header(token)["kid"]].key,
                        algorithms=["RS256"], issuer=demo.public_url)
    assert claims["event_id"] == event["event_id"]

    log = client.get(f"/api/v1/webhooks/{jwt_hook}/deliveries", headers=headers).json()["deliveries"]
    assert [(d["event_type"], d["status"], d["attempt_count"], d["last_status_code"], d["last_response"])
            for d in log] == [("organization.user_removed", "delivered", 1, 200, "ok")]
    assert isinstance(log[0]["last_latency_ms"], int)


def test_delivery_log_replay_and_test_event(client, m2m_headers, engine, httpserver, settings):
    httpserver.expect_request("/hook", method="POST").respond_with_data("nope", status=500)
    headers = m2m_headers(*ALL)
    webhook_id = create(client, headers, httpserver.url_for("/hook")).json()["webhook"]["id"]
    r = client.post(f"/api/v1/webhooks/{webhook_id}/test", headers=headers)
    assert r.status_code == 202 and r.json()["delivery"]["event_type"] == "webhook.test"
    delivery_id = r.json()["delivery"]["id"]
    run_worker(settings)
    detail = client.get(f"/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}", headers=headers).json()["delivery"]
    assert (detail["status"], detail["attempt_count"], detail["last_status_code"]) == ("pending", 1, 500)
    assert detail["payload"]["type"] == "webhook.test" and detail["next_attempt_on"]
    assert [(a["status_code"], a["response"]) for a in detail["attempts"]] == [(500, "nope")]

    httpserver.clear()
    httpserver.expect_request("/hook", method="POST").respond_with_data("fine")
    r = client.post(f"/api/v1/webhooks/{webhook_id}/deliveries/{delivery_id}/replay", headers=headers)
    assert r.status_code == 202 and r.json()["delivery"]["replay_of"] == delivery_id
    run_worker(settings)
    [(request, _)] = httpserver.log
    assert request.headers["webhook-id"] == detail["event_id"]
    pending = client.get(f"/api/v1/webhooks/{webhook_id}/deliveries?status=pending", headers=headers).json()
    delivered = client.get(f"/api/v1/webhooks/{webhook_id}/deliveries?status=delivered", headers=headers).json()
    assert [d["id"] for d in pending["deliveries"]] == [delivery_id]
    assert [d["replay_of"] for d in delivered["deliveries"]] == [delivery_id]
    assert client.get(f"/api/v1/webhooks/{webhook_id}/deliveries?status=lost", headers=headers).status_code == 400
    assert client.get(f"/api/v1/webhooks/{webhook_id}/deliveries/whd_nope", headers=headers).status_code == 404
    assert client.post("/api/v1/webhooks/webhook_nope/test", headers=headers).status_code == 404


def test_event_types_lists_the_catalogue(client, m2m_headers):
    body = client.get("/api/v1/event_types", headers=m2m_headers("read:event_types")).json()
    codes = {t["code"]: t for t in body["event_types"]}
    assert {"user.updated", "organization.user_added", "organization.user_removed", "subscription.plan_changed",
            "api_key.revoked", "payment_method.added", "invoice.paid", "invitation.created",
            "portal_session.started"} <= set(codes)
    assert codes["user.updated"]["origin"] == "kinde" and codes["api_key.revoked"]["origin"] == "portal_ui"


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:9/hook", "http://localhost/hook", "http://[::1]/hook", "http://10.1.2.3/hook",
    "http://192.168.0.10/hook", "http://169.254.169.254/latest/meta-data", "http://0x7f000001/", "http://0/",
    "http://[::ffff:127.0.0.1]/", "http://100.64.0.1/", "http://[fd00::1]/",
])
def test_private_addresses_are_refused_unless_allowed(client, m2m_headers, engine, env, url):
    env(PORTAL_WEBHOOK_ALLOW_PRIVATE="0")
    r = create(client, m2m_headers(*ALL), url)
    assert r.status_code == 400 and error_code(r) == "INVALID_WEBHOOK_ENDPOINT"
    assert "private" in r.json()["errors"][0]["message"] or "resolve" in r.json()["errors"][0]["message"]
    assert rows(engine, WebhookEndpoint) == [] and rows(engine, AuditEvent) == []


@pytest.mark.parametrize("url", ["ftp://example.com/hook", "javascript:alert(1)", "/relative", "http://",
                                 "http://user:secret@127.0.0.1/", "http://127.0.0.1/a b", "http://127.0.0.1:99999/",
                                 "https://127.0.0.1/#frag", "x" * 3000])
def test_urls_that_are_not_plain_http_are_refused(client, m2m_headers, engine, url):
    r = create(client, m2m_headers(*ALL), url)
    assert r.status_code == 400
    assert rows(engine, WebhookEndpoint) == []


@pytest.mark.parametrize("body", [
    {"event_types": ["user.exploded"]}, {"event_types": []}, {"event_types": "user.updated"}, {"name": ""},
    {"name": None}, {"signing": "hmac"}, {"signing": ""}, {"colour": "red"}, {"description": "x" * 2000}, {"event_types": ["x" * 100]},
])
def test_bad_bodies_are_400_and_change_nothing(client, m2m_headers, engine, httpserver, body):
    base = {"endpoint": httpserver.url_for("/hook"), "event_types": ["user.updated"], "name": "Hook"}
    r = client.post("/api/v1/webhooks", json={**base, **body}, headers=m2m_headers(*ALL))
    assert r.status_code == 400, r.text
    assert rows(engine, WebhookEndpoint) == []


def test_patch_refuses_nulls_and_bad_values(client, m2m_headers, engine, httpserver, env):
    headers = m2m_headers(*ALL)
    webhook_id = create(client, headers, httpserver.url_for("/hook")).json()["webhook"]["id"]
    for body in ({"event_types": None}, {"name": None}, {"event_types": ["nope"]}, {"endpoint": "ftp://x"},
                 {"signing": "md5"}, {"id": "webhook_other"}):
        assert client.patch(f"/api/v1/webhooks/{webhook_id}", json=body, headers=headers).status_code == 400
    env(PORTAL_WEBHOOK_ALLOW_PRIVATE="0")
    r = client.patch(f"/api/v1/webhooks/{webhook_id}", json={"endpoint": "http://127.0.0.1:1/"}, headers=headers)
    assert r.status_code == 400 and error_code(r) == "INVALID_WEBHOOK_ENDPOINT"
    [row] = rows(engine, WebhookEndpoint)
    assert row.endpoint == httpserver.url_for("/hook") and row.event_types == ["organization.user_removed"]
    assert client.patch("/api/v1/webhooks/webhook_nope", json={"name": "x"}, headers=headers).status_code == 404


@pytest.mark.parametrize("method,path,scope", [
    ("post", "/api/v1/webhooks", "create:webhooks"), ("get", "/api/v1/webhooks", "read:webhooks"),
    ("patch", "/api/v1/webhooks/webhook_x", "update:webhooks"),
    ("delete", "/api/v1/webhooks/webhook_x", "delete:webhooks"),
    ("get", "/api/v1/webhooks/webhook_x/deliveries", "read:webhooks"),
    ("get", "/api/v1/webhooks/webhook_x/deliveries/whd_x", "read:webhooks"),
    ("post", "/api/v1/webhooks/webhook_x/deliveries/whd_x/replay", "update:webhooks"),
    ("post", "/api/v1/webhooks/webhook_x/test", "update:webhooks"),
    ("get", "/api/v1/event_types", "read:event_types"),
])
def test_routes_need_their_scope(client, m2m_headers, user_headers, method, path, scope):
    call = getattr(client, method)
    kwargs = {"json": {}} if method in ("post", "patch") else {}
    assert call(path, **kwargs).status_code == 403
    assert call(path, headers=m2m_headers("read:users"), **kwargs).status_code == 403
    assert call(path, headers=user_headers("kp_x"), **kwargs).status_code == 403
    assert call(path, headers=m2m_headers(scope), **kwargs).status_code != 403


def test_no_delivery_rows_without_subscribers(client, m2m_headers, demo, engine):
    client.delete("/api/v1/organizations/org_demo_acme/users/kp_demo_vic",
                  headers=m2m_headers("delete:organization_users"))
    assert rows(engine, WebhookDelivery) == []
