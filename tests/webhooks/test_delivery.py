"""Delivery to a real HTTP receiver: signatures, retries, the log, replay, test events."""

from __future__ import annotations

import json
from datetime import timedelta

import jwt
import pytest
from sqlmodel import select
from standardwebhooks import Webhook
from werkzeug import Response

from portal_ui import db
from portal_ui.domain import users
from portal_ui.domain.clock import shifted, utcnow
from portal_ui.models import WebhookAttempt, WebhookDelivery, WebhookEvent
from portal_ui.webhooks import deliveries, endpoints, signing
from tests.webhooks.conftest import ACTOR, create_users, register, run_worker


def _received(httpserver):
    return [(req, res) for req, res in httpserver.log]


def test_standard_webhooks_signature_verifies_with_the_secret_shown_at_creation(httpserver, settings, engine):
    httpserver.expect_request("/hook", method="POST").respond_with_data("thanks")
    _, secret = register(engine, settings, httpserver.url_for("/hook"), signing="standard")
    [user_id] = create_users(engine, 1)

    assert run_worker(settings) == 1
    [(request, _)] = _received(httpserver)
    event = Webhook(secret).verify(request.get_data(), dict(request.headers))
    assert event["type"] == "user.created"
    assert event["data"]["user"] == {"id": user_id}
    assert event["data"]["changes"]["after"]["given_name"] == "u0"
    assert request.headers["webhook-id"] == event["event_id"]
    assert secret not in request.get_data(as_text=True)
    tampered = request.get_data().replace(b"u0", b"u1")
    with pytest.raises(Exception):
        Webhook(secret).verify(tampered, dict(request.headers))
    with db.session_scope(engine) as s:
        [delivery] = s.exec(select(WebhookDelivery)).all()
        assert (delivery.status, delivery.attempt_count, delivery.last_status_code) == ("delivered", 1, 200)
        assert delivery.last_response == "thanks"


def test_jwt_delivery_verifies_with_the_published_jwks(httpserver, settings, engine):
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    register(engine, settings, httpserver.url_for("/hook"), signing="jwt")
    [user_id] = create_users(engine, 1)

    run_worker(settings)
    [(request, _)] = _received(httpserver)
    assert request.headers["content-type"] == "application/jwt"
    token = request.get_data(as_text=True)
    [key] = signing.webhook_jwks(settings)["keys"]
    assert jwt.get_unverified_header(token)["kid"] == key["kid"]
    claims = jwt.decode(token, jwt.PyJWK(key).key, algorithms=["RS256"], issuer=settings.public_url)
    assert claims["type"] == "user.created" and claims["data"]["user"]["id"] == user_id
    assert "sub" not in claims and "aud" not in claims
    other = jwt.PyJWK({**key, "n": key["n"][:-4] + "AAAA"}).key
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, other, algorithms=["RS256"])


def test_a_receiver_failing_three_times_gets_the_event_once_more_then_nothing(httpserver, settings, engine):
    statuses = [500, 503, 502, 200]

    def handler(request):
        return Response("busy" if statuses[0] != 200 else "done", status=statuses.pop(0) if statuses else 200)

    httpserver.expect_request("/hook", method="POST").respond_with_handler(handler)
    register(engine, settings, httpserver.url_for("/hook"))
    create_users(engine, 1)

    run_worker(settings)
    offset = timedelta(0)
    for attempt in range(1, 4):
        assert run_worker(settings) == 0, "not due before its retry time"
        offset += deliveries.RETRY_DELAYS[attempt - 1] * 1.1 + timedelta(seconds=1)
        with shifted(offset):
            assert run_worker(settings) == 1
    with shifted(offset + timedelta(days=3)):
        assert run_worker(settings) == 0
    event_ids = {json.loads(req.get_data())["event_id"] for req, _ in _received(httpserver)}
    assert len(_received(httpserver)) == 4 and len(event_ids) == 1
    with db.session_scope(engine) as s:
        [delivery] = s.exec(select(WebhookDelivery)).all()
        attempts = s.exec(select(WebhookAttempt).order_by(WebhookAttempt.id)).all()
    assert (delivery.status, delivery.attempt_count) == ("delivered", 4)
    assert [a.status_code for a in attempts] == [500, 503, 502, 200]
    assert attempts[0].response == "busy"


def test_a_failing_receiver_is_retried_for_more_than_a_day_then_given_up(httpserver, settings, engine):
    httpserver.expect_request("/hook", method="POST").respond_with_data("down", status=500)
    register(engine, settings, httpserver.url_for("/hook"))
    create_users(engine, 1)
    offset = timedelta(0)
    run_worker(settings)
    for delay in deliveries.RETRY_DELAYS:
        offset += delay * 1.1 + timedelta(seconds=1)
        with shifted(offset):
            assert run_worker(settings) == 1
    with db.session_scope(engine) as s:
        [delivery] = s.exec(select(WebhookDelivery)).all()
        first, last = s.exec(select(WebhookAttempt.attempted_on).order_by(WebhookAttempt.id)).all()[::7]
    assert delivery.status == "failed" and delivery.attempt_count == deliveries.MAX_ATTEMPTS
    assert last - first >= timedelta(hours=24)
    with shifted(offset + timedelta(days=7)):
        assert run_worker(settings) == 0


