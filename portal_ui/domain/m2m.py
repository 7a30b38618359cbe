"""M2M applications (README "Configuration"): machine clients that get tokens at POST /oauth2/token.

`create_m2m_app` makes one (the secret is returned once and stored only as a SHA-256 hash),
`authenticate_client` checks a client id and secret, `revoke_m2m_app` stops an app and
`set_m2m_scopes` replaces its scopes. Both take effect on tokens already issued: the Management
API checks the application on each request (portal_ui/api/m2m_apps.py, at most 5 s behind).
Functions add an audit event to the caller's session; the caller commits.
"""

from __future__ import annotations

import re
from typing import Sequence

from sqlmodel import Session

from portal_ui.domain import audit
from portal_ui.domain.clock import utcnow
from portal_ui.domain.errors import DomainError, InvalidInput, NotFound
from portal_ui.domain.secrets import new_id, new_secret, same_secret, sha256_hex
from portal_ui.domain.users import clean_name
from portal_ui.models import NAME_MAX, M2MApplication

CLIENT_ID_PREFIX = "m2m"
SECRET_BYTES = 32  # 256 bits
MAX_SCOPES = 100
SCOPE_MAX_CHARS = 128
SECRET_MAX_CHARS = 256
# Colon-separated lower-case words, like Kinde's `create:portal_links` or `read:users`.
_SCOPE = re.compile(r"^[a-z][a-z_]*(?::[a-z][a-z0-9_]*)+$")
_CLIENT_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
# Compared against when the client id is unknown, so that case costs the same as a wrong secret.
_DUMMY_HASH = sha256_hex("portal_ui: no such client")


class InvalidClient(DomainError):
    """Client authentication failed: unknown client, wrong secret or revoked app (never says which)."""

    status = 401
    code = "INVALID_CLIENT"

    def __init__(self, message: str = "Client authentication failed.", *, code: str | None = None):
        super().__init__(message, code=code)


def clean_scopes(scopes: object) -> list[str]:
    """The scopes as a de-duplicated list in the given order; InvalidInput if any is malformed."""
    if isinstance(scopes, str) or not isinstance(scopes, (list, tuple)):
        raise InvalidInput("scopes: give a list of scopes such as create:portal_links")
    out: list[str] = []
    for scope in scopes:
        if not isinstance(scope, str) or len(scope) > SCOPE_MAX_CHARS or not _SCOPE.match(scope):
            shown = str(scope)[:SCOPE_MAX_CHARS]
            raise InvalidInput(f"scopes: {shown!r} is not a scope; use words joined by ':' such as read:users",
                               code="INVALID_SCOPE")
        if scope not in out:
            out.append(scope)
    if not out:
        raise InvalidInput("scopes: give at least one scope", code="INVALID_SCOPE")
    if len(out) > MAX_SCOPES:
        raise InvalidInput(f"scopes: at most {MAX_SCOPES}", code="INVALID_SCOPE")
    return out


def create_m2m_app(session: Session, *, name: str, scopes: Sequence[str], actor: audit.Actor) -> tuple[str, str]:
    """Create an M2M application; returns `(client_id, client_secret)`.

    The secret (256 bits) is shown only here: the database keeps its SHA-256 hash. One audit event
    `m2m_application.created` (name and scopes, never the secret). Raises InvalidInput.
    """
    clean = clean_name(name, field="name", max_len=NAME_MAX)
    if not clean:
        raise InvalidInput("name: give the application a name", code="NAME_REQUIRED")
    allowed = clean_scopes(scopes)
    client_id = new_id(CLIENT_ID_PREFIX)
    secret = new_secret(SECRET_BYTES)
    session.add(M2MApplication(client_id=client_id, name=clean, secret_hash=sha256_hex(secret), scopes=allowed,
                               created_on=utcnow()))
    session.flush()
    audit.record(session, actor=actor, action="m2m_application.created", target_type="m2m_application",
                 target_id=client_id, before={}, after={"name": clean, "scopes": allowed})
    return client_id, secret


def authenticate_client(session: Session, client_id: object, secret: object) -> M2MApplication:
    """The active application with this id and secret; InvalidClient otherwise.

    The secret is compared in constant time, and an unknown id costs the same comparison.
    """
    if not isinstance(client_id, str) or not isinstance(secret, str):
        raise InvalidClient()
    if not secret or len(secret) > SECRET_MAX_CHARS:
        raise InvalidClient()
    app = session.get(M2MApplication, client_id) if _CLIENT_ID.match(client_id) else None
    matches = same_secret(sha256_hex(secret), app.secret_hash if app is not None else _DUMMY_HASH)
    if app is None or not matches or app.revoked_on is not None:
        raise InvalidClient()
    return app


def revoke_m2m_app(session: Session, client_id: str, *, actor: audit.Actor) -> M2MApplication:
    """Refuse the app's secret from now on, and its tokens within seconds (portal_ui/api/m2m_apps.py).

    One audit event `m2m_application.revoked`. Raises NotFound. Revoking twice changes nothing.
    """
    app = session.get(M2MApplication, client_id) if isinstance(client_id, str) and client_id else None
    if app is None:
        raise NotFound(f"No M2M application with client id {str(client_id)[:64]!r}.", code="M2M_APP_NOT_FOUND")
    if app.revoked_on is None:
        app.revoked_on = utcnow()
        session.add(app)
        audit.record(session, actor=actor, action="m2m_application.revoked", target_type="m2m_application",
                     target_id=client_id, before={"revoked_on": None}, after={"revoked_on": app.revoked_on})
    return app


def set_m2m_scopes(session: Session, client_id: str, scopes: Sequence[str], *, actor: audit.Actor) -> M2MApplication:
    """Replace the app's scopes; tokens already issued lose the scopes taken away within seconds.

    One audit event `m2m_application.scopes_changed` (before/after) when they change. Raises
    NotFound, InvalidInput.
    """
    allowed = clean_scopes(scopes)
    app = session.get(M2MApplication, client_id) if isinstance(client_id, str) and client_id else None
    if app is None:
        raise NotFound(f"No M2M application with client id {str(client_id)[:64]!r}.", code="M2M_APP_NOT_FOUND")
    before = list(app.scopes)
    if before != allowed:
        app.scopes = allowed
        session.add(app)
        audit.record(session, actor=actor, action="m2m_application.scopes_changed", target_type="m2m_application",
                     target_id=client_id, before={"scopes": before}, after={"scopes": allowed})
    return app
