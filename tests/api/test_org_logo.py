"""The organization logo route (GET /org-logo/...) and the size limit on Reflex's upload route."""

from __future__ import annotations

import io
from urllib.parse import urlsplit

import pytest
from PIL import Image
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from portal_ui.api.upload_limit import MAX_UPLOAD_BYTES, UploadSizeLimit
from portal_ui.db import session_scope
from portal_ui.demo.personas import DEMO_ORG_CODE
from portal_ui.domain.audit import Actor
from portal_ui.domain.links import create_link
from portal_ui.domain.logos import current_logo_path, set_logo
from portal_ui.domain.organizations import create_organization

SVG = b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 4 4"><rect width="4" height="4" fill="#e11"/></svg>'


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(out, format="PNG")
    return out.getvalue()


def store_logo(org_code: str, data: bytes) -> str:
    with session_scope() as db:
        set_logo(db, actor=Actor.system("test"), org_code=org_code, data=data)
    with session_scope() as db:
        return current_logo_path(db, org_code)


def sign_in(client: TestClient, settings, user: str, org: str | None) -> None:
    """Redeem a fresh link, so the client holds that user's session cookie."""
    with session_scope() as db:
        url = create_link(db, settings, user_id=user, org_code=org, actor=Actor.system("test"))
    assert client.get("/portal_redirect?" + urlsplit(url).query, follow_redirects=False).status_code == 303


def test_a_session_in_the_organization_gets_the_logo_with_safe_headers(demo, client):
    path = store_logo(DEMO_ORG_CODE, png())
    sign_in(client, demo, "kp_demo_vic", DEMO_ORG_CODE)  # read-only on details: still sees the header's logo
    response = client.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/png"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["cache-control"] == "private, max-age=31536000, immutable"
    assert response.headers["content-security-policy"] == "default-src 'none'"
    assert response.headers["cross-origin-resource-policy"] == "same-origin"
    assert Image.open(io.BytesIO(response.content)).size == (8, 8)


def test_svg_is_served_with_a_csp_and_never_as_a_page(demo, client):
    path = store_logo(DEMO_ORG_CODE, SVG)
    sign_in(client, demo, "kp_demo_olivia", DEMO_ORG_CODE)
    response = client.get(path)
    assert response.status_code == 200 and response.headers["content-type"] == "image/svg+xml"
    assert response.headers["content-security-policy"] == "default-src 'none'; style-src 'unsafe-inline'"
    assert response.headers["content-disposition"].startswith("attachment")
    assert response.content.startswith(b"<svg")


def test_no_session_or_another_organization_gets_the_same_404(demo, client):
    path = store_logo(DEMO_ORG_CODE, png())
    assert client.get(path).status_code == 404  # no cookie
    sign_in(client, demo, "kp_demo_bea", None)  # a session without an organization
    assert client.get(path).status_code == 404
    with session_scope() as db:
        create_organization(db, actor=Actor.system(), name="Other", code="org_other", creator_user_id="kp_demo_bea")
    other = store_logo("org_other", png())
    sign_in(client, demo, "kp_demo_olivia", DEMO_ORG_CODE)
    response = client.get(other)
    assert response.status_code == 404 and response.headers["cache-control"] == "no-store"
    assert client.get(path).status_code == 200


@pytest.mark.parametrize("suffix", ["0" * 32 + ".png", "x.png", "%00.png", "a" * 200])
def test_a_wrong_or_old_name_is_a_404(demo, client, suffix):
    path = store_logo(DEMO_ORG_CODE, png())
    sign_in(client, demo, "kp_demo_olivia", DEMO_ORG_CODE)
    assert client.get(f"/org-logo/{DEMO_ORG_CODE}/{suffix}").status_code == 404
    assert client.get(path.replace(".png", ".svg")).status_code == 404
    store_logo(DEMO_ORG_CODE, SVG)
    assert client.get(path).status_code == 404  # replaced: the old URL names nothing


# ---- the upload size limit -------------------------------------------------------------------

async def _echo(request: Request) -> JSONResponse:
    return JSONResponse({"bytes": len(await request.body())})


def _limited(max_bytes: int = 100) -> TestClient:
    app = Starlette(routes=[Route("/_upload", _echo, methods=["POST"]), Route("/other", _echo, methods=["POST"])])
    return TestClient(UploadSizeLimit(app, max_bytes=max_bytes))


def test_uploads_up_to_the_limit_pass():
    assert _limited().post("/_upload", content=b"x" * 100).json() == {"bytes": 100}


def test_a_longer_upload_is_refused_before_it_is_read():
    response = _limited().post("/_upload", content=b"x" * 101)
    assert response.status_code == 413


def test_an_upload_without_a_length_is_refused():
    def chunks():
        yield b"x" * 10

    assert _limited().post("/_upload", content=chunks()).status_code == 411


def test_other_routes_are_not_limited():
    assert _limited().post("/other", content=b"x" * 1000).json() == {"bytes": 1000}


def test_the_api_app_limits_reflex_uploads(client):
    assert MAX_UPLOAD_BYTES >= 512 * 1024 + 16 * 1024  # room for the logo and the multipart wrapping
    response = client.post("/_upload", content=b"x" * (MAX_UPLOAD_BYTES + 1))
    assert response.status_code == 413
