"""API keys of organizations and users, and the catalogue of scopes they may carry.

Key format *(portal_ui)*, e.g. `pk_org_7Gq2…` (53 characters) or `pk_user_…` (54):

    <typed prefix> <body> <checksum>
    pk_org_ | pk_user_     40 base62 characters (≈238 bits from `secrets`)
                           6 base62 characters: CRC32 of prefix + body, zero-padded

Base62 is `0-9A-Za-z`. A scanner finds keys with `KEY_PATTERN` (for example
`\\bpk_(?:org|user)_[0-9A-Za-z]{46}\\b`) and confirms one offline with `parse_key`, which
also checks the checksum; it never touches the database. The secret is shown once and stored
only as a SHA-256 hash. `key_prefix` (typed prefix + first 4 body characters) and `key_suffix`
(last 4 characters) are kept so people can tell their keys apart.

Rules: validate first and raise before writing; each change (create, rotate, revoke, new
scope) adds one audit event, never containing the secret, to the caller's session; the caller
commits. Verification is not audited (it is not a change); it only bumps the key's counters.
A key is reached only through its owner (`KeyOwner`): asking for org A's key as org B, or
another user's key, is the same NotFound as an unknown id. These functions carry no
permission policy (`write:org:authentication` etc.); callers check that first.
"""

from __future__ import annotations

import re
import secrets as _random
import zlib
from dataclasses import dataclass
from datetime import datetime
from typing import Optional, Sequence

from sqlalchemy import func, or_, update
from sqlmodel import Session, col, select

from portal_ui.domain import audit, clock
from portal_ui.domain.errors import Conflict, InvalidInput, NotFound, say
from portal_ui.domain.secrets import new_id, same_secret, sha256_hex
from portal_ui.domain.users import clean_name, live_user_row
from portal_ui.models import ApiKey, ApiScope, Organization

ORGANIZATION, USER = "organization", "user"
KEY_TYPES = (ORGANIZATION, USER)
ACTIVE, REVOKED, EXPIRED = "active", "revoked", "expired"
TYPE_PREFIXES = {ORGANIZATION: "pk_org_", USER: "pk_user_"}
BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
BODY_CHARS = 40
CHECKSUM_CHARS = 6
VISIBLE_BODY_CHARS = 4  # body characters kept in key_prefix
SUFFIX_CHARS = 4
MAX_INPUT_CHARS = 256  # longer input is refused before any other work
KEY_PATTERN = re.compile(r"\bpk_(?:org|user)_[0-9A-Za-z]{%d}\b" % (BODY_CHARS + CHECKSUM_CHARS))
_KEY = re.compile(r"(pk_org_|pk_user_)([0-9A-Za-z]{%d})([0-9A-Za-z]{%d})" % (BODY_CHARS, CHECKSUM_CHARS))

MAX_SCOPES_PER_KEY = 50
MAX_ACTIVE_KEYS_PER_OWNER = 100
CREATED_BY_MAX = 128
SCOPE_KEY_MAX = 128
SCOPE_DESCRIPTION_MAX = 1024
MAX_API_SCOPES = 500
# `action:resource[:more]`, lower case: read:reports, write:billing.invoices
SCOPE_KEY_PATTERN = re.compile(r"[a-z][a-z0-9_-]*(?::[a-z0-9][a-z0-9_.-]*)+")  # use fullmatch


# --- key format (no database) -----------------------------------------------------------------

@dataclass(frozen=True)
class ParsedKey:
    """A well-formed key: its type and parts. `value` is the whole secret."""

    type: str
    prefix: str
    body: str
    checksum: str

    @property
    def value(self) -> str:
        return self.prefix + self.body + self.checksum


def _base62(number: int, width: int) -> str:
    out = ""
    while number:
        number, digit = divmod(number, 62)
        out = BASE62[digit] + out
    return out.rjust(width, "0")


def checksum(prefix: str, body: str) -> str:
    """CRC32 of `prefix + body` (ASCII) in base62, zero-padded to 6 characters."""
    return _base62(zlib.crc32((prefix + body).encode("ascii")), CHECKSUM_CHARS)


