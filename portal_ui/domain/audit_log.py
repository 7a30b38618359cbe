"""The audit log as people read it (README "Audit log"): filters, keyset pages, names, CSV rows.

`portal_ui.domain.audit` writes the events; this module reads them for the portal's audit-log
section, its CSV export and `GET /api/v1/organizations/{org_code}/audit_events`.

- Filters (`parse_filter`): an actor (a user id or M2M client id, or a type: `user`, `m2m`,
  `system`), an action (exact, like `member.removed`, or a group: `member.`, `member.*` or `member`)
  and a date range (ISO days or date-times, UTC when no offset is given; both ends inclusive).
- Pages are keyset pages, newest first, ordered by (occurred_on, id): the next page starts
  below the last row's key, so a page deep into 100,000 events costs what the first one does
  (no OFFSET). Each filter has an index that starts with org_code (models.AuditEvent).
- What is shown never holds a secret: fields named like secrets are dropped at any depth
  (`redact`), on top of what `audit.record` already leaves out.
- CSV cells that a spreadsheet would run as a formula get a leading apostrophe (`csv_cell`).
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Iterable, Iterator, Mapping, Sequence

from sqlalchemy import and_, func, or_, tuple_
from sqlmodel import Session, col, select

from portal_ui.domain.clock import as_utc
from portal_ui.domain.errors import InvalidInput, NotFound
from portal_ui.domain.paging import MAX_PAGE_SIZE, MAX_TOKEN_CHARS, page_size_of, scope_of
from portal_ui.models import AuditEvent, M2MApplication, Organization, User

ACTOR_TYPES = ("user", "m2m", "system")
ACTOR_MAX = 128
ACTION_MAX = 64
DATE_MAX = 40
PAGE_SIZE = 50  # the portal's page
EXPORT_BATCH = 1000  # rows per query while a CSV export streams
COUNT_CAP = 100_000  # counts stop here ("more than 100,000")
RECENT = 10  # events on the profile page
VALUE_MAX = 200  # characters of one before/after value shown
FLATTEN_DEPTH = 4

# Field names never shown, whatever the depth: the audit writer drops the top-level ones already.
SECRET_NAMES = frozenset({"secret", "client_secret", "key", "api_key", "token", "password", "key_hash",
                          "secret_hash", "token_hash", "access_token", "refresh_token", "id_token",
                          "authorization", "cookie", "signing_secret", "webhook_secret", "card_number",
                          "number", "cvc", "cvv"})
SECRET_PARTS = ("secret", "password", "token", "cvc")  # ... or any name containing one of these

# Action groups the portal's filter offers, in menu order (the prefix before the dot): those an
# organization's events can have (roles, plans and API scopes are the product team's, in no organization).
ACTION_GROUPS = ("member", "invitation", "join_request", "organization", "domain", "api_key", "subscription",
                 "payment_method", "billing_details", "invoice", "portal_settings", "portal_session", "portal_link", "user",
                 "audit_log")
_ACTION_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_.")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = ("occurred_on", "actor_type", "actor_id", "actor_name", "actor_email", "action", "target_type",
               "target_id", "changes", "before", "after", "client_ip", "user_agent")


# ---- filters ------------------------------------------------------------------------------------

@dataclass(frozen=True)
class AuditFilter:
    """Which events to show; None means "any"."""

    actor_type: str | None = None
    actor_id: str | None = None
    action: str | None = None  # exact
    action_prefix: str | None = None  # e.g. "member."
    since: datetime | None = None  # inclusive
    before: datetime | None = None  # exclusive

    def scope(self, org_code: str) -> str:
        """What a page token belongs to: this organization and these filters."""
        return scope_of("audit_events", org_code, self.actor_type, self.actor_id, self.action, self.action_prefix,
                        self.since and self.since.isoformat(), self.before and self.before.isoformat())


def _parse_actor(value: str) -> tuple[str | None, str | None]:
    if value in ACTOR_TYPES:
        return value, None
    if len(value) > ACTOR_MAX or any(ch.isspace() or not ch.isprintable() for ch in value):
        raise InvalidInput(f"actor: give user, m2m, system, or a user or client id of at most {ACTOR_MAX} "
                           "characters without spaces", code="INVALID_FILTER")
    return None, value


def _parse_action(value: str) -> tuple[str | None, str | None]:
    """(exact action, prefix): `member.removed` is exact; `member.`, `member.*` and `member` are the
    group `member.`; `member.rem*` is the prefix `member.rem`."""
    bad = InvalidInput(f"action: give an action like member.removed, or a group like member.* (lower-case "
                       f"letters, digits, _ and ., at most {ACTION_MAX} characters)", code="INVALID_FILTER")
    starred = value.endswith("*")
    body = value[:-1] if starred else value
    if not body or len(value) > ACTION_MAX or body.startswith(".") or any(ch not in _ACTION_CHARS for ch in body):
        raise bad
    if starred or body.endswith("."):
        return None, body
    if "." not in body:
        return None, body + "."
    return body, None


def _parse_when(value: str, name: str, *, end: bool) -> datetime:
    """A day or a date-time as an aware UTC instant: the start of `from`, just after the end of `to`."""
    bad = InvalidInput(f"{name}: give a date (2026-03-01) or a date-time (2026-03-01T09:30:00Z)",
                       code="INVALID_FILTER")
    if len(value) > DATE_MAX:
        raise bad
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            moment = datetime.combine(day, time(), tzinfo=timezone.utc)
            step = timedelta(days=1)
        else:
            moment = datetime.fromisoformat(value.replace("z", "Z").replace("Z", "+00:00"))
            moment = as_utc(moment)
            step = timedelta(microseconds=1)
    except (ValueError, OverflowError):  # OverflowError: year 1 with an offset east of UTC, say
        raise bad from None
    if not 2000 <= moment.year <= 9000:
        raise bad
    return moment + step if end else moment


def parse_filter(*, actor: str | None = None, action: str | None = None, date_from: str | None = None,
                 date_to: str | None = None, from_name: str = "date_time_from",
                 to_name: str = "date_time_to") -> AuditFilter:
    """The filter for these texts (empty or None means "any"); InvalidInput naming a bad one."""
    actor_type = actor_id = exact = prefix = since = before = None
    if actor:
        actor_type, actor_id = _parse_actor(actor.strip())
    if action:
        exact, prefix = _parse_action(action.strip())
    if date_from:
        since = _parse_when(date_from.strip(), from_name, end=False)
    if date_to:
        before = _parse_when(date_to.strip(), to_name, end=True)
    if since and before and since >= before:
        raise InvalidInput(f"{to_name}: must not be before {from_name}", code="INVALID_FILTER")
    return AuditFilter(actor_type=actor_type, actor_id=actor_id, action=exact, action_prefix=prefix,
                       since=since, before=before)


def _conditions(org_code: str | None, f: AuditFilter) -> list:
    where = [AuditEvent.org_code == org_code]
    if f.actor_type:
        where.append(AuditEvent.actor_type == f.actor_type)
    if f.actor_id:
        where.append(AuditEvent.actor_id == f.actor_id)
    if f.action:
        where.append(AuditEvent.action == f.action)
    if f.action_prefix:
        # A range, not LIKE: the index on (org_code, action, ...) serves it on every database.
        upper = f.action_prefix[:-1] + chr(ord(f.action_prefix[-1]) + 1)
        where.extend([AuditEvent.action >= f.action_prefix, AuditEvent.action < upper])
    if f.since:
        where.append(AuditEvent.occurred_on >= f.since)
    if f.before:
        where.append(AuditEvent.occurred_on < f.before)
    return where


# ---- keyset pages -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Cursor:
    """Where the next page starts: below this (occurred_on, id)."""

    occurred_on: datetime
    id: int

    def token(self, scope: str) -> str:
        raw = f"{as_utc(self.occurred_on).isoformat()}|{self.id}|{scope}"
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def from_token(cls, token: str | None, scope: str) -> "Cursor | None":
        """The cursor a token stands for; None or "" for the first page. A bad token -> InvalidInput."""
        if not token:
            return None
        bad = InvalidInput("next_token: not a token this listing handed out", code="INVALID_NEXT_TOKEN")
        if len(token) > MAX_TOKEN_CHARS:
            raise bad
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
            when, ident, token_scope = raw.split("|", 2)
            cursor = cls(as_utc(datetime.fromisoformat(when)), int(ident))
        except (binascii.Error, UnicodeDecodeError, ValueError, OverflowError):
            raise bad from None
        # Ids and times a database can compare (a forged 2**64 would overflow the driver).
        if (token_scope != scope or not ident.isdigit() or cursor.id >= 2 ** 63
                or not 1 <= cursor.occurred_on.year < 9999):
            raise bad
        return cursor


def page_statement(org_code: str | None, f: AuditFilter, after: Cursor | None, size: int):
    """The SELECT of one page: newest first, below `after`, `size` + 1 rows (the extra says "more")."""
    where = _conditions(org_code, f)
    if after is not None:
        where.append(tuple_(AuditEvent.occurred_on, AuditEvent.id) < tuple_(after.occurred_on, after.id))
    return (select(AuditEvent).where(and_(*where))
            .order_by(col(AuditEvent.occurred_on).desc(), col(AuditEvent.id).desc()).limit(size + 1))


def page_events(session: Session, org_code: str, f: AuditFilter, *, after: Cursor | None = None,
                size: int = PAGE_SIZE) -> tuple[list[AuditEvent], Cursor | None]:
    """One page of `org_code`'s events matching `f`, and the cursor of the next page (None: last)."""
    rows = list(session.exec(page_statement(org_code, f, after, size)).all())
    if len(rows) <= size:
        return rows, None
    rows = rows[:size]
    return rows, Cursor(rows[-1].occurred_on, rows[-1].id)


