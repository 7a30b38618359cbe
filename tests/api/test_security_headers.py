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
