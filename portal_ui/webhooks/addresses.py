"""Where webhooks may go: absolute http(s) URLs whose host resolves only to public addresses.

Loopback, private, link-local (cloud metadata at 169.254.169.254), shared, reserved, multicast and
unspecified addresses are refused, IPv4-mapped IPv6 included, unless PORTAL_WEBHOOK_ALLOW_PRIVATE is
on. The URL is checked when an endpoint is saved and again before every attempt, and the request
goes to the very address that was checked (`Target`), so a name that resolves elsewhere later
(DNS rebinding) cannot reach an internal service.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from portal_ui.domain.errors import InvalidInput

URL_MAX = 2048


class AddressRefused(InvalidInput):
    """The endpoint URL may not receive webhooks; the message says why."""


@dataclass(frozen=True)
class Target:
    """A checked URL and the address to connect to."""

    url: str
    scheme: str
    host: str  # as written in the URL (for Host and TLS server name)
    port: int
    addresses: tuple[str, ...]  # the checked IP addresses, in the resolver's order


def _refuse(message: str) -> AddressRefused:
    return AddressRefused(f"endpoint: {message}", code="INVALID_WEBHOOK_ENDPOINT")


def parse(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an absolute http(s) URL without credentials; AddressRefused otherwise."""
    if not isinstance(url, str) or not url or len(url) > URL_MAX:
        raise _refuse(f"give an absolute http(s) URL of at most {URL_MAX} characters")
    if any(ord(c) < 33 or ord(c) == 127 for c in url):
        raise _refuse("the URL must not contain spaces or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise _refuse("not a valid URL") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise _refuse("only http and https URLs can receive webhooks")
    if not parts.hostname:
        raise _refuse("the URL names no host")
    if parts.username is not None or parts.password is not None:
        raise _refuse("leave credentials out of the URL; verify the signature instead")
    if parts.fragment:
        raise _refuse("a URL with a #fragment cannot receive webhooks")
    return scheme, parts.hostname, port or (443 if scheme == "https" else 80)


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def _check(host: str, addresses: list[str], allow_private: bool) -> tuple[str, ...]:
    if not addresses:
        raise _refuse(f"{host[:64]} does not resolve to an address")
    if not allow_private:
        for address in addresses:
            if not is_public(address):
                raise _refuse(f"{host[:64]} resolves to {address}, a loopback, private or reserved address; "
                              "webhooks go only to public addresses (PORTAL_WEBHOOK_ALLOW_PRIVATE=1 allows others)")
    return tuple(addresses)


def _addresses(infos) -> list[str]:
    return list(dict.fromkeys(info[4][0] for info in infos))


def check(url: str, *, allow_private: bool) -> Target:
    """Check `url` now, resolving its host (blocking: call from a worker thread)."""
    scheme, host, port = parse(url)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise _refuse(f"{host[:64]} cannot be resolved") from None
    return Target(url, scheme, host, port, _check(host, _addresses(infos), allow_private))


async def check_async(url: str, *, allow_private: bool) -> Target:
    """`check` on the event loop's resolver."""
    scheme, host, port = parse(url)
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise _refuse(f"{host[:64]} cannot be resolved") from None
    return Target(url, scheme, host, port, _check(host, _addresses(infos), allow_private))
