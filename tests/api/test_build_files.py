"""portal_ui/api/build_files.py: the build's pages and files as they were when the portal started,
even while another start rebuilds the checkout's `.web/`."""

from __future__ import annotations

import gzip
import shutil

import pytest
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from portal_ui.api.build_assets import BuildAssets
from portal_ui.api.build_files import BuildFiles, snapshot

PAGE = b"<!doctype html><title>Profile</title>" + b"<p>profile</p>" * 40


@pytest.fixture
def build(tmp_path):
    client = tmp_path / "client"
    (client / "profile").mkdir(parents=True)
    (client / "profile" / "index.html").write_bytes(PAGE)
    (client / "profile" / "index.html.gz").write_bytes(gzip.compress(PAGE))
    (client / "index.html").write_bytes(b"<!doctype html><title>Home</title>")
    (client / "portal.css").write_bytes(b"body{margin:0}")
    (client / "assets").mkdir()
    (client / "assets" / "entry-AbC123.js").write_bytes(b"console.log(1)")
    (client / ".portal_inputs").write_text("digest")
    return client


def _app(directory):
    async def fallback(request):
        return PlainTextResponse(f"fallback {request.url.path}", status_code=404)

    inner = Starlette(routes=[Route("/{path:path}", fallback, methods=["GET", "HEAD", "POST"])])
    return BuildAssets(BuildFiles(inner, directory), directory / "assets")


def test_pages_and_files_still_load_while_the_build_is_made_again(build):
    client = TestClient(_app(build))
    shutil.rmtree(build)  # another portal's start deletes .web/build/ and builds it anew
    page = client.get("/profile/", headers={"Accept-Encoding": "gzip"})
    assert page.status_code == 200 and page.content == PAGE and page.headers["content-encoding"] == "gzip"
    assert page.headers["content-type"] == "text/html; charset=utf-8" and page.headers["cache-control"] == "no-cache"
    assert client.get("/").text == "<!doctype html><title>Home</title>"
    assert client.get("/portal.css").text == "body{margin:0}"
    assert client.get("/assets/entry-AbC123.js").text == "console.log(1)"  # the assets were read at the start too


def test_revalidation_head_and_what_goes_on_to_the_static_files(build):
    client = TestClient(_app(build))
    first = client.get("/profile/", headers={"Accept-Encoding": "identity"})
    again = client.get("/profile/", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    head = client.head("/profile/", headers={"Accept-Encoding": "identity"})
    assert head.status_code == 200 and head.content == b"" and head.headers["content-length"] == str(len(PAGE))
    for path in ("/profile/index.html", "/nowhere/", "/.portal_inputs", "/profile/index.html.gz"):
        assert client.get(path).text == f"fallback {path}", path
    assert client.get("/profile/", headers={"Range": "bytes=0-9"}).text == "fallback /profile/"
    assert client.post("/profile/").text == "fallback /profile/"


def test_without_a_build_everything_goes_on(tmp_path):
    assert snapshot(tmp_path / "no-build") == {}
    assert TestClient(_app(tmp_path / "no-build")).get("/profile/").text == "fallback /profile/"


def test_the_files_kept_stop_at_the_limit(build):
    assert set(snapshot(build)) == {"/", "/portal.css", "/profile/"}
    assert set(snapshot(build, limit=len(PAGE))) < {"/", "/portal.css", "/profile/"}
