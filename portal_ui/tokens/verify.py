"""Token verification with PyJWT (contract §1).

Interface: `get_verifier(settings).verify(token) -> claims`, raising InvalidToken.
"""

from __future__ import annotations

from functools import lru_cache

import jwt

from portal_ui.settings import Settings
from portal_ui.tokens.keys import load_or_create_signing_key

ALGORITHMS = ["RS256", "ES256"]  # pinned: never "none", never HMAC
REQUIRED = ["exp", "iat", "sub", "iss", "aud"]
LEEWAY_SECONDS = 30


class InvalidToken(Exception):
    """Any reason a token is refused; the message is for logs, never for the caller."""


class EmbeddedVerifier:
    """Verifies tokens signed by this portal's own key."""

    def __init__(self, settings: Settings):
        self.settings = settings

    def verify(self, token: str) -> dict:
        key = load_or_create_signing_key(self.settings.signing_key_path)
        try:
            header = jwt.get_unverified_header(token)
            if header.get("kid") != key.kid:
                raise InvalidToken("unknown kid")
            return jwt.decode(
                token,
                key.private_key.public_key(),
                algorithms=ALGORITHMS,
                audience=self.settings.audience,
                issuer=self.settings.issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": REQUIRED, "strict_aud": False},
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from None


@lru_cache(maxsize=8)
def get_verifier(settings: Settings) -> EmbeddedVerifier:
    return EmbeddedVerifier(settings)
