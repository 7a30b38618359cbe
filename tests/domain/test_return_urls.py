"""Return URLs: only unambiguous absolute http(s) URLs on the allow-list get through."""

import pytest

from portal_ui.domain.errors import InvalidInput
from portal_ui.domain.return_urls import allowed_return_url, check_origin

ALLOWED = {"https://app.example", "http://localhost:8080"}

HOSTILE = [
    "javascript:alert(1)",
    "JavaScript:alert(1)",
    "data:text/html,<script>alert(1)</script>",
    "//evil.example/path",
    "https://app.example@evil.example/",
    "https://evil.example\\@app.example/",
    "https:\\\\evil.example",
    "https://app.example\x00.evil.example/",
    "https://app.example/\r\nSet-Cookie: x=1",
    "https://app.example/ path",
    "https://evil.example/https://app.example",
    "https://app.example.evil.example/",
    "http://app.example/",  # scheme differs from the allowed origin
    "https://app.example:8443/",
    "ftp://app.example/",
    "https:app.example",
    "https:///app.example",
    "https://app.exаmple/",  # Cyrillic a
    "",
    "https://app.example:99999/",
    "x" * 3000,
]


@pytest.mark.parametrize("url", HOSTILE)
def test_hostile_return_urls_are_refused(url):
    with pytest.raises(InvalidInput) as err:
        allowed_return_url(url, ALLOWED)
    assert err.value.message.startswith("return_url:")


@pytest.mark.parametrize("value", [None, 42, ["https://app.example"], {"url": "x"}])
def test_non_strings_are_refused(value):
    with pytest.raises(InvalidInput):
        allowed_return_url(value, ALLOWED)


@pytest.mark.parametrize("url", [
    "https://app.example/account",
    "https://APP.example/account?tab=billing#top",
    "https://app.example:443/x",
    "http://localhost:8080/settings",
])
def test_allowed_urls_pass_unchanged(url):
    assert allowed_return_url(url, ALLOWED) == url


def test_origins_are_normalised_and_must_not_have_a_path():
    assert check_origin("https://App.Example:443") == "https://app.example"
    assert check_origin("http://localhost:8080/") == "http://localhost:8080"
    with pytest.raises(InvalidInput):
        check_origin("https://app.example/account")
