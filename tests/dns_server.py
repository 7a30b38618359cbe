"""A small DNS server for tests (dnslib), on 127.0.0.1 at a free UDP port, answering the TXT records
a test sets. Nothing leaves the machine: domain verification is tested against it only.

`set_txt(name, *values)` publishes TXT values at a name; `fail(name)` makes the server answer
SERVFAIL for it, `silence(name)` makes it answer nothing (the client times out). Other names get
NXDOMAIN. Thread-safe: the server answers from its own thread, and tests may live in another process
(the browser tests' portal asks it over UDP).
"""

from __future__ import annotations

import threading
from typing import Iterator

from dnslib import QTYPE, RCODE, RR, TXT, DNSError
from dnslib.server import DNSServer


class _Quiet:
    """A dnslib logger that logs nothing."""

    def __getattr__(self, _name):
        return lambda *args, **kwargs: None


class TxtRecords:
    """The records the server answers with (a dnslib resolver)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._txt: dict[str, list[str]] = {}
        self._failing: set[str] = set()
        self._silent: set[str] = set()
        self.queries: list[str] = []

    @staticmethod
    def _key(name: str) -> str:
        return name.lower().rstrip(".")

    def set_txt(self, name: str, *values: str) -> None:
        with self._lock:
            self._txt[self._key(name)] = list(values)

    def fail(self, name: str) -> None:
        with self._lock:
            self._failing.add(self._key(name))

    def silence(self, name: str) -> None:
        with self._lock:
            self._silent.add(self._key(name))

    def clear(self) -> None:
        with self._lock:
            self._txt.clear(), self._failing.clear(), self._silent.clear(), self.queries.clear()

    def resolve(self, request, _handler):
        name = self._key(str(request.q.qname))
        with self._lock:
            self.queries.append(name)
            values, failing, silent = self._txt.get(name), name in self._failing, name in self._silent
        if silent:
            raise DNSError("silenced by the test")  # dnslib then sends no answer
        reply = request.reply()
        if failing:
            reply.header.rcode = RCODE.SERVFAIL
        elif values is None:
            reply.header.rcode = RCODE.NXDOMAIN
        elif request.q.qtype == QTYPE.TXT:
            for value in values:  # one record per value, in strings of at most 255 bytes
                data = value.encode()
                chunks = [data[i:i + 255] for i in range(0, len(data), 255)] or [b""]
                reply.add_answer(RR(request.q.qname, QTYPE.TXT, rdata=TXT(chunks), ttl=1))
        return reply


def serve_dns() -> Iterator[tuple[TxtRecords, tuple[str, int]]]:
    """Run the server; yields (records, (address, port)) and stops it afterwards."""
    records = TxtRecords()
    server = DNSServer(records, address="127.0.0.1", port=0, logger=_Quiet())
    server.start_thread()
    try:
        yield records, server.server.server_address[:2]
    finally:
        server.stop()
        server.server.server_close()
