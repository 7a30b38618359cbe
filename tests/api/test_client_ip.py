"""Which address a request comes from: the connection's, or X-Forwarded-For's behind a trusted proxy."""

import pytest
from starlette.requests import Request

from portal_ui.api.proxies import client_ip

PROXY = "10.0.0.5"


def request(peer: str | None, *forwarded: str) -> Request:
    headers = [(b"x-forwarded-for", value.encode("latin-1")) for value in forwarded]
    scope = {"type": "http", "method": "GET", "path": "/", "headers": headers,
             "client": (peer, 40000) if peer is not None else None}
    return Request(scope)


@pytest.fixture
def trusted(env):
    env(PORTAL_TRUSTED_PROXIES="10.0.0.0/8, fd00::/8")


def test_without_trusted_proxies_the_header_is_ignored(env):
    assert client_ip(request(PROXY, "198.51.100.7")) == PROXY
    assert client_ip(request(None, "198.51.100.7")) == "unknown"


def test_an_untrusted_peer_cannot_name_its_address(trusted):
    assert client_ip(request("192.0.2.1", "198.51.100.7")) == "192.0.2.1"


def test_a_trusted_peer_names_the_client(trusted):
    assert client_ip(request(PROXY, "198.51.100.7")) == "198.51.100.7"
    assert client_ip(request(PROXY)) == PROXY


def test_the_rightmost_untrusted_address_wins(trusted):
    """Addresses left of the first untrusted one were written by the client and are not believed."""
    assert client_ip(request(PROXY, "203.0.113.66, 198.51.100.7, 10.1.2.3")) == "198.51.100.7"
    assert client_ip(request(PROXY, "203.0.113.66", "198.51.100.7")) == "198.51.100.7"  # two header lines
    assert client_ip(request(PROXY, "10.9.9.9, 10.1.2.3")) == "10.9.9.9"  # only proxies: the farthest


def test_ipv6(trusted):
    assert client_ip(request("fd00::1", "2001:db8::7")) == "2001:db8::7"
    assert client_ip(request("::ffff:10.0.0.5", "198.51.100.7")) == "198.51.100.7"  # IPv4-mapped peer
    assert client_ip(request("2001:db8::9", "198.51.100.7")) == "2001:db8::9"


@pytest.mark.parametrize("forwarded", ["nonsense", "198.51.100.7:4711", "198.51.100.7, , 10.1.2.3", "", " , "])
def test_a_malformed_header_falls_back_to_the_peer(trusted, forwarded):
    assert client_ip(request(PROXY, forwarded)) == PROXY


def test_a_huge_header_is_read_from_the_right_only(trusted):
    assert client_ip(request(PROXY, "203.0.113.1, " * 20_000 + "198.51.100.7")) == "198.51.100.7"
    # more trusted hops than any real chain: not believed
    assert client_ip(request(PROXY, "198.51.100.7, " + "10.1.1.1, " * 100 + "10.1.1.1")) == PROXY


def test_audit_events_name_the_client_behind_a_trusted_proxy(trusted, demo, session, user_headers):
    from sqlmodel import select
    from starlette.testclient import TestClient

    from portal_ui.api.app import build_api
    from portal_ui.models import AuditEvent

    with TestClient(build_api(), base_url="http://portal.test", client=(PROXY, 40000)) as c:
        resp = c.get("/account_api/v1/portal_link", headers={**user_headers("kp_demo_bea"),
                                                             "X-Forwarded-For": "203.0.113.66, 198.51.100.7"})
    assert resp.status_code == 200
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "portal_link.created")).one()
    assert event.client_ip == "198.51.100.7"


def test_ipv6_clients_are_counted_per_64(trusted):
    """One IPv6 client usually holds a whole /64: counting each address apart would give it 2**64 allowances."""
    from portal_ui.api.throttle import address_key

    assert address_key(request("fd00::1", "2001:db8:1:2::7")) == address_key(request("fd00::1", "2001:db8:1:2::8")) \
        == "2001:db8:1:2::/64"
    assert address_key(request("fd00::1", "2001:db8:1:3::7")) != address_key(request("fd00::1", "2001:db8:1:2::7"))
    assert address_key(request(PROXY, "198.51.100.7")) == "198.51.100.7"
