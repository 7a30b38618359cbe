"""Signing a delivery: a JWT (Kinde's way) or Standard Webhooks (`webhook-signature`).

- `jwt`: the body is a JWT (`Content-Type: application/jwt`), RS256, signed with the portal's RSA key
  (PORTAL_SIGNING_KEY_PATH; its `kid` in the header). Its claims are the event object plus `iss`
  (PORTAL_PUBLIC_URL), `iat` and `exp`; there is no `sub` or `aud`, so it is never mistaken for
  an access token. The public key is at `/.well-known/webhooks/jwks.json` (in embedded token mode
  also `/.well-known/jwks.json`, the same key).
- `standard`: the body is the event object as JSON, with the headers `webhook-id` (the event id),
  `webhook-timestamp` and `webhook-signature` (`v1,<base64 HMAC-SHA256>`) made by the
  `standardwebhooks` package with the endpoint's secret (`whsec_...`, shown once at creation).

Both modes send `webhook-id` and `webhook-timestamp`, so receivers can drop a repeat.
"""

from __future__ import annotations

import base64
import json
import secrets
from datetime import datetime, timedelta

import jwt
from standardwebhooks import Webhook

from portal_ui.settings import Settings
from portal_ui.tokens.keys import load_or_create_signing_key

MODES = ("jwt", "standard")
JWT_LIFETIME = timedelta(minutes=15)  # each attempt is signed afresh


def new_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def signed_request(*, mode: str, secret: str, payload: dict, now: datetime, settings: Settings) -> tuple[bytes, dict]:
    """The body and headers of one attempt to send `payload`."""
    event_id = payload["event_id"]
    headers = {"webhook-id": event_id, "webhook-timestamp": str(int(now.timestamp())),
               "user-agent": "portal_ui-webhooks/1"}
    if mode == "standard":
        body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
        headers["webhook-signature"] = Webhook(secret).sign(msg_id=event_id, timestamp=now, data=body)
        headers["content-type"] = "application/json"
        return body, headers
    key = load_or_create_signing_key(settings.signing_key_path)
    claims = {**payload, "iss": settings.public_url, "iat": int(now.timestamp()),
              "exp": int((now + JWT_LIFETIME).timestamp())}
    token = jwt.encode(claims, key.private_key, algorithm="RS256", headers={"kid": key.kid})
    headers["content-type"] = "application/jwt"
    return token.encode(), headers


def webhook_jwks(settings: Settings) -> dict:
    """The JWKS that verifies `jwt` deliveries."""
    return {"keys": [load_or_create_signing_key(settings.signing_key_path).public_jwk()]}