def count_events(session: Session, org_code: str, f: AuditFilter, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """How many events match (at most `cap`), and whether there are more than `cap`."""
    inner = select(AuditEvent.id).where(and_(*_conditions(org_code, f))).limit(cap + 1).subquery()
    found = session.exec(select(func.count()).select_from(inner)).one()
    return min(found, cap), found > cap


@dataclass(frozen=True)
class EventPage:
    entries: list["AuditEntry"]
    next_token: str | None


def list_events(session: Session, org_code: str, f: AuditFilter, *, page_size: int | None = None,
                next_token: str | None = None) -> EventPage:
    """The Management API's page: Kinde's `page_size` (default 10, at most 500) and `next_token`."""
    if session.get(Organization, org_code) is None:
        raise NotFound(f"organization {org_code[:64]!r} not found", code="ORGANIZATION_NOT_FOUND")
    size = page_size_of(page_size)
    scope = f.scope(org_code)
    rows, more = page_events(session, org_code, f, after=Cursor.from_token(next_token, scope), size=size)
    return EventPage(entries=describe(session, rows), next_token=more.token(scope) if more else None)


# ---- what people see --------------------------------------------------------------------------

@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class AuditEntry:
    """One event as the portal, the CSV and the API show it (secrets removed)."""

    id: int
    occurred_on: datetime
    actor_type: str
    actor_id: str
    actor_name: str  # a user's name, an M2M application's name, the system's component
    actor_email: str  # users only
    action: str
    target_type: str
    target_id: str
    org_code: str | None
    before: dict
    after: dict
    changes: list[Change] = field(default_factory=list)
    client_ip: str = ""
    user_agent: str = ""


def _secret_name(name: str) -> bool:
    lowered = name.lower()
    return lowered in SECRET_NAMES or any(part in lowered for part in SECRET_PARTS)


def redact(value: Any, depth: int = 0) -> Any:
    """`value` without any field named like a secret, at any depth (lists and objects alike)."""
    if depth > 20:
        return None
    if isinstance(value, Mapping):
        return {str(k): redact(v, depth + 1) for k, v in value.items() if not _secret_name(str(k))}
    if isinstance(value, (list, tuple)):
        return [redact(v, depth + 1) for v in value]
    return value


def value_text(value: Any) -> str:
    """A stored value as text: lists joined by commas, true/false, "" for none; at most VALUE_MAX chars."""
    if value is None:
        text = ""
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, (list, tuple)):
        text = ", ".join(value_text(v) for v in value)
    elif isinstance(value, Mapping):
        text = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str) if value else ""
    else:
        text = str(value)
    return text if len(text) <= VALUE_MAX else text[:VALUE_MAX - 1] + "…"


