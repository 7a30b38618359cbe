"""The client's address: the connection's peer, or what a trusted reverse proxy says in X-Forwarded-For.

Both servers the portal runs on (`portal_ui/serve.py`) hand the app the TCP peer as
`request.client`: Uvicorn with `proxy_headers=False`, Granian because it never rewrites the client
from headers. The portal reads `X-Forwarded-For` itself, and only when the peer is one of
`PORTAL_TRUSTED_PROXIES` (settings.py); from anyone else the header is ignored, so a client cannot
choose the address its rate limits and audit events are kept under.

Behind trusted proxies the header is read from the right: each proxy appends the address it got
the request from, so the rightmost address that is not itself a trusted proxy is the client
(everything left of it was written by the client and is not believed). Only the last
`MAX_FORWARDED_CHARS` characters and `MAX_HOPS` addresses are read; anything malformed there
falls back to the peer.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from starlette.requests import Request

from portal_ui.settings import get_settings

MAX_FORWARDED_CHARS = 4096
MAX_HOPS = 32

_Address = ipaddress.IPv4Address | ipaddress.IPv6Address
_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(trusted: tuple[str, ...]) -> tuple[_Network, ...]:
    return tuple(ipaddress.ip_network(item) for item in trusted)


def _address(text: str) -> _Address | None:
    try:
        address = ipaddress.ip_address(text.strip())
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped  # ::ffff:10.0.0.5 on a dual-stack socket is 10.0.0.5
    return address


def _is_trusted(address: _Address, networks: tuple[_Network, ...]) -> bool:
    return any(address in network for network in networks)


def _forwarded_client(header: str, networks: tuple[_Network, ...]) -> _Address | None:
    """The client named by an X-Forwarded-For value sent by a trusted proxy; None when it names none."""
    tail = header[-MAX_FORWARDED_CHARS:]
    if len(header) > MAX_FORWARDED_CHARS:
        tail = tail.partition(",")[2]  # the cut may fall inside the leftmost address: drop it
    hops = tail.rsplit(",", MAX_HOPS)  # at most MAX_HOPS + 1 parts, in one pass from the right
    farthest = None
    for index, part in enumerate(reversed(hops)):
        if index == MAX_HOPS:  # more proxies than any real chain has
            return None
        address = _address(part)
        if address is None:
            return None
        if not _is_trusted(address, networks):
            return address
        farthest = address
    return farthest  # every hop is a trusted proxy: the farthest one is the client


def client_ip(request: Request) -> str:
    """The address the request comes from, as text; "unknown" when the server gives none."""
    if request.client is None or not request.client.host:
        return "unknown"
    peer = request.client.host
    trusted = get_settings().trusted_proxies
    if not trusted:
        return peer
    networks = _networks(trusted)
    peer_address = _address(peer)
    if peer_address is None or not _is_trusted(peer_address, networks):
        return peer
    values = request.headers.getlist("x-forwarded-for")
    if not values:
        return peer
    client = _forwarded_client(",".join(values), networks)
    return str(client) if client is not None else peer
