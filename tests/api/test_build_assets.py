"""portal_ui/api/build_assets.py: hashed build files from memory, cached for good; the rest untouched."""

from __future__ import annotations

import gzip
import tracemalloc

import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from portal_ui.api.build_assets import IMMUTABLE, BuildAssets
from tests.conftest import run_coroutine

SCRIPT = b"console.log('entry');" * 50


@pytest.fixture
def assets(tmp_path):
    (tmp_path / "entry-AbC123.js").write_bytes(SCRIPT)
    (tmp_path / "entry-AbC123.js.gz").write_bytes(gzip.compress(SCRIPT))
    (tmp_path / "styles-XyZ.css").write_bytes(b"body{margin:0}")
    (tmp_path.parent / "secret.txt").write_text("not an asset")
    return tmp_path


def _client(directory) -> TestClient:
    async def fallback(request):
        return PlainTextResponse(f"fallback {request.url.path}", status_code=404)

    app = Starlette(routes=[Route("/{path:path}", fallback, methods=["GET", "HEAD", "POST"])])
    return TestClient(BuildAssets(app, directory))


def test_a_build_file_is_served_gzipped_and_cached_for_good(assets):
    client = _client(assets)
    resp = client.get("/assets/entry-AbC123.js", headers={"Accept-Encoding": "gzip, deflate"})
    assert resp.status_code == 200
    assert resp.headers["content-encoding"] == "gzip"
    assert resp.content == SCRIPT  # httpx undoes the gzip: the body is the file
    assert resp.headers["cache-control"] == IMMUTABLE.decode()
    assert resp.headers["content-type"].startswith(("text/javascript", "application/javascript"))
    assert int(resp.headers["content-length"]) < len(SCRIPT)


def test_without_gzip_the_plain_file_and_etag_revalidation(assets):
    client = _client(assets)
    resp = client.get("/assets/styles-XyZ.css", headers={"Accept-Encoding": "identity"})
    assert resp.content == b"body{margin:0}" and "content-encoding" not in resp.headers
    assert resp.headers["content-type"] == "text/css; charset=utf-8"
    again = client.get("/assets/styles-XyZ.css", headers={"If-None-Match": resp.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    refused = client.get("/assets/entry-AbC123.js", headers={"Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in refused.headers and refused.content == SCRIPT
    head = client.head("/assets/entry-AbC123.js", headers={"Accept-Encoding": "identity"})
    assert head.status_code == 200 and head.content == b"" and head.headers["content-length"] == str(len(SCRIPT))


@pytest.mark.parametrize("path", ["/assets/missing-1.js", "/assets/../secret.txt", "/assets/%2e%2e/secret.txt",
                                  "/assets/sub/entry-AbC123.js", "/assets/.hidden", "/assets/", "/other/entry-AbC123.js"])
def test_anything_else_goes_on_unchanged(assets, path):
    resp = _client(assets).get(path)
    assert resp.status_code == 404 and resp.text.startswith("fallback")


def test_range_requests_and_other_methods_go_on(assets):
    client = _client(assets)
    assert client.get("/assets/entry-AbC123.js", headers={"Range": "bytes=0-3"}).text.startswith("fallback")
    assert client.post("/assets/entry-AbC123.js").text.startswith("fallback")


def test_a_file_missing_at_first_is_served_once_it_exists(assets):
    client = _client(assets)
    assert client.get("/assets/late-1.js").text.startswith("fallback")
    (assets / "late-1.js").write_bytes(b"late")
    assert client.get("/assets/late-1.js").content == b"late"


def test_requests_for_missing_files_leave_nothing_behind(assets):
    """Thousands of long, distinct missing names: each still goes on to a 404, and memory stays flat."""
    async def not_found(scope, receive, send):
        await send({"type": "http.response.start", "status": 404, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    middleware = BuildAssets(not_found, assets)

    async def ask(path: str) -> int:
        sent = []

        async def send(message):
            sent.append(message)

        scope = {"type": "http", "method": "GET", "path": path, "headers": []}
        await middleware(scope, None, send)
        return sent[0]["status"]

    async def ask_many() -> list[int]:
        return [await ask(f"/assets/{i}-{'x' * 8000}.js") for i in range(2000)]

    run_coroutine(ask("/assets/entry-AbC123.js"))  # what a hit keeps is not the point here
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        statuses = run_coroutine(ask_many())
        kept = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert set(statuses) == {404}
    assert kept < 1_000_000, f"{kept} bytes kept after 2,000 missing names of 8 KB"
