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


class InvalidFields(InvalidInput):
    """Several fields of one form are wrong; `fields` maps each field's name to a sentence for it.

    `message` names the first bad field, for callers that show one line.
    """

    code = "INVALID_INPUT"

    def __init__(self, fields: dict[str, str], *, labels: dict[str, str] | None = None):
        labels = labels or {}
        first = next(iter(fields))
        super().__init__(f"{labels.get(first, first)}: {fields[first]}")
        self.fields = dict(fields)


def field_message(exc: DomainError, label: str) -> str:
    """`exc`'s message as a sentence about one field: without the "Label: " prefix, capitalised, with a full stop."""
    text = exc.message.removeprefix(f"{label}: ").strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "?", "!")) else text + "."