def generate_key(key_type: str) -> ParsedKey:
    """A fresh random key of `key_type` (organization|user)."""
    prefix = TYPE_PREFIXES[key_type]
    body = "".join(_random.choice(BASE62) for _ in range(BODY_CHARS))
    return ParsedKey(type=key_type, prefix=prefix, body=body, checksum=checksum(prefix, body))


def parse_key(value: object) -> ParsedKey:
    """The parts of a well-formed key (surrounding whitespace ignored); else InvalidInput.

    Checks prefix, length, alphabet and checksum only: no database access, so a scanner or a
    verifier can reject typos and junk cheaply. Code INVALID_API_KEY.
    """
    bad = InvalidInput("api_key: not a portal_ui API key", code="INVALID_API_KEY")
    if not isinstance(value, str) or len(value) > MAX_INPUT_CHARS:
        raise bad
    match = _KEY.fullmatch(value.strip())
    if match is None:
        raise bad
    prefix, body, check = match.groups()
    if check != checksum(prefix, body):
        raise bad
    key_type = ORGANIZATION if prefix == TYPE_PREFIXES[ORGANIZATION] else USER
    return ParsedKey(type=key_type, prefix=prefix, body=body, checksum=check)


def looks_like_key(value: object) -> bool:
    """True when `value` is a well-formed key with a valid checksum (offline check)."""
    try:
        parse_key(value)
    except InvalidInput:
        return False
    return True


# --- ownership and status ---------------------------------------------------------------------

@dataclass(frozen=True)
class KeyOwner:
    """Whose keys a caller may touch: one organization, or one user."""

    type: str  # organization|user
    id: str  # org code or user id

    @classmethod
    def organization(cls, org_code: str) -> "KeyOwner":
        return cls(type=ORGANIZATION, id=org_code)

    @classmethod
    def user(cls, user_id: str) -> "KeyOwner":
        return cls(type=USER, id=user_id)

    def owns(self, key: ApiKey) -> bool:
        if not isinstance(self.id, str) or not self.id or key.type != self.type:
            return False
        return (key.org_code if self.type == ORGANIZATION else key.user_id) == self.id


def is_expired(key: ApiKey, now: Optional[datetime] = None) -> bool:
    return key.expires_on is not None and clock.as_utc(key.expires_on) <= (now or clock.utcnow())


def effective_status(key: ApiKey, now: Optional[datetime] = None) -> str:
    """`revoked`, `expired` (active but past expires_on) or `active`: what the UI should show."""
    if key.status != ACTIVE:
        return key.status
    return EXPIRED if is_expired(key, now) else ACTIVE


def get_key(session: Session, key_id: str, *, owner: KeyOwner) -> ApiKey:
    """The key if `owner` owns it; NotFound (API_KEY_NOT_FOUND) for unknown ids and others' keys alike."""
    ok_id = isinstance(key_id, str) and 0 < len(key_id) <= 64
    key = session.get(ApiKey, key_id, populate_existing=True) if ok_id else None
    if key is None or not owner.owns(key):
        raise NotFound(say("key_rules.key_not_found", id=repr(str(key_id)[:64])), code="API_KEY_NOT_FOUND")
    return key


def list_keys(session: Session, *, org_code: Optional[str] = None, user_id: Optional[str] = None,
              status: Optional[str] = None) -> list[ApiKey]:
    """The organization's keys or the user's keys (give exactly one), newest first.

    `status` (active|revoked) filters on the stored status; expired keys are still `active`
    there (use `effective_status`). Raises InvalidInput.
    """
    if (org_code is None) == (user_id is None):
        raise InvalidInput("give either org_code or user_id")
    if status is not None and status not in (ACTIVE, REVOKED):
        raise InvalidInput("status: use active or revoked")
    stmt = (select(ApiKey).where(ApiKey.type == ORGANIZATION, ApiKey.org_code == org_code) if org_code is not None
            else select(ApiKey).where(ApiKey.type == USER, ApiKey.user_id == user_id))
    if status is not None:
        stmt = stmt.where(ApiKey.status == status)
    return list(session.exec(stmt.order_by(col(ApiKey.created_on).desc(), col(ApiKey.id).desc())).all())


