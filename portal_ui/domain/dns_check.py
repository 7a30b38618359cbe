"""One DNS question: the TXT strings at a name, asked with dnspython.

The server asked is PORTAL_DNS_RESOLVER's (`host:port`) when given, else the system's resolver
configuration. Every query has a short overall deadline (TIMEOUT_SECONDS), so a dead resolver holds
a request for a few seconds at most. Answers are bounded by the DNS message size; at most
MAX_RECORDS records are read.
"""

from __future__ import annotations

import dns.exception
import dns.name
import dns.resolver

TIMEOUT_SECONDS = 3.0
MAX_RECORDS = 50


class DnsLookupFailed(Exception):
    """DNS could not answer (timeout, server failure, no resolver configured); `reason` says which."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _resolver(resolver: tuple[str, int] | None, timeout: float) -> dns.resolver.Resolver:
    try:
        made = dns.resolver.Resolver(configure=resolver is None)
    except dns.resolver.NoResolverConfiguration:
        raise DnsLookupFailed("no DNS resolver is configured on this system") from None
    if resolver is not None:
        made.nameservers = [resolver[0]]
        made.port = resolver[1]
    made.timeout = made.lifetime = timeout
    made.cache = None
    return made


def txt_values(name: str, *, resolver: tuple[str, int] | None = None, timeout: float = TIMEOUT_SECONDS) -> list[str]:
    """The TXT records at `name` (an absolute domain name), each record's strings joined; [] when the
    name or the record does not exist. Raises DnsLookupFailed when DNS gives no answer."""
    asker = _resolver(resolver, timeout)
    try:
        answer = asker.resolve(dns.name.from_text(name), "TXT", raise_on_no_answer=False, search=False)
    except dns.resolver.NXDOMAIN:
        return []
    except dns.resolver.LifetimeTimeout:
        raise DnsLookupFailed("the DNS server did not answer in time") from None
    except dns.resolver.NoNameservers:
        raise DnsLookupFailed("the DNS server could not answer (SERVFAIL or refused)") from None
    except dns.exception.DNSException as exc:
        raise DnsLookupFailed(f"DNS error: {type(exc).__name__}") from None
    values = []
    for record in list(answer.rrset or [])[:MAX_RECORDS]:
        values.append(b"".join(record.strings).decode("utf-8", errors="replace"))
    return values
