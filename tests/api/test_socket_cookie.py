"""What the websocket's request looks like once it reaches Reflex (portal_ui.session_cookie.SocketCookie).

Reflex copies the websocket's headers into every tab's state, which it writes to disk or Redis.
So the Cookie header must arrive holding only the session token's SHA-256 (found with the same
parser as every route, also behind another app's malformed cookie), and no other credential.
"""

from __future__ import annotations

import hashlib

import pytest

from portal_ui.domain.sessions import TokenHash
from portal_ui.session_cookie import SocketCookie, socket_session
from tests.conftest import run_coroutine

TOKEN = "tok_" + "A" * 40
DIGEST = hashlib.sha256(TOKEN.encode()).hexdigest()


def seen_by_reflex(headers: list[tuple[bytes, bytes]], scope_type: str = "websocket") -> list[tuple[bytes, bytes]]:
    seen = {}

    async def inner(scope, receive, send):
        seen["headers"] = scope["headers"]

    run_coroutine(SocketCookie(inner)({"type": scope_type, "path": "/_event/", "headers": headers}, None, None))
    return seen["headers"]


def cookie_of(headers) -> str | None:
    values = [value.decode() for name, value in headers if name == b"cookie"]
    assert len(values) <= 1
    return values[0] if values else None


@pytest.mark.parametrize("cookie", [
    f"portal_session={TOKEN}",
    f"x=a b; portal_session={TOKEN}",
    f'y="unterminated; other_app=s3cret; portal_session={TOKEN}',
])
def test_the_cookie_becomes_the_tokens_hash(settings, cookie):
    headers = seen_by_reflex([(b"host", b"portal.test"), (b"cookie", cookie.encode()), (b"origin", b"http://portal.test")])
    assert cookie_of(headers) == f"portal_session_sha256={DIGEST}"
    assert (b"host", b"portal.test") in headers and (b"origin", b"http://portal.test") in headers
    assert socket_session(cookie_of(headers)) == TokenHash(DIGEST)
    assert TOKEN not in str(headers) and "s3cret" not in str(headers)


def test_cookies_split_over_several_headers_are_read_together(settings):
    headers = seen_by_reflex([(b"cookie", b"a=1"), (b"cookie", f"portal_session={TOKEN}".encode())])
    assert cookie_of(headers) == f"portal_session_sha256={DIGEST}"


def test_over_https_only_the_host_prefixed_cookie_counts(env):
    env(PORTAL_PUBLIC_URL="https://portal.test")
    assert cookie_of(seen_by_reflex([(b"cookie", f"portal_session={TOKEN}".encode())])) is None
    headers = seen_by_reflex([(b"cookie", f"__Host-portal_session={TOKEN}".encode())])
    assert cookie_of(headers) == f"portal_session_sha256={DIGEST}"


def test_other_credentials_go_and_a_forged_hash_is_not_believed(settings):
    headers = seen_by_reflex([(b"cookie", f"portal_session_sha256={DIGEST}".encode()),
                              (b"authorization", b"Bearer abc"), (b"x-amzn-oidc-data", b"jwt"),
                              (b"user-agent", b"Chromium")])
    assert headers == [(b"user-agent", b"Chromium")]


def test_http_requests_are_left_alone(settings):
    headers = [(b"cookie", f"portal_session={TOKEN}".encode())]
    assert seen_by_reflex(headers, "http") == headers


@pytest.mark.parametrize("value", ["", "portal_session_sha256=xyz", f"portal_session_sha256={DIGEST.upper()}",
                                   f"portal_session={TOKEN}"])
def test_anything_else_names_no_session(value):
    assert socket_session(value) is None