# --- changes ----------------------------------------------------------------------------------

def _owner_for_create(session: Session, key_type: object, org_code: object, user_id: object) -> KeyOwner:
    if key_type not in KEY_TYPES:
        raise InvalidInput("type: use organization or user", code="INVALID_API_KEY_TYPE")
    if key_type == ORGANIZATION:
        if user_id is not None or not isinstance(org_code, str) or not org_code:
            raise InvalidInput("an organization key needs org_code and no user_id")
        if session.get(Organization, org_code) is None:
            raise NotFound(say("key_rules.org_not_found", code=repr(org_code[:64])), code="ORGANIZATION_NOT_FOUND")
        return KeyOwner.organization(org_code)
    if org_code is not None or not isinstance(user_id, str) or not user_id:
        raise InvalidInput("a user key needs user_id and no org_code")
    if live_user_row(session, user_id) is None:
        raise NotFound(say("key_rules.user_not_found", id=repr(user_id[:64])), code="USER_NOT_FOUND")
    return KeyOwner.user(user_id)


def _checked_scopes(session: Session, scopes: object) -> list[str]:
    if scopes is None:
        return []
    if not isinstance(scopes, (list, tuple)) or any(not isinstance(s, str) for s in scopes):
        raise InvalidInput(say("key_rules.scopes_not_list", field="scopes"))
    wanted = list(dict.fromkeys(scopes))
    if len(wanted) > MAX_SCOPES_PER_KEY:
        raise InvalidInput(say("key_rules.scopes_too_many", field="scopes", max=MAX_SCOPES_PER_KEY))
    known = set(session.exec(select(ApiScope.key).where(col(ApiScope.key).in_(wanted))).all()) if wanted else set()
    missing = [s for s in wanted if s not in known]
    if missing:
        raise InvalidInput(say("key_rules.scopes_unknown", field="scopes",
                               scopes=", ".join(repr(s[:64]) for s in missing[:5])),
                           code="SCOPE_NOT_FOUND")
    return wanted


def _checked_expiry(expires_on: object) -> Optional[datetime]:
    if expires_on is None:
        return None
    if not isinstance(expires_on, datetime):
        raise InvalidInput(say("key_rules.expiry_not_datetime", field="expires_on"))
    when = clock.as_utc(expires_on)
    if when <= clock.utcnow():
        raise InvalidInput(say("key_rules.expiry_in_past", field="expires_on"), code="EXPIRY_IN_PAST")
    return when


def _audit_target(key: ApiKey) -> dict:
    return {"org_code": key.org_code} if key.type == ORGANIZATION else {}


