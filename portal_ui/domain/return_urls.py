"""Where the portal may send a browser back to (README "How it works", "return_url").

A return URL must be an absolute http(s) URL whose origin is on the allow-list. Anything a browser
could read differently from Python's URL parser is refused outright rather than "cleaned":
backslashes, control characters, whitespace, user-info (`https://app.example@evil.example`),
scheme-relative (`//evil.example`) and non-http schemes (`javascript:`, `data:`).
"""

from __future__ import annotations

import re
from typing import Iterable
from urllib.parse import urlsplit

from portal_ui.domain.errors import InvalidInput, say
from portal_ui.settings import origin_of

URL_MAX = 2048
_FORBIDDEN = re.compile(r"[\x00-\x20\x7f\\]")  # control characters, space, DEL, backslash


def check_http_url(value: object, *, field: str = "return_url", max_length: int = URL_MAX) -> str:
    """`value` if it is an unambiguous absolute http(s) URL; InvalidInput otherwise."""
    if not isinstance(value, str):
        raise InvalidInput(say("urls.not_a_string", field=field), code="INVALID_RETURN_URL")
    if not value or len(value) > max_length:
        raise InvalidInput(say("urls.too_long", field=field, max=max_length),
                           code="INVALID_RETURN_URL")
    if _FORBIDDEN.search(value) or not value.isascii():
        raise InvalidInput(say("urls.bad_characters", field=field),
                           code="INVALID_RETURN_URL")
    try:
        parts = urlsplit(value)
        parts.port  # raises ValueError on a bad port
    except ValueError:
        raise InvalidInput(say("urls.invalid", field=field), code="INVALID_RETURN_URL") from None
    if parts.scheme not in ("http", "https") or not value.lower().startswith(parts.scheme + "://"):
        raise InvalidInput(say("urls.scheme", field=field), code="INVALID_RETURN_URL")
    if not parts.hostname or "@" in parts.netloc or parts.username is not None:
        raise InvalidInput(say("urls.host", field=field),
                           code="INVALID_RETURN_URL")
    return value


def check_origin(value: object, *, field: str = "allowed_return_origins") -> str:
    """The normalised origin (`scheme://host[:port]`) of an origin string; no path, query or fragment."""
    url = check_http_url(value, field=field, max_length=255)
    parts = urlsplit(url)
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise InvalidInput(f"{field}: {url!r} must be an origin such as https://app.example.com, without a path",
                           code="INVALID_ORIGIN")
    return origin_of(url)


def allowed_return_url(value: object, allowed_origins: Iterable[str], *, field: str = "return_url") -> str:
    """`value` if it is a safe absolute URL whose origin is on the allow-list; InvalidInput otherwise."""
    url = check_http_url(value, field=field)
    if origin_of(url) not in set(allowed_origins):
        raise InvalidInput(f"{field}: the origin {origin_of(url)} is not on the allowed return origins list",
                           code="INVALID_RETURN_URL")
    return url
