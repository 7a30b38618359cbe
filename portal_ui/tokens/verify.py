"""Token verification with PyJWT (README "Configuration").

Interface: `get_verifier(settings).verify(token) -> claims`, raising InvalidToken.

- `EmbeddedVerifier`: tokens signed by this portal's own RSA key (RS256 only).
- `ExternalVerifier`: tokens from the host's identity provider, checked against its JWKS
  (`PORTAL_JWKS_URL`), cached by `kid`. An unknown `kid` triggers at most one refetch per
  cooldown, and a failed refetch keeps the keys already cached.

Both pin the algorithms before decoding, require exp/iat/sub/iss/aud and check `iss` and `aud`
exactly, with a small leeway.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from functools import lru_cache
from typing import Callable

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from portal_ui.settings import Settings
from portal_ui.tokens.keys import load_or_create_signing_key

ALGORITHMS = ["RS256", "ES256"]  # pinned: never "none", never HMAC
REQUIRED = ["exp", "iat", "sub", "iss", "aud"]
LEEWAY_SECONDS = 30
MAX_TOKEN_CHARS = 8192
JWKS_TIMEOUT_SECONDS = 3.0
JWKS_MAX_BYTES = 256 * 1024
JWKS_REFETCH_COOLDOWN_SECONDS = 60.0
JWKS_MAX_AGE_SECONDS = 3600.0  # cached keys are refreshed (cooldown permitting) after this long
MIN_RSA_BITS = 2048

log = logging.getLogger("portal_ui.tokens")


class InvalidToken(Exception):
    """Any reason a token is refused; the message is for logs, never for the caller."""


def _pinned_header(token: object, allowed: list[str]) -> dict:
    """The unverified header, refusing anything whose `alg` is not in `allowed` before any decoding."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS:
        raise InvalidToken("malformed token")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise InvalidToken(f"malformed header: {exc}") from None
    if header.get("alg") not in allowed:
        raise InvalidToken(f"algorithm {str(header.get('alg'))[:16]!r} is not allowed")
    return header


def _decode(token: str, key, alg: str, *, issuer: str, audience: str) -> dict:
    try:
        return jwt.decode(
            token,
            key,
            algorithms=[alg],
            audience=audience,
            issuer=issuer,
            leeway=LEEWAY_SECONDS,
            options={"require": REQUIRED, "strict_aud": False, "verify_signature": True},
        )
    except jwt.PyJWTError as exc:
        raise InvalidToken(str(exc)) from None


class EmbeddedVerifier:
    """Verifies tokens signed by this portal's own key."""

    algorithms = ["RS256"]  # the embedded key is RSA: the key type must match the algorithm
    blocking = False  # a signature check against a key in memory: fine on the event loop

    def __init__(self, settings: Settings):
        self.settings = settings

    def verify(self, token: str) -> dict:
        header = _pinned_header(token, self.algorithms)
        key = load_or_create_signing_key(self.settings.signing_key_path)
        if header.get("kid") != key.kid:
            raise InvalidToken("unknown kid")
        return _decode(token, key.private_key.public_key(), header["alg"], issuer=self.settings.issuer,
                       audience=self.settings.audience)


def _usable(data: dict, jwk: jwt.PyJWK) -> bool:
    """A signing key with a kid, for a pinned algorithm, whose key type matches that algorithm."""
    if not isinstance(jwk.key_id, str) or not jwk.key_id or data.get("use") not in (None, "sig"):
        return False
    if jwk.algorithm_name == "RS256":
        return isinstance(jwk.key, rsa.RSAPublicKey) and jwk.key.key_size >= MIN_RSA_BITS
    if jwk.algorithm_name == "ES256":
        return isinstance(jwk.key, ec.EllipticCurvePublicKey) and isinstance(jwk.key.curve, ec.SECP256R1)
    return False


def parse_jwks(document: object) -> dict[str, jwt.PyJWK]:
    """The usable keys of a JWKS document by kid; other keys (HMAC, other algorithms, broken) are skipped."""
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        raise ValueError("the JWKS is not a JSON object with a list of keys")
    keys: dict[str, jwt.PyJWK] = {}
    for data in document["keys"][:100]:
        if not isinstance(data, dict):
            continue
        try:
            jwk = jwt.PyJWK(data)
        except (jwt.PyJWTError, TypeError, ValueError, KeyError, AttributeError):  # malformed member
            continue
        if _usable(data, jwk):
            keys.setdefault(jwk.key_id, jwk)
    return keys


