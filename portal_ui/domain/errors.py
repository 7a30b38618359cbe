"""Domain errors. Each carries a Kinde-style machine code and a message fit to show a person.

The HTTP layer maps them to status codes and the `{"errors": [...]}` envelope (English
`message`); the UI shows `localized(lang)`. A message given as
`say("users.email_missing", field=...)` comes from the message catalogue (portal_ui.i18n), so the
UI can show it in the tab's language; a plain string is shown as it is. Raise them before writing
anything, so a refused change leaves no partial write.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable, Mapping, Sequence

from portal_ui.i18n import FALLBACK, format_date, translate


@dataclass(frozen=True)
class Text:
    """A catalogue message and its values, rendered in any language (English by `str()`).

    Values may be Texts themselves (rendered in the same language), anything else with a
    `render(lang)` method (amounts), or dates (shown as the portal shows days, in that language). `about` makes it a sentence
    about one form field: the message's "<about>: " prefix is dropped, the first letter
    capitalised and a full stop added (see `field_message`).
    """

    key: str
    values: dict[str, Any] = field(default_factory=dict)
    about: str | None = None

    def render(self, lang: str = FALLBACK) -> str:
        values = {name: _value(value, lang) for name, value in self.values.items()}
        text = translate(lang, self.key, **values)
        return _sentence(text, str(values.get("field", self.about))) if self.about is not None else text

    def __str__(self) -> str:
        return self.render()


def _value(value: Any, lang: str) -> Any:
    """A Text's value in `lang`: nested Texts rendered, dates formatted as the portal shows days."""
    if isinstance(value, Text) or callable(getattr(value, "render", None)):
        return value.render(lang)  # a nested message, or an amount (portal_ui.billing.money.Money)
    if isinstance(value, date):
        return format_date(value, lang)
    return "" if value is None else value


def say(key: str, /, **values: Any) -> Text:
    """The catalogue message `key` with `values`: `raise InvalidInput(say("users.email_invalid", field=f))`."""
    return Text(key, values)


def render(text: "str | Text", lang: str = FALLBACK) -> str:
    """A plain string as it is; a Text in `lang`."""
    return text.render(lang) if isinstance(text, Text) else text


class DomainError(Exception):
    status = 400
    code = "BAD_REQUEST"

    def __init__(self, message: "str | Text", *, code: str | None = None):
        super().__init__(str(message))
        self.text = message
        self.message = str(message)  # English: the API's and the logs'
        if code:
            self.code = code

    def localized(self, lang: str) -> str:
        """The message in `lang` when it comes from the catalogue; otherwise as raised."""
        return render(self.text, lang)


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

    def __init__(self, fields: "dict[str, str | Text]", *, labels: dict[str, str] | None = None):
        labels = labels or {}
        first = next(iter(fields))
        super().__init__(f"{labels.get(first, first)}: {fields[first]}")
        self.texts = dict(fields)
        self.fields = {name: str(text) for name, text in fields.items()}  # English

    def localized_fields(self, lang: str) -> dict[str, str]:
        """Each field's sentence in `lang` (catalogue messages) or as raised."""
        return {name: render(text, lang) for name, text in self.texts.items()}


def _sentence(text: str, label: str) -> str:
    text = text.removeprefix(f"{label}: ").strip()
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "?", "!")) else text + "."


def field_message(exc: DomainError, label: str) -> "str | Text":
    """`exc`'s message as a sentence about one field: without the "Label: " prefix, capitalised,
    with a full stop. A catalogue message stays one (a Text with `about`), so it renders in any
    language; `str()` of it is the English sentence."""
    if isinstance(exc.text, Text):
        return Text(exc.text.key, exc.text.values, about=label)
    return _sentence(exc.message, label)


def clean_fields(form: Any, fields: Sequence[tuple[str, str, int]], clean_one: Callable[[str, str, int, object], str],
                 *, unreadable: "str | Text") -> dict[str, str]:
    """Each (name, label, max length) of `fields` read from `form` (a missing one counts as empty)
    and cleaned by `clean_one(name, label, max_len, raw)`; InvalidFields names every field whose
    cleaning raised InvalidInput. Anything else in `form` is ignored; a form that is not a mapping
    is InvalidInput(`unreadable`)."""
    if not isinstance(form, Mapping):
        raise InvalidInput(unreadable)
    out: dict[str, str] = {}
    errors: dict[str, str | Text] = {}
    for name, label, max_len in fields:
        try:
            out[name] = clean_one(name, label, max_len, form.get(name, ""))
        except InvalidInput as exc:
            errors[name] = field_message(exc, label)
    if errors:
        raise InvalidFields(errors, labels={name: label for name, label, _ in fields})
    return out
