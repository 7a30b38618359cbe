"""A minimal socket.io client that talks to the Reflex backend the way a browser tab does.

python-socketio's own client needs the websocket-client package for the websocket transport
(the only one Reflex serves), which the project does not install; so this one frames
python-socketio's and python-engineio's packets over a small wsproto websocket (both installed
with Reflex). It exists to show that handlers refuse what a session may not do, whatever a
client sends.
"""

from __future__ import annotations

import json
import socket
import time
import uuid
from collections import deque
from urllib.parse import urlsplit

from engineio import packet as eio
from socketio import packet as sio
from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, CloseConnection, Message, Ping, RejectConnection, Request, TextMessage


ROOT_STATE = "reflex___state____state"  # rx.State.get_full_name()
# The end marker: Reflex's root-state setter for `is_hydrated`, set True then False. Only the
# marker's answer is a delta of exactly `is_hydrated: false` (a hydrate sends the whole state);
# `is_hydrated: true` alone is the marker's first half or the end of a page's on_load.
MARKER = f"{ROOT_STATE}.set_is_hydrated"


def _hydrated_flag(update: dict) -> bool | None:
    """The value of a delta that sets nothing but `is_hydrated`, else None."""
    delta = update.get("delta") if isinstance(update, dict) else None
    if isinstance(delta, dict) and list(delta) == [ROOT_STATE] and list(delta[ROOT_STATE]) == ["is_hydrated_rx_state_"]:
        return bool(delta[ROOT_STATE]["is_hydrated_rx_state_"])
    return None


class _Packet(sio.Packet):
    """socket.io packets encoded with the standard json module, as a browser's JSON.stringify would:
    non-ASCII escaped, so even a lone surrogate travels (importing the Reflex app swaps in an encoder
    that cannot send one)."""

    json = json


class _WebSocket:
    """A blocking websocket client over wsproto: text frames in, text frames out."""

    def __init__(self, host: str, port: int, target: str, headers: dict[str, str]):
        self.sock = socket.create_connection((host, port), timeout=10)
        self.conn = WSConnection(ConnectionType.CLIENT)
        self.inbox: deque[str] = deque()
        self._parts: list[str] = []
        self.open = False
        self.sock.sendall(self.conn.send(Request(
            host=f"{host}:{port}", target=target,
            extra_headers=[(k.lower().encode(), v.encode()) for k, v in headers.items()])))
        deadline = time.monotonic() + 10
        while not self.open and time.monotonic() < deadline:
            self._read(deadline - time.monotonic())
        if not self.open:
            raise ConnectionError("the websocket handshake did not complete")

    def _read(self, timeout: float) -> None:
        self.sock.settimeout(max(timeout, 0.001))
        try:
            data = self.sock.recv(65536)
        except (socket.timeout, BlockingIOError):
            return
        if not data:
            raise ConnectionError("the server closed the connection")
        self.conn.receive_data(data)
        for event in self.conn.events():
            if isinstance(event, AcceptConnection):
                self.open = True
            elif isinstance(event, RejectConnection):
                raise ConnectionError(f"websocket refused ({event.status_code})")
            elif isinstance(event, Ping):
                self.sock.sendall(self.conn.send(event.response()))
            elif isinstance(event, Message):
                self._parts.append(event.data if isinstance(event.data, str) else event.data.decode())
                if event.message_finished:
                    self.inbox.append("".join(self._parts))
                    self._parts = []
            elif isinstance(event, CloseConnection):
                raise ConnectionError("the server closed the websocket")

    def receive(self, timeout: float) -> str | None:
        deadline = time.monotonic() + timeout
        while not self.inbox and (left := deadline - time.monotonic()) > 0:
            self._read(left)
        return self.inbox.popleft() if self.inbox else None

    def send(self, text: str) -> None:
        self.sock.sendall(self.conn.send(TextMessage(data=text)))

    def close(self) -> None:
        try:
            self.sock.sendall(self.conn.send(CloseConnection(code=1000)))
        except Exception:  # noqa: BLE001 - closing anyway
            pass
        self.sock.close()