class ExternalVerifier:
    """Verifies tokens from an external issuer against its JWKS, cached by kid.

    `refetch_cooldown`: at most one JWKS request per this many seconds, whatever the tokens say.
    `transport` (an httpx transport) and `clock` (monotonic seconds) are for tests.
    """

    algorithms = ALGORITHMS
    blocking = True  # may fetch the JWKS over the network: call it from a worker thread

    def __init__(self, settings: Settings, *, refetch_cooldown: float = JWKS_REFETCH_COOLDOWN_SECONDS,
                 max_age: float = JWKS_MAX_AGE_SECONDS, timeout: float = JWKS_TIMEOUT_SECONDS,
                 transport: httpx.BaseTransport | None = None, clock: Callable[[], float] = time.monotonic):
        if not (settings.jwt_issuer and settings.jwks_url and settings.jwt_audience):
            raise ValueError("external token mode needs PORTAL_JWT_ISSUER, PORTAL_JWKS_URL and PORTAL_JWT_AUDIENCE")
        self.settings = settings
        self.refetch_cooldown = refetch_cooldown
        self.max_age = max_age
        self.timeout = timeout
        self._transport = transport
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fetched_at: float | None = None  # last successful fetch
        self._attempted_at: float | None = None  # last fetch, successful or not
        self.fetch_count = 0

    def verify(self, token: str) -> dict:
        header = _pinned_header(token, self.algorithms)
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid or len(kid) > 256:
            raise InvalidToken("the token names no key (kid)")
        key = self._key_for(kid)
        if key is None:
            raise InvalidToken("unknown kid")
        if key.algorithm_name != header["alg"]:
            raise InvalidToken("the token's algorithm does not match its key")
        return _decode(token, key, header["alg"], issuer=self.settings.jwt_issuer,
                       audience=self.settings.jwt_audience)

    def _key_for(self, kid: str) -> jwt.PyJWK | None:
        key = self._keys.get(kid)
        stale = self._fetched_at is None or self._clock() - self._fetched_at >= self.max_age
        if key is None or stale:
            fetched_at = self._fetched_at
            self._refresh()
            if self._fetched_at != fetched_at:  # a fresh key set replaces the cache, retired keys included
                key = self._keys.get(kid)
            # otherwise no fetch happened or it failed: a stale cached key stays usable
        return key

    def _refresh(self) -> None:
        """Fetch the JWKS unless a fetch happened within the cooldown; keep the cache on failure."""
        with self._lock:
            now = self._clock()
            if self._attempted_at is not None and now - self._attempted_at < self.refetch_cooldown:
                return
            self._attempted_at = now
            keys = self._fetch()
            if keys:
                self._keys = keys
                self._fetched_at = now

    def _fetch(self) -> dict[str, jwt.PyJWK] | None:
        self.fetch_count += 1
        url = self.settings.jwks_url
        try:
            with httpx.Client(transport=self._transport, timeout=self.timeout, follow_redirects=False) as client:
                with client.stream("GET", url, headers={"Accept": "application/json"}) as response:
                    if response.status_code != 200:
                        raise ValueError(f"HTTP {response.status_code}")
                    declared = response.headers.get("content-length", "")
                    if declared.isdigit() and int(declared) > JWKS_MAX_BYTES:
                        raise ValueError("the JWKS is too large")
                    body = bytearray()
                    for chunk in response.iter_bytes():
                        body += chunk
                        if len(body) > JWKS_MAX_BYTES:
                            raise ValueError("the JWKS is too large")
            keys = parse_jwks(json.loads(bytes(body)))
            if not keys:
                raise ValueError("the JWKS holds no RS256/ES256 signing key with a kid")
            return keys
        except (httpx.HTTPError, ValueError, jwt.PyJWTError) as exc:
            log.warning("could not refresh the JWKS from %s: %s; keeping %d cached key(s)", url, exc, len(self._keys))
            return None


@lru_cache(maxsize=8)
def get_verifier(settings: Settings) -> EmbeddedVerifier | ExternalVerifier:
    """The verifier for these settings (one per settings, so the JWKS cache is shared)."""
    if settings.external_tokens:
        return ExternalVerifier(settings)
    return EmbeddedVerifier(settings)
