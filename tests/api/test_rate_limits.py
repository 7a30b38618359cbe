"""Rate limits: link generation, redemption and the token endpoint answer 429 when hammered."""

import pytest

from portal_ui.api import throttle


@pytest.fixture
def tight_limits(monkeypatch):
    for bucket in throttle.LIMITS:
        monkeypatch.setitem(throttle.LIMITS, bucket, "3/minute")
    throttle.reset()


def test_link_generation_is_limited_per_user(demo, client, user_headers, tight_limits):
    statuses = [client.get("/account_api/v1/portal_link", headers=user_headers("kp_demo_bea")).status_code
                for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    resp = client.get("/account_api/v1/portal_link", headers=user_headers("kp_demo_bea"))
    assert resp.json()["errors"][0]["code"] == "TOO_MANY_REQUESTS"
    assert int(resp.headers["retry-after"]) > 0


def test_generate_url_is_limited_per_client(demo, client, m2m_headers, tight_limits):
    headers = m2m_headers("create:portal_links")
    statuses = [client.post("/api/v1/portal/generate_url", json={"user_id": "kp_demo_bea"}, headers=headers).status_code
                for _ in range(4)]
    assert statuses[-1] == 429 and statuses[:3] == [200, 200, 200]


def test_redemption_is_limited_per_client_ip(demo, client, tight_limits):
    statuses = [client.get("/portal_redirect?key=guess").status_code for _ in range(4)]
    assert statuses == [410, 410, 410, 429]
    assert "Too many attempts" in client.get("/portal_redirect?key=guess").text


def test_token_endpoint_is_limited(demo, client, tight_limits):
    body = {"grant_type": "client_credentials", "client_id": "m2m_x", "client_secret": "wrong"}
    statuses = [client.post("/oauth2/token", data=body).status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 429]


@pytest.mark.redis
def test_counters_are_shared_through_redis(env, tight_limits):
    """With REFLEX_REDIS_URL every worker counts against the same limit."""
    import asyncio
    import uuid
    from concurrent.futures import ThreadPoolExecutor

    from tests.conftest import REDIS_HOST, REDIS_PORT, require_service

    require_service("Redis", REDIS_HOST, REDIS_PORT)
    env(REFLEX_REDIS_URL=f"redis://{REDIS_HOST}:{REDIS_PORT}/0")
    key = f"test-{uuid.uuid4().hex}"

    async def hits():
        results = []
        for _ in range(4):
            throttle.reset()  # a fresh limiter each time, as another worker process would have
            try:
                await throttle.throttle("link:user", key)
                results.append("ok")
            except Exception as exc:  # ApiError 429
                results.append(getattr(exc, "status", exc))
        return results

    # A thread of its own: a browser test earlier in the run may leave an event loop running here.
    with ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(asyncio.run, hits()).result() == ["ok", "ok", "ok", 429]


def test_limits_can_be_replaced_from_the_environment(env, demo, client, m2m_headers):
    """PORTAL_RATE_LIMITS replaces a bucket's limit (load tests, many users behind one proxy)."""
    env(PORTAL_RATE_LIMITS="link:client=2/minute")
    throttle.reset()
    headers = m2m_headers("create:portal_links")
    statuses = [client.post("/api/v1/portal/generate_url", json={"user_id": "kp_demo_bea"}, headers=headers).status_code
                for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert throttle.limit_for("link:ip") == throttle.LIMITS["link:ip"]