def _flatten(values: Mapping[str, Any], prefix: str = "", depth: int = 0) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, value in values.items():
        path = f"{prefix}{name}"
        if isinstance(value, Mapping) and value and depth < FLATTEN_DEPTH:
            out.update(_flatten(value, path + ".", depth + 1))
        else:
            out[path] = value
    return out


def changes_of(before: Mapping[str, Any], after: Mapping[str, Any]) -> list[Change]:
    """Field by field (nested objects as dotted names), what was there and what is there now."""
    old, new = _flatten(before), _flatten(after)
    names = list(new) + [name for name in old if name not in new]
    out = []
    for name in names:
        before, after = value_text(old.get(name)), value_text(new.get(name))
        if (before or after) and (old.get(name) != new.get(name) or name not in old):
            out.append(Change(name, before, after))
    return out


def changes_text(changes: Sequence[Change]) -> str:
    """One line: `name: Acme → Acme Ltd; country: → GB`."""
    return "; ".join(f"{c.field}: {c.before} → {c.after}" if c.before else f"{c.field}: {c.after}"
                     for c in changes)


def _names(session: Session, rows: Iterable[AuditEvent]) -> tuple[dict[str, User], dict[str, str]]:
    rows = list(rows)
    user_ids = {r.actor_id for r in rows if r.actor_type == "user"}
    client_ids = {r.actor_id for r in rows if r.actor_type == "m2m"}
    users = {u.id: u for u in session.exec(select(User).where(col(User.id).in_(user_ids))).all()} if user_ids else {}
    clients = ({a.client_id: a.name for a in
                session.exec(select(M2MApplication).where(col(M2MApplication.client_id).in_(client_ids))).all()}
               if client_ids else {})
    return users, clients