def create_key(session: Session, *, actor: audit.Actor, type: str, name: str, scopes: Sequence[str] = (),
               org_code: Optional[str] = None, user_id: Optional[str] = None,
               expires_on: Optional[datetime] = None, created_by: Optional[str] = None) -> tuple[ApiKey, str]:
    """Create an organization key (`org_code`) or a user key (`user_id`); returns (key, secret).

    The secret is returned only here: show it once. `scopes` must be keys of the catalogue;
    `name` is trimmed, 1..255 characters; `expires_on` (aware or UTC) must be in the future;
    `created_by` defaults to the actor's id. One audit event `api_key.created`.
    Raises InvalidInput, NotFound (organization or user), Conflict (too many active keys).
    """
    owner = _owner_for_create(session, type, org_code, user_id)
    clean = clean_name(name, field="name", code="NAME_TOO_LONG")
    if not clean:
        raise InvalidInput(say("key_rules.name_required", field="name"), code="NAME_REQUIRED")
    scope_keys = _checked_scopes(session, scopes)
    expiry = _checked_expiry(expires_on)
    creator = clean_name(created_by if created_by is not None else actor.id, field="created_by",
                         max_len=CREATED_BY_MAX) or actor.id[:CREATED_BY_MAX]
    active = session.exec(select(func.count()).select_from(ApiKey).where(
        *_owner_filter(owner), ApiKey.status == ACTIVE)).one()
    if active >= MAX_ACTIVE_KEYS_PER_OWNER:
        raise Conflict(say("key_rules.key_limit", max=MAX_ACTIVE_KEYS_PER_OWNER), code="API_KEY_LIMIT_REACHED")
    parsed = generate_key(type)
    key = ApiKey(id=new_id("api_key"), name=clean, type=type, status=ACTIVE,
                 org_code=org_code if type == ORGANIZATION else None, user_id=user_id if type == USER else None,
                 key_prefix=parsed.prefix + parsed.body[:VISIBLE_BODY_CHARS], key_suffix=parsed.value[-SUFFIX_CHARS:],
                 key_hash=sha256_hex(parsed.value), scopes=scope_keys, created_on=clock.utcnow(),
                 created_by=creator, expires_on=expiry, verification_count=0)
    session.add(key)
    session.flush()
    audit.record(session, actor=actor, action="api_key.created", target_type="api_key", target_id=key.id,
                 org_code=key.org_code, before={},
                 after={"name": clean, "type": type, "user_id": key.user_id, "scopes": scope_keys,
                        "expires_on": expiry, "key_suffix": key.key_suffix})
    return key, parsed.value


def _owner_filter(owner: KeyOwner) -> tuple:
    if owner.type == ORGANIZATION:
        return (ApiKey.type == ORGANIZATION, ApiKey.org_code == owner.id)
    return (ApiKey.type == USER, ApiKey.user_id == owner.id)


def _changed_meanwhile() -> Conflict:
    return Conflict(say("key_rules.changed_meanwhile"), code="API_KEY_CHANGED")


