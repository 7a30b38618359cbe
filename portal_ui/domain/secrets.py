"""Random identifiers and secret hashing (standard library primitives only)."""

from __future__ import annotations

import hashlib
import hmac
import secrets


def new_id(prefix: str, nbytes: int = 16) -> str:
    """A public identifier such as `kp_3f2a…` or `org_9c1d…`."""
    return f"{prefix}_{secrets.token_hex(nbytes)}"


def new_secret(nbytes: int = 32) -> str:
    """A URL-safe secret with `nbytes` of randomness (32 bytes = 256 bits)."""
    return secrets.token_urlsafe(nbytes)


def sha256_hex(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def same_secret(a: str, b: str) -> bool:
    """Constant-time comparison, for anything derived from a secret."""
    return hmac.compare_digest(a.encode("utf-8"), b.encode("utf-8"))
