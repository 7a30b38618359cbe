"""Who is calling: bearer-token checks shared by every API route.

`require_m2m(request, scope)` guards Management API routes; `require_user(request)` guards the
Account API. Both answer 403 in Kinde's envelope for a missing, malformed or invalid token.
`require_m2m` also refuses the tokens of an embedded-issuer application that has been revoked, and
scopes taken from it since (portal_ui/api/m2m_apps.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from portal_ui.api.errors import ApiError
from portal_ui.api.m2m_apps import APP_CHECKS
from portal_ui.api.proxies import client_ip
from portal_ui.domain.audit import Actor
from portal_ui.settings import get_settings
from portal_ui.tokens.verify import InvalidToken, get_verifier

MAX_TOKEN_CHARS = 8192


@dataclass(frozen=True)
class M2MCaller:
    client_id: str
    scopes: frozenset[str]
    actor: Actor


@dataclass(frozen=True)
class UserCaller:
    user_id: str
    org_code: str | None
    actor: Actor


def request_actor(request: Request, actor_type: str, actor_id: str) -> Actor:
    client = client_ip(request) if request.client else ""
    return Actor(type=actor_type, id=actor_id, client_ip=client, user_agent=request.headers.get("user-agent", "")[:512])


def _bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise ApiError(403, "INVALID_CREDENTIALS", "Send a bearer token in the Authorization header.")
    if len(token) > MAX_TOKEN_CHARS:
        raise ApiError(403, "INVALID_CREDENTIALS", "The bearer token is not valid.")
    return token


async def _claims(request: Request) -> dict:
    token = _bearer(request)
    verifier = get_verifier(get_settings())
    try:
        if verifier.blocking:
            return await run_in_threadpool(verifier.verify, token)
        return verifier.verify(token)
    except InvalidToken:
        raise ApiError(403, "INVALID_CREDENTIALS", "The bearer token is not valid.") from None


def token_scopes(claims: dict) -> frozenset[str]:
    """Scopes from `scope` (space-separated string) or `scp` (list), as Kinde and others send them."""
    scopes: set[str] = set()
    raw = claims.get("scope")
    if isinstance(raw, str):
        scopes.update(raw.split())
    scp = claims.get("scp")
    if isinstance(scp, list):
        scopes.update(s for s in scp if isinstance(s, str))
    elif isinstance(scp, str):
        scopes.update(scp.split())
    return frozenset(scopes)


def _is_m2m(claims: dict) -> bool:
    gty = claims.get("gty")
    return gty == "client_credentials" or (isinstance(gty, list) and "client_credentials" in gty)


async def require_m2m(request: Request, scope: str) -> M2MCaller:
    """The M2M caller if its token is valid and carries `scope`; else 403."""
    claims = await _claims(request)
    if not _is_m2m(claims):
        raise ApiError(403, "INVALID_CREDENTIALS", "This API needs a machine-to-machine token.")
    scopes = token_scopes(claims)
    if scope not in scopes:
        raise ApiError(403, "FORBIDDEN", f"The token lacks the scope {scope}.")
    client_id = str(claims.get("azp") or claims.get("client_id") or claims["sub"])
    if "\x00" in client_id:  # cannot be stored (audit actor) on PostgreSQL
        raise ApiError(403, "INVALID_CREDENTIALS", "The bearer token is not valid.")
    settings = get_settings()
    if not settings.external_tokens:  # our own application: revocation and scope changes apply at once
        app = await APP_CHECKS.status(settings.db_url, client_id)
        if app is None or not app.active:
            raise ApiError(403, "INVALID_CREDENTIALS", f"The M2M application {client_id[:64]} has been revoked "
                           "or does not exist; the token no longer works.")
        scopes = scopes & app.scopes
        if scope not in scopes:
            raise ApiError(403, "FORBIDDEN", f"The M2M application no longer has the scope {scope}.")
    return M2MCaller(client_id=client_id, scopes=scopes, actor=request_actor(request, "m2m", client_id))


async def require_user(request: Request) -> UserCaller:
    """The signed-in user of a user access token; M2M tokens are refused (403)."""
    claims = await _claims(request)
    if _is_m2m(claims):
        raise ApiError(403, "INVALID_CREDENTIALS", "This API needs a user access token.")
    org = claims.get("org_code")
    org_code = org if isinstance(org, str) and org else None
    user_id = str(claims["sub"])
    if "\x00" in user_id or (org_code and "\x00" in org_code):  # cannot be looked up on PostgreSQL
        raise ApiError(403, "INVALID_CREDENTIALS", "The bearer token is not valid.")
    return UserCaller(user_id=user_id, org_code=org_code, actor=request_actor(request, "user", user_id))