def rotate_key(session: Session, key_id: str, *, owner: KeyOwner, actor: audit.Actor) -> tuple[ApiKey, str]:
    """Give the key a new secret, keeping its id, name, scopes and expiry; returns (key, secret).

    The old secret stops working when the caller commits. One conditional UPDATE, so two
    concurrent rotations cannot both hand out a secret. One audit event `api_key.rotated`.
    Raises NotFound (unknown or not the owner's), Conflict (revoked, expired, changed meanwhile).
    """
    key = get_key(session, key_id, owner=owner)
    status = effective_status(key)
    if status != ACTIVE:
        why = (say("key_rules.rotate_expired") if status == EXPIRED
               else say("key_rules.rotate_revoked") if status == REVOKED
               else f"A {status} key cannot be rotated; create a new one.")
        raise Conflict(why, code=f"API_KEY_{status.upper()}")
    parsed = generate_key(key.type)
    old_suffix = key.key_suffix
    result = session.exec(
        update(ApiKey).where(ApiKey.id == key.id, ApiKey.key_hash == key.key_hash, ApiKey.status == ACTIVE)
        .values(key_hash=sha256_hex(parsed.value), key_prefix=parsed.prefix + parsed.body[:VISIBLE_BODY_CHARS],
                key_suffix=parsed.value[-SUFFIX_CHARS:])
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        session.refresh(key)
        raise _changed_meanwhile()
    session.refresh(key)
    audit.record(session, actor=actor, action="api_key.rotated", target_type="api_key", target_id=key.id,
                 before={"key_suffix": old_suffix}, after={"key_suffix": key.key_suffix}, **_audit_target(key))
    return key, parsed.value


def revoke_key(session: Session, key_id: str, *, owner: KeyOwner, actor: audit.Actor) -> ApiKey:
    """Revoke the key: verification fails as soon as the caller commits. Audit `api_key.revoked`.

    Raises NotFound (unknown or not the owner's), Conflict (already revoked).
    """
    key = get_key(session, key_id, owner=owner)
    if key.status != ACTIVE:
        raise Conflict(say("key_rules.already_revoked"), code="API_KEY_REVOKED")
    result = session.exec(update(ApiKey).where(ApiKey.id == key.id, ApiKey.status == ACTIVE)
                           .values(status=REVOKED).execution_options(synchronize_session=False))
    session.refresh(key)
    if result.rowcount != 1:
        raise Conflict(say("key_rules.already_revoked"), code="API_KEY_REVOKED")
    audit.record(session, actor=actor, action="api_key.revoked", target_type="api_key", target_id=key.id,
                 before={"status": ACTIVE}, after={"status": REVOKED}, **_audit_target(key))
    return key


# --- verification -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Verification:
    """The answer to "is this secret a usable key?".

    `key` is None when no key has this secret (never issued, or replaced by a rotation);
    `reason` is None when valid, else `unknown`, `revoked` or `expired`.
    """

    is_valid: bool
    key: Optional[ApiKey]
    reason: Optional[str]


def verify_key(session: Session, secret: object) -> Verification:
    """Check a secret; on success count the verification (one `count = count + 1` UPDATE).

    Malformed input raises InvalidInput (INVALID_API_KEY) before any database access. Only an
    active, unexpired key whose hash matches is valid; the counting UPDATE repeats those
    conditions, so a revoke or rotation committed meanwhile wins. The caller commits.
    """
    parsed = parse_key(secret)
    digest = sha256_hex(parsed.value)
    key = session.exec(select(ApiKey).where(ApiKey.key_hash == digest)
                       .execution_options(populate_existing=True)).first()
    if key is None or key.type != parsed.type or not same_secret(key.key_hash, digest):
        return Verification(False, None, "unknown")
    status = effective_status(key)
    if status != ACTIVE:
        return Verification(False, key, status)
    now = clock.utcnow()
    result = session.exec(
        update(ApiKey)
        .where(ApiKey.id == key.id, ApiKey.key_hash == digest, ApiKey.status == ACTIVE,
               or_(col(ApiKey.expires_on).is_(None), col(ApiKey.expires_on) > now))
        .values(verification_count=ApiKey.verification_count + 1, last_verified_on=now)
        .execution_options(synchronize_session=False))
    session.refresh(key)
    if result.rowcount == 1:
        return Verification(True, key, None)
    if key.key_hash != digest:
        return Verification(False, None, "unknown")
    return Verification(False, key, effective_status(key, now))


# --- scope catalogue --------------------------------------------------------------------------

def list_api_scopes(session: Session) -> list[ApiScope]:
    """The whole catalogue (at most 500 scopes), by key."""
    return list(session.exec(select(ApiScope).order_by(ApiScope.key)).all())


def create_api_scope(session: Session, *, actor: audit.Actor, key: str, description: Optional[str] = "") -> ApiScope:
    """Add a scope such as `read:reports` (lower case `action:resource[:more]`, at most 128).

    One audit event `api_scope.created`. Raises InvalidInput (bad key or description),
    Conflict (key exists: API_SCOPE_ALREADY_EXISTS; catalogue full).
    """
    if not isinstance(key, str) or len(key) > SCOPE_KEY_MAX or not SCOPE_KEY_PATTERN.fullmatch(key):
        raise InvalidInput("key: lower-case action:resource, e.g. read:reports (at most 128 characters)",
                           code="INVALID_SCOPE_KEY")
    desc = clean_name(description, field="description", max_len=SCOPE_DESCRIPTION_MAX)
    if session.exec(select(ApiScope.id).where(ApiScope.key == key)).first():
        raise Conflict(f"The scope {key!r} already exists.", code="API_SCOPE_ALREADY_EXISTS")
    if session.exec(select(func.count()).select_from(ApiScope)).one() >= MAX_API_SCOPES:
        raise Conflict(f"The catalogue holds at most {MAX_API_SCOPES} scopes.", code="API_SCOPE_LIMIT_REACHED")
    scope = ApiScope(id=new_id("scope"), key=key, description=desc, created_on=clock.utcnow())
    session.add(scope)
    session.flush()
    # "scope_key", not "key": the audit log drops fields named "key" as secrets.
    audit.record(session, actor=actor, action="api_scope.created", target_type="api_scope", target_id=scope.id,
                 before={}, after={"scope_key": key, "description": desc})
    return scope

