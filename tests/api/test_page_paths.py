"""portal_ui/api/page_paths.py: a page opened at its own path is served at once, not after a 307."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles
from starlette.testclient import TestClient

from portal_ui.api.page_paths import PagePaths, page_paths_transformer
from portal_ui.domain.sections import BY_KEY


@pytest.fixture
def build(tmp_path):
    """A production build's layout: each page is <path>/index.html."""
    for path in [section.path for section in BY_KEY.values()] + ["/session-ended"]:
        (tmp_path / path.strip("/")).mkdir(parents=True, exist_ok=True)
        (tmp_path / path.strip("/") / "index.html").write_text(f"<p>{path}</p>")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "index.html").write_text("<p>elsewhere</p>")
    return tmp_path


def test_without_it_the_static_files_redirect_first(build):
    """What the middleware saves: the static file server's extra hop."""
    resp = TestClient(StaticFiles(directory=build, html=True)).get("/profile", follow_redirects=False)
    assert resp.status_code == 307 and resp.headers["location"].endswith("/profile/")


def test_every_page_answers_at_its_own_path(build):
    client = TestClient(page_paths_transformer(StaticFiles(directory=build, html=True)))
    for path in [section.path for section in BY_KEY.values()] + ["/session-ended"]:
        resp = client.get(path, follow_redirects=False)
        assert resp.status_code == 200, path
        assert resp.text == f"<p>{path}</p>"
    assert client.head("/org/members", follow_redirects=False).status_code == 200
    assert client.get("/profile/", follow_redirects=False).text == "<p>/profile</p>"


def test_other_paths_and_methods_are_left_alone(build):
    site = Starlette(routes=[Mount("/", StaticFiles(directory=build, html=True))])
    client = TestClient(PagePaths(site, ["/profile"]))
    assert client.get("/elsewhere", follow_redirects=False).status_code == 307  # not one of the pages
    assert client.get("/profiles", follow_redirects=False).status_code == 404
    assert client.post("/profile", follow_redirects=False).status_code == 405  # StaticFiles' own answer