def describe(session: Session, rows: Sequence[AuditEvent]) -> list[AuditEntry]:
    """The rows as entries: actors named (one query per kind of actor), changes listed, secrets gone."""
    users, clients = _names(session, rows)
    out = []
    for row in rows:
        name = email = ""
        if row.actor_type == "user" and row.actor_id in users:
            user = users[row.actor_id]
            name = f"{user.given_name} {user.family_name}".strip() or (user.email or "")
            email = user.email or ""
        elif row.actor_type == "m2m":
            name = clients.get(row.actor_id, "")
        elif row.actor_type == "system":
            name = row.actor_id
        before, after = redact(row.before or {}), redact(row.after or {})
        out.append(AuditEntry(
            id=row.id, occurred_on=as_utc(row.occurred_on), actor_type=row.actor_type, actor_id=row.actor_id,
            actor_name=name, actor_email=email, action=row.action, target_type=row.target_type,
            target_id=row.target_id, org_code=row.org_code, before=before, after=after,
            changes=changes_of(before, after), client_ip=row.client_ip or "", user_agent=row.user_agent or ""))
    return out


# ---- where from -------------------------------------------------------------------------------

_BROWSERS = (  # (marker in the User-Agent, name); the first that matches wins
    ("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("HeadlessChrome/", "Chrome (headless)"),
    ("Chrome/", "Chrome"), ("CriOS/", "Chrome"), ("Safari/", "Safari"), ("curl/", "curl"),
    ("python-httpx/", "python-httpx"), ("python-requests/", "python-requests"), ("Go-http-client/", "Go"),
)
_SYSTEMS = (
    ("Windows", "Windows"), ("Android", "Android"), ("iPhone", "iOS"), ("iPad", "iPadOS"), ("CrOS", "ChromeOS"),
    ("Mac OS X", "macOS"), ("Macintosh", "macOS"), ("Linux", "Linux"),
)


def browser_and_system(user_agent: str) -> tuple[str, str]:
    """("Firefox", "Windows") for a User-Agent header; ("", "") when nothing is recognised.

    Substring checks only (linear in the header, which the writer caps at 512 characters)."""
    ua = (user_agent or "")[:512]
    browser = next((name for marker, name in _BROWSERS if marker in ua), "")
    system = next((name for marker, name in _SYSTEMS if marker in ua), "")
    if not browser and ua:
        browser = ua.split(" ", 1)[0].split("/", 1)[0][:40]
    return browser, system


# ---- a user's own activity --------------------------------------------------------------------

def recent_activity(session: Session, user_id: str, limit: int = RECENT) -> list[AuditEntry]:
    """The latest events this user caused, in any organization or their own account, newest first."""
    rows = session.exec(select(AuditEvent).where(AuditEvent.actor_type == "user", AuditEvent.actor_id == user_id)
                        .order_by(col(AuditEvent.occurred_on).desc(), col(AuditEvent.id).desc())
                        .limit(limit)).all()
    return describe(session, list(rows))


# ---- CSV --------------------------------------------------------------------------------------

def csv_cell(value: Any) -> str:
    """A cell a spreadsheet shows as text: one starting with = + - @, a tab or a carriage return gets a
    leading apostrophe, so it is never run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_row(entry: AuditEntry) -> list[str]:
    values = (as_utc(entry.occurred_on).isoformat(), entry.actor_type, entry.actor_id, entry.actor_name,
              entry.actor_email, entry.action, entry.target_type, entry.target_id, changes_text(entry.changes),
              json.dumps(entry.before, ensure_ascii=False, sort_keys=True, default=str),
              json.dumps(entry.after, ensure_ascii=False, sort_keys=True, default=str),
              entry.client_ip, entry.user_agent)
    return [csv_cell(v) for v in values]


def csv_text(rows: Iterable[Sequence[str]]) -> str:
    """Rows as CSV text (RFC 4180 quoting, CRLF line ends)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows(rows)
    return out.getvalue()


def csv_header() -> str:
    return csv_text([CSV_COLUMNS])


def export_batches(session_scope, org_code: str, f: AuditFilter, batch: int = EXPORT_BATCH) -> Iterator[str]:
    """The filtered view as CSV text, one batch of rows per chunk (header first), each batch read in
    its own short transaction from `session_scope()`; keyset paging, so no row is sent twice even
    while new events arrive."""
    yield csv_header()
    after: Cursor | None = None
    while True:
        with session_scope() as session:
            rows, after = page_events(session, org_code, f, after=after, size=batch)
            chunk = csv_text(csv_row(entry) for entry in describe(session, rows))
        if chunk:
            yield chunk
        if after is None:
            return


__all__ = ["ACTION_GROUPS", "ACTOR_TYPES", "AuditEntry", "AuditFilter", "Change", "Cursor", "EventPage",
           "MAX_PAGE_SIZE", "browser_and_system", "changes_of", "changes_text", "count_events", "csv_cell",
           "csv_row", "describe", "export_batches", "list_events", "page_events", "parse_filter", "recent_activity",
           "redact"]
