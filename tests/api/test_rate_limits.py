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
    import uuid

    from tests.conftest import REDIS_HOST, REDIS_PORT, require_service, run_coroutine

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

    assert run_coroutine(hits()) == ["ok", "ok", "ok", 429]


def test_limits_can_be_replaced_from_the_environment(env, demo, client, m2m_headers):
    """PORTAL_RATE_LIMITS replaces a bucket's limit (load tests, many users behind one proxy)."""
    env(PORTAL_RATE_LIMITS="link:client=2/minute")
    throttle.reset()
    headers = m2m_headers("create:portal_links")
    statuses = [client.post("/api/v1/portal/generate_url", json={"user_id": "kp_demo_bea"}, headers=headers).status_code
                for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert throttle.limit_for("link:ip") == throttle.LIMITS["link:ip"]


# --- who is counted: failures per client address, successes per user or M2M client --------------

ATTACKER, USER_IP, PROXY = "203.0.113.66", "198.51.100.7", "10.0.0.5"


@pytest.fixture
def client_at(settings):
    """`client_at(peer, forwarded=None)`: an API client whose connection comes from `peer`, optionally
    sending `X-Forwarded-For: forwarded` (as a reverse proxy would)."""
    from starlette.testclient import TestClient

    from portal_ui.api.app import build_api

    opened = []

    def make(peer: str, forwarded: str | None = None) -> TestClient:
        c = TestClient(build_api(), base_url="http://portal.test", raise_server_exceptions=False, client=(peer, 40000),
                       headers={"X-Forwarded-For": forwarded} if forwarded else None)
        opened.append(c.__enter__())
        return c

    yield make
    for c in opened:
        c.__exit__(None, None, None)


@pytest.fixture
def behind_proxy(env, tight_limits):
    env(PORTAL_TRUSTED_PROXIES="10.0.0.0/8")


@pytest.fixture
def m2m_app(engine):
    from sqlmodel import Session

    from portal_ui.domain.audit import Actor
    from portal_ui.domain.m2m import create_m2m_app

    with Session(engine) as s:
        creds = create_m2m_app(s, name="backend", scopes=["create:portal_links"], actor=Actor.system("test"))
        s.commit()
    return creds


def token_form(client_id, secret):
    return {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}


def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_bucket(demo, client_at, behind_proxy):
    attacker = client_at(PROXY, ATTACKER)
    assert [attacker.get("/portal_redirect?key=guess").status_code for _ in range(4)] == [410, 410, 410, 429]
    assert client_at(PROXY, USER_IP).get("/portal_redirect?key=guess").status_code == 410


def test_an_untrusted_peer_cannot_choose_its_bucket(demo, client_at, behind_proxy):
    statuses = [client_at("192.0.2.1", f"198.51.100.{i}").get("/portal_redirect?key=guess").status_code
                for i in range(4)]
    assert statuses == [410, 410, 410, 429]


def test_bad_secrets_naming_a_client_do_not_lock_it_out(demo, client_at, m2m_app, tight_limits):
    client_id, secret = m2m_app
    attacker = client_at(ATTACKER)
    statuses = [attacker.post("/oauth2/token", data=token_form(client_id, "wrong")).status_code for _ in range(5)]
    assert statuses == [401, 401, 401, 429, 429]
    for peer in (USER_IP, ATTACKER):  # another address, and even the attacker's own: the secret is what counts
        assert client_at(peer).post("/oauth2/token", data=token_form(client_id, secret)).status_code == 200, peer


def test_bad_secrets_from_behind_the_same_proxy_do_not_lock_a_client_out(demo, client_at, m2m_app, behind_proxy):
    client_id, secret = m2m_app
    attacker = client_at(PROXY, ATTACKER)
    assert [attacker.post("/oauth2/token", data=token_form(client_id, "x")).status_code for _ in range(4)][-1] == 429
    assert client_at(PROXY, USER_IP).post("/oauth2/token", data=token_form(client_id, secret)).status_code == 200


def test_tokens_issued_to_a_client_are_limited_per_client(demo, client_at, m2m_app, tight_limits):
    client_id, secret = m2m_app
    statuses = [client_at(f"198.51.100.{i}").post("/oauth2/token", data=token_form(client_id, secret)).status_code
                for i in range(4)]
    assert statuses == [200, 200, 200, 429]


def test_bad_keys_do_not_stop_valid_links(demo, client_at, behind_proxy):
    from portal_ui.cli import _make_link

    attacker = client_at(PROXY, ATTACKER)
    assert [attacker.get("/portal_redirect?key=guess").status_code for _ in range(5)][-2:] == [429, 429]
    for browser in (client_at(PROXY, USER_IP), attacker):  # another client behind the proxy, and the flooder
        link = _make_link("kp_demo_bea", None, None)
        assert browser.get(link, follow_redirects=False).status_code == 303


def test_redeeming_valid_links_is_not_limited_per_address(demo, client_at, tight_limits):
    """Everyone behind one address (an office, a proxy) may open their links: only failures count."""
    from portal_ui.cli import _make_link

    office = client_at(USER_IP)
    links = [_make_link(user, None, None) for user in ("kp_demo_bea", "kp_demo_vic", "kp_demo_bill", "kp_demo_olivia")]
    assert [office.get(link, follow_redirects=False).status_code for link in links] == [303] * 4


def test_bad_tokens_do_not_stop_a_user_from_making_links(demo, client_at, user_headers, tight_limits):
    attacker = client_at(ATTACKER)
    bad = {"Authorization": "Bearer not-a-token"}
    assert [attacker.get("/account_api/v1/portal_link", headers=bad).status_code for _ in range(4)] == \
        [403, 403, 403, 429]
    for peer in (USER_IP, ATTACKER):
        resp = client_at(peer).get("/account_api/v1/portal_link", headers=user_headers("kp_demo_bea"))
        assert resp.status_code == 200, peer


def test_bad_tokens_do_not_stop_a_client_from_making_links(demo, client_at, m2m_headers, tight_limits):
    attacker = client_at(ATTACKER)
    bad = {"Authorization": "Bearer not-a-token"}
    for path in ("/api/v1/portal/generate_url", "/api/v1/portal/preview_url"):
        assert [attacker.post(path, json={"user_id": "kp_demo_bea"}, headers=bad).status_code for _ in range(4)][-1] \
            == 429, path
    resp = client_at(ATTACKER).post("/api/v1/portal/generate_url", json={"user_id": "kp_demo_bea"},
                                    headers=m2m_headers("create:portal_links"))
    assert resp.status_code == 200
