"""Minting tokens as the embedded issuer (M2M tokens at /oauth2/token, development user tokens)."""

from __future__ import annotations

import time
import uuid

import jwt

from portal_ui.settings import Settings
from portal_ui.tokens.keys import load_or_create_signing_key


def _mint(settings: Settings, claims: dict, ttl: int) -> str:
    if settings.external_tokens:
        raise RuntimeError("portal_ui only verifies tokens in external mode; your identity provider issues them")
    key = load_or_create_signing_key(settings.signing_key_path)
    now = int(time.time())
    payload = {"iss": settings.issuer, "aud": [settings.audience], "iat": now, "nbf": now, "exp": now + ttl, "jti": uuid.uuid4().hex, **claims}
    return jwt.encode(payload, key.private_key, algorithm="RS256", headers={"kid": key.kid})


def mint_user_token(settings: Settings, user_id: str, org_code: str | None = None, ttl: int = 3600) -> str:
    """A user access token like the one a host app gets at sign-in (development and tests)."""
    claims = {"sub": user_id}
    if org_code:
        claims["org_code"] = org_code
    return _mint(settings, claims, ttl)


def mint_m2m_token(settings: Settings, client_id: str, scopes: list[str] | tuple[str, ...], ttl: int = 86400) -> str:
    """An M2M access token with Kinde's claims: `gty`, `azp`, space-separated `scope`."""
    claims = {"sub": client_id, "azp": client_id, "gty": ["client_credentials"], "scope": " ".join(scopes)}
    return _mint(settings, claims, ttl)
