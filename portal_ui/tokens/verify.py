"""Token verification. Interface: `get_verifier(settings).verify(token) -> claims`, raising InvalidToken."""

from __future__ import annotations


class InvalidToken(Exception):
    """Any reason a token is refused; the message is for logs, never for the caller."""


def get_verifier(settings):  # replaced by the real implementation
    raise NotImplementedError