class SocketTab:
    """One connection with its own tab token and, optionally, a Cookie header.

    Reflex serves socket.io at the path /_event and, inside it, the namespace /_event.
    """

    def __init__(self, base_url: str, cookie: str | None = None, *, path: str = "/_event",
                 namespace: str = "/_event", origin: str | None = None):
        """`origin`: the Origin header a browser would send (the page's origin); none by default."""
        parts = urlsplit(base_url)
        self.token = str(uuid.uuid4())
        self.namespace = namespace
        headers = {"Cookie": cookie} if cookie else {}
        if origin:
            headers["Origin"] = origin
        self.ws = _WebSocket(parts.hostname, parts.port or 80,
                             f"{path}/?EIO=4&transport=websocket&token={self.token}", headers)
        self.updates: list[dict] = []
        opened = self._receive(timeout=10)
        if not opened or opened.packet_type != eio.OPEN:
            raise ConnectionError("no engine.io OPEN packet")
        self._send_sio(_Packet(sio.CONNECT, data=None, namespace=namespace))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            pkt = self._receive(timeout=1)
            if pkt is not None and pkt.packet_type == eio.MESSAGE:
                reply = sio.Packet(encoded_packet=pkt.data)
                if reply.packet_type == sio.CONNECT:
                    return
                raise ConnectionError(f"socket.io connect refused: {pkt.data!r}")
        raise ConnectionError("no socket.io CONNECT reply")

    def _send_sio(self, packet: sio.Packet) -> None:
        self.ws.send(eio.Packet(eio.MESSAGE, data=packet.encode()).encode())

    def _receive(self, timeout: float) -> eio.Packet | None:
        raw = self.ws.receive(timeout=timeout)
        if raw is None:
            return None
        pkt = eio.Packet(encoded_packet=raw)
        if pkt.packet_type == eio.PING:
            self.ws.send(eio.Packet(eio.PONG, data=pkt.data).encode())
        return pkt

    def _next_update(self, timeout: float) -> dict | None:
        """The next state update, if one arrives within `timeout` (other packets are handled)."""
        pkt = self._receive(timeout=timeout)
        if pkt is None or pkt.packet_type != eio.MESSAGE:
            return None
        message = sio.Packet(encoded_packet=pkt.data)
        if message.packet_type == sio.EVENT and message.data and message.data[0] == "event":
            update = message.data[1]
            return json.loads(update) if isinstance(update, str) else update
        return None

    def _emit(self, name: str, payload: dict, pathname: str) -> None:
        self._send_sio(_Packet(sio.EVENT, namespace=self.namespace, data=["event", {
            "name": name, "payload": payload, "router_data": {"pathname": pathname, "asPath": pathname}}]))

    def _await_marker(self, pathname: str, deadline: float) -> None:
        """Send the end marker and pump updates until its answer arrives (raise if it never does).
        The marker's own deltas are not kept in `updates`."""
        self._emit(MARKER, {"value": True}, pathname)
        self._emit(MARKER, {"value": False}, pathname)
        while (left := deadline - time.monotonic()) > 0:
            update = self._next_update(timeout=min(left, 0.5))
            if update is None:
                continue
            flag = _hydrated_flag(update)
            if flag is False:
                return
            if flag is None:
                self.updates.append(update)
        raise TimeoutError("the server did not answer the end marker: it did not process the events")

    def send(self, name: str, payload: dict, pathname: str, *, timeout: float = 20) -> list[dict]:
        """Send one event; return the updates it caused.

        The server handles one tab's events one after another, so after the event the tab sends an
        end marker (setting Reflex's own `is_hydrated` flag, which no portal handler reads) and
        waits for the marker's answer: everything before it is the event's. Events the handler
        chains run after it; the marker is repeated until one round brings nothing else, so their
        updates are the event's too. No silence window decides when an event is done.
        """
        seen = len(self.updates)
        self._emit(name, payload, pathname)
        deadline = time.monotonic() + timeout
        while True:
            before = len(self.updates)
            self._await_marker(pathname, deadline)
            if len(self.updates) == before:
                return self.updates[seen:]

    def close(self) -> None:
        self.ws.close()

    def __enter__(self) -> "SocketTab":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
