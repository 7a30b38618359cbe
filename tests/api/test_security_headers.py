"""Security headers on every answer, with frame-ancestors from PORTAL_FRAME_ANCESTORS."""

from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from portal_ui.api.security_headers import SecurityHeaders, security_headers_transformer


def _app(**kwargs):
    async def page(_request):
        return PlainTextResponse("hi", headers={"Referrer-Policy": "same-origin"})
    return SecurityHeaders(Starlette(routes=[Route("/", page)]), **kwargs)


def test_headers_are_added_and_existing_ones_kept():
    resp = TestClient(_app()).get("/")
    assert resp.headers["x-content-type-options"] == "nosniff"
    assert resp.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in resp.headers["content-security-policy"]
    assert "object-src 'none'" in resp.headers["content-security-policy"]
    assert resp.headers["referrer-policy"] == "same-origin"  # the route's own choice wins


def test_frame_ancestors_come_from_the_environment(env):
    env(PORTAL_FRAME_ANCESTORS="https://app.example, https://admin.example:8443/")
    resp = TestClient(security_headers_transformer(_app().app)).get("/")
    csp = resp.headers["content-security-policy"]
    assert "frame-ancestors https://app.example https://admin.example:8443" in csp
    assert "x-frame-options" not in resp.headers


def test_api_routes_get_them_too(demo, client):
    from portal_ui.api.app import build_api
    resp = TestClient(SecurityHeaders(build_api()), base_url="http://portal.test").get("/portal_redirect?key=x")
    assert resp.status_code == 410 and resp.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" in resp.headers


def _directives(csp: str) -> dict[str, str]:
    return {part.split(" ", 1)[0]: part.split(" ", 1)[1] for part in csp.split("; ")}


STRIPE_KEYS = {"STRIPE_SECRET_KEY": "sk_test_x", "STRIPE_PUBLISHABLE_KEY": "pk_test_x",
               "STRIPE_WEBHOOK_SECRET": "whsec_x"}


def test_stripe_origins_only_in_stripe_mode(env):
    env(**STRIPE_KEYS)  # keys set, provider still the test one: nothing of Stripe's allowed
    plain = _directives(TestClient(security_headers_transformer(_app().app)).get("/").headers["content-security-policy"])
    assert "stripe" not in " ".join(plain.values()) and "frame-src" not in plain
    env(PORTAL_BILLING_PROVIDER="stripe", **STRIPE_KEYS)
    csp = _directives(TestClient(security_headers_transformer(_app().app)).get("/").headers["content-security-policy"])
    assert csp["script-src"] == "'self' 'unsafe-inline' 'unsafe-eval' https://js.stripe.com"
    assert csp["connect-src"] == "'self' https://api.stripe.com"
    assert csp["frame-src"] == "'self' https://js.stripe.com https://hooks.stripe.com"
    assert csp["default-src"] == "'self'" and csp["object-src"] == "'none'"


def test_a_stripe_fake_is_the_one_origin_allowed(env):
    from portal_ui.settings import get_settings

    env(PORTAL_BILLING_PROVIDER="stripe", STRIPE_API_BASE="http://127.0.0.1:8420/", **STRIPE_KEYS)
    assert get_settings().stripe_js_url == "http://127.0.0.1:8420/js.stripe.com/v3/"
    csp = _directives(TestClient(security_headers_transformer(_app().app)).get("/").headers["content-security-policy"])
    assert csp["script-src"].endswith("'unsafe-eval' http://127.0.0.1:8420")
    assert csp["connect-src"] == "'self' http://127.0.0.1:8420"
    assert "frame-src" not in csp and "stripe.com" not in " ".join(csp.values())