def test_a_rolled_back_change_sends_nothing_and_unsubscribed_types_are_not_queued(httpserver, settings, engine):
    httpserver.expect_request("/hook").respond_with_data("ok")
    register(engine, settings, httpserver.url_for("/hook"), event_types=["user.updated"])
    [user_id] = create_users(engine, 1)  # user.created: not subscribed
    with pytest.raises(RuntimeError):
        with db.session_scope(engine) as s:
            users.update_profile(s, actor=ACTOR, user_id=user_id, given_name="Rolled", family_name="Back")
            raise RuntimeError("the change fails after the audit event was written")
    with db.session_scope(engine) as s:
        assert s.exec(select(WebhookEvent)).all() == []
        users.update_profile(s, actor=ACTOR, user_id=user_id, given_name="Kept", family_name="Change")
    run_worker(settings)
    [(request, _)] = _received(httpserver)
    body = json.loads(request.get_data())
    assert body["type"] == "user.updated" and body["data"]["changes"]["after"]["given_name"] == "Kept"


def test_each_subscribed_endpoint_gets_its_own_delivery(httpserver, settings, engine):
    httpserver.expect_request("/a").respond_with_data("a")
    httpserver.expect_request("/b").respond_with_data("b")
    register(engine, settings, httpserver.url_for("/a"), name="A")
    register(engine, settings, httpserver.url_for("/b"), name="B", signing="jwt")
    create_users(engine, 2)
    run_worker(settings)
    paths = sorted(req.path for req, _ in _received(httpserver))
    assert paths == ["/a", "/a", "/b", "/b"]


def test_replay_resends_the_same_event_and_the_test_event_reaches_one_endpoint(httpserver, settings, engine):
    httpserver.expect_request("/hook").respond_with_data("ok")
    webhook_id, secret = register(engine, settings, httpserver.url_for("/hook"))
    create_users(engine, 1)
    run_worker(settings)
    with db.session_scope(engine) as s:
        [original] = s.exec(select(WebhookDelivery)).all()
        endpoints.replay_delivery(s, actor=ACTOR, webhook_id=webhook_id, delivery_id=original.id)
        endpoints.send_test(s, actor=ACTOR, webhook_id=webhook_id)
    run_worker(settings)
    bodies = [Webhook(secret).verify(req.get_data(), dict(req.headers)) for req, _ in _received(httpserver)]
    assert sorted(b["type"] for b in bodies) == ["user.created", "user.created", "webhook.test"]
    assert len({b["event_id"] for b in bodies if b["type"] == "user.created"}) == 1
    with db.session_scope(engine) as s:
        page = endpoints.list_deliveries(s, webhook_id=webhook_id)
    assert [d.status for d, _ in page.items] == ["delivered"] * 3
    assert sum(1 for d, _ in page.items if d.replay_of == original.id) == 1


def test_an_address_that_turns_private_is_refused_at_send_time(httpserver, env, engine):
    settings = env()
    httpserver.expect_request("/hook").respond_with_data("ok")
    register(engine, settings, httpserver.url_for("/hook"))
    create_users(engine, 1)
    strict = env(PORTAL_WEBHOOK_ALLOW_PRIVATE="0")
    run_worker(strict)
    assert _received(httpserver) == []
    with db.session_scope(engine) as s:
        [delivery] = s.exec(select(WebhookDelivery)).all()
    assert delivery.status == "pending" and delivery.attempt_count == 1
    assert "127.0.0.1" in delivery.last_error and "private" in delivery.last_error


def test_finished_deliveries_are_pruned_after_thirty_days_pending_ones_never(httpserver, settings, engine):
    httpserver.expect_request("/ok").respond_with_data("ok")
    httpserver.expect_request("/down").respond_with_data("down", status=500)
    register(engine, settings, httpserver.url_for("/ok"), name="ok")
    register(engine, settings, httpserver.url_for("/down"), name="down")
    create_users(engine, 2)
    run_worker(settings)
    with shifted(deliveries.KEEP_FOR + timedelta(days=1)):
        with db.session_scope(engine) as s:
            assert deliveries.prune(s, now=utcnow()) == 2
    with db.session_scope(engine) as s:
        left = s.exec(select(WebhookDelivery)).all()
        assert sorted(d.status for d in left) == ["pending", "pending"]
        assert {e.id for e in s.exec(select(WebhookEvent)).all()} == {d.event_id for d in left}
        assert {a.delivery_id for a in s.exec(select(WebhookAttempt)).all()} == {d.id for d in left}
