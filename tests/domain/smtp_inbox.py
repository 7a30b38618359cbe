"""A local SMTP server for tests (aiosmtpd), keeping the messages it receives."""

from __future__ import annotations

import socket
from email import message_from_bytes, policy
from typing import Iterator

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """An aiosmtpd handler that keeps what it receives."""

    def __init__(self, reply: str = "250 OK"):
        self.messages, self.reply = [], reply

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos),
                              message_from_bytes(envelope.content, policy=policy.default)))
        return self.reply


def serve(inbox: Inbox) -> Iterator[tuple[Inbox, int]]:
    """Run an SMTP server on a free local port for `inbox`; yields (inbox, port)."""
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield inbox, controller.port
    finally:
        controller.stop()
