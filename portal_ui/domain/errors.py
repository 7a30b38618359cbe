"""Domain errors. Each carries a Kinde-style machine code and a message fit to show a person.

The HTTP layer maps them to status codes and the `{"errors": [...]}` envelope; the UI shows
`message`. Raise them before writing anything, so a refused change leaves no partial write.
"""

from __future__ import annotations


class DomainError(Exception):
    status = 400
    code = "BAD_REQUEST"

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class InvalidInput(DomainError):
    status = 400
    code = "INVALID_INPUT"


class NotFound(DomainError):
    status = 404
    code = "NOT_FOUND"


class Forbidden(DomainError):
    status = 403
    code = "FORBIDDEN"


class Conflict(DomainError):
    status = 409
    code = "CONFLICT"
