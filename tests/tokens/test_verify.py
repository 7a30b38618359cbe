"""Token verification (README "Configuration"): JWT attack cases in embedded and external mode, JWKS caching."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from portal_ui.settings import Settings
from portal_ui.tokens.issue import mint_m2m_token, mint_user_token
from portal_ui.tokens.keys import load_or_create_signing_key
from portal_ui.tokens.verify import (EmbeddedVerifier, ExternalVerifier, InvalidToken, get_verifier, parse_jwks)

ISSUER = "https://idp.example/"
AUDIENCE = "https://api.example"
JWKS_URL = "https://idp.example/.well-known/jwks.json"
EXTERNAL = Settings(jwt_issuer=ISSUER, jwks_url=JWKS_URL, jwt_audience=AUDIENCE)

RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
OTHER_RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
EC_KEY = ec.generate_private_key(ec.SECP256R1())


# --- helpers ---------------------------------------------------------------------------------

def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def claims_for(issuer: str, audience: str, **overrides) -> dict:
    now = int(time.time())
    claims = {"iss": issuer, "aud": audience, "sub": "kp_ada", "iat": now, "exp": now + 600}
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def sign(key, claims: dict, *, kid: str | None, alg: str = "RS256") -> str:
    headers = {"kid": kid} if kid is not None else {}
    return jwt.encode(claims, key, algorithm=alg, headers=headers)


def unsigned(claims: dict, kid: str) -> str:
    """`alg: none`: a header and payload with an empty signature."""
    header = b64(json.dumps({"alg": "none", "typ": "JWT", "kid": kid}).encode())
    return f"{header}.{b64(json.dumps(claims).encode())}."


def hs256_with_public_pem(public_key, claims: dict, kid: str) -> str:
    """The classic key-confusion attack: HMAC-SHA256 keyed with the public key's PEM."""
    pem = public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    header = b64(json.dumps({"alg": "HS256", "typ": "JWT", "kid": kid}).encode())
    body = f"{header}.{b64(json.dumps(claims).encode())}"
    return f"{body}.{b64(hmac.new(pem, body.encode(), hashlib.sha256).digest())}"


def tamper_signature(token: str) -> str:
    head, payload, sig = token.split(".")
    raw = bytearray(base64.urlsafe_b64decode(sig + "=" * (-len(sig) % 4)))
    raw[len(raw) // 2] ^= 0x01
    return f"{head}.{payload}.{b64(bytes(raw))}"


def tamper_payload(token: str, **changes) -> str:
    head, payload, sig = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims.update(changes)
    return f"{head}.{b64(json.dumps(claims).encode())}.{sig}"


def jwk(private_key, kid: str, **extra) -> dict:
    public = private_key.public_key()
    algo = RSAAlgorithm if isinstance(public, rsa.RSAPublicKey) else ECAlgorithm
    return {**algo.to_jwk(public, as_dict=True), "kid": kid, **extra}


class FakeIdP:
    """A JWKS endpoint behind httpx.MockTransport; `fail` makes it answer 500, `calls` counts requests."""

    def __init__(self, *keys: dict):
        self.keys = list(keys)
        self.calls = 0
        self.fail = False
        self.body: bytes | None = None
        self._lock = threading.Lock()

    def handler(self, request: httpx.Request) -> httpx.Response:
        with self._lock:
            self.calls += 1
        assert str(request.url) == JWKS_URL
        if self.fail:
            return httpx.Response(500, json={"error": "down"})
        if self.body is not None:
            return httpx.Response(200, content=self.body)
        return httpx.Response(200, json={"keys": self.keys})


class FakeClock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def idp():
    return FakeIdP(jwk(RSA_KEY, "rsa-1", alg="RS256", use="sig"), jwk(EC_KEY, "ec-1"))


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def external(idp, clock):
    return ExternalVerifier(EXTERNAL, refetch_cooldown=60, transport=httpx.MockTransport(idp.handler), clock=clock)


def ext_claims(**overrides) -> dict:
    return claims_for(ISSUER, AUDIENCE, **overrides)


# --- embedded mode ---------------------------------------------------------------------------

@pytest.fixture
def embedded(settings):
    key = load_or_create_signing_key(settings.signing_key_path)
    return EmbeddedVerifier(settings), key


def emb_claims(settings, **overrides) -> dict:
    return claims_for(settings.issuer, settings.audience, **overrides)


def test_embedded_accepts_its_own_tokens(settings, embedded):
    verifier, _key = embedded
    assert verifier.verify(mint_user_token(settings, "kp_ada", "org_1"))["org_code"] == "org_1"
    assert verifier.verify(mint_m2m_token(settings, "m2m_x", ["read:users"]))["scope"] == "read:users"
    assert isinstance(get_verifier(settings), EmbeddedVerifier)


def embedded_attacks(settings, key):
    kid, private = key.kid, key.private_key
    good = sign(private, emb_claims(settings), kid=kid)
    return {
        "alg_none": unsigned(emb_claims(settings), kid),
        "hs256_public_pem": hs256_with_public_pem(private.public_key(), emb_claims(settings), kid),
        "expired": sign(private, emb_claims(settings, iat=int(time.time()) - 7200, exp=int(time.time()) - 60), kid=kid),
        "iat_missing": sign(private, emb_claims(settings, iat=None), kid=kid),
        "exp_missing": sign(private, emb_claims(settings, exp=None), kid=kid),
        "sub_missing": sign(private, emb_claims(settings, sub=None), kid=kid),
        "iat_in_future": sign(private, emb_claims(settings, iat=int(time.time()) + 600), kid=kid),
        "wrong_iss": sign(private, emb_claims(settings, iss="https://evil.example"), kid=kid),
        "wrong_aud": sign(private, emb_claims(settings, aud="https://other.example/api"), kid=kid),
        "unknown_kid": sign(private, emb_claims(settings), kid="someone-else"),
        "no_kid": sign(private, emb_claims(settings), kid=None),
        "other_key_same_kid": sign(OTHER_RSA_KEY, emb_claims(settings), kid=kid),
        "tampered_signature": tamper_signature(good),
        "tampered_payload": tamper_payload(good, sub="kp_admin"),
        "es256": sign(EC_KEY, emb_claims(settings), kid=kid, alg="ES256"),
        "rs512": sign(private, emb_claims(settings), kid=kid, alg="RS512"),
        "garbage": "not.a.jwt",
        "empty": "",
    }


ATTACKS = ["alg_none", "hs256_public_pem", "expired", "iat_missing", "exp_missing", "sub_missing", "iat_in_future",
           "wrong_iss", "wrong_aud", "unknown_kid", "no_kid", "other_key_same_kid", "tampered_signature",
           "tampered_payload", "es256", "rs512", "garbage", "empty"]


@pytest.mark.parametrize("attack", ATTACKS)
def test_embedded_refuses(settings, embedded, attack):
    verifier, key = embedded
    token = embedded_attacks(settings, key)[attack]
    with pytest.raises(InvalidToken):
        verifier.verify(token)


def test_embedded_leeway_is_small(settings, embedded):
    verifier, key = embedded
    now = int(time.time())
    assert verifier.verify(sign(key.private_key, emb_claims(settings, iat=now - 600, exp=now - 10), kid=key.kid))
    with pytest.raises(InvalidToken):
        verifier.verify(sign(key.private_key, emb_claims(settings, iat=now - 600, exp=now - 45), kid=key.kid))


def test_embedded_refuses_a_disallowed_alg_before_decoding(settings, embedded, monkeypatch):
    verifier, key = embedded
    monkeypatch.setattr(jwt, "decode", lambda *a, **k: pytest.fail("decoded a token with a disallowed alg"))
    with pytest.raises(InvalidToken):
        verifier.verify(hs256_with_public_pem(key.private_key.public_key(), emb_claims(settings), key.kid))


# --- external mode ---------------------------------------------------------------------------

def test_external_accepts_rs256_and_es256(external, idp):
    assert external.verify(sign(RSA_KEY, ext_claims(), kid="rsa-1"))["sub"] == "kp_ada"
    assert external.verify(sign(EC_KEY, ext_claims(sub="m2m_1"), kid="ec-1", alg="ES256"))["sub"] == "m2m_1"
    assert external.verify(sign(RSA_KEY, ext_claims(aud=["x", AUDIENCE]), kid="rsa-1"))
    assert idp.calls == 1


def external_attacks() -> dict:
    good = sign(RSA_KEY, ext_claims(), kid="rsa-1")
    now = int(time.time())
    return {
        "alg_none": unsigned(ext_claims(), "rsa-1"),
        "hs256_public_pem": hs256_with_public_pem(RSA_KEY.public_key(), ext_claims(), "rsa-1"),
        "hs256_ec_public_pem": hs256_with_public_pem(EC_KEY.public_key(), ext_claims(), "ec-1"),
        "expired": sign(RSA_KEY, ext_claims(iat=now - 7200, exp=now - 60), kid="rsa-1"),
        "iat_missing": sign(RSA_KEY, ext_claims(iat=None), kid="rsa-1"),
        "aud_missing": sign(RSA_KEY, ext_claims(aud=None), kid="rsa-1"),
        "wrong_iss": sign(RSA_KEY, ext_claims(iss="https://idp.example"), kid="rsa-1"),  # no trailing slash
        "wrong_aud": sign(RSA_KEY, ext_claims(aud="https://api.example/other"), kid="rsa-1"),
        "unknown_kid": sign(RSA_KEY, ext_claims(), kid="rsa-unknown"),
        "no_kid": sign(RSA_KEY, ext_claims(), kid=None),
        "other_key_same_kid": sign(OTHER_RSA_KEY, ext_claims(), kid="rsa-1"),
        "tampered_signature": tamper_signature(good),
        "tampered_payload": tamper_payload(good, aud=AUDIENCE, sub="kp_admin"),
        "es256_with_rsa_kid": sign(EC_KEY, ext_claims(), kid="rsa-1", alg="ES256"),
        "rs256_with_ec_kid": sign(RSA_KEY, ext_claims(), kid="ec-1"),
        "ps256": sign(RSA_KEY, ext_claims(), kid="rsa-1", alg="PS256"),
        "es384": sign(ec.generate_private_key(ec.SECP384R1()), ext_claims(), kid="ec-1", alg="ES384"),
    }


@pytest.mark.parametrize("attack", sorted(external_attacks()))
def test_external_refuses(external, attack):
    with pytest.raises(InvalidToken):
        external.verify(external_attacks()[attack])


def test_external_ignores_keys_for_other_algorithms_or_mismatched_types():
    secret = b"shared-secret-shared-secret-32by"
    keys = parse_jwks({"keys": [
        {"kty": "oct", "kid": "hmac", "k": b64(secret), "alg": "HS256"},
        {**jwk(RSA_KEY, "rsa-as-ec"), "alg": "ES256"},
        {**jwk(EC_KEY, "ec-as-rsa"), "alg": "RS256"},
        {**jwk(RSA_KEY, "rsa-512"), "alg": "RS512"},
        {**jwk(RSA_KEY, "enc"), "use": "enc"},
        jwk(ec.generate_private_key(ec.SECP384R1()), "p384"),
        jwk(RSA_KEY, ""),
        {"kty": "RSA", "kid": "broken", "n": "!!", "e": "AQAB"},
        {"kty": "RSA", "kid": "weird", "alg": ["RS256"]},
        "not a key",
        jwk(RSA_KEY, "ok"),
    ]})
    assert set(keys) == {"ok"}


def test_external_refuses_hs256_even_when_the_jwks_publishes_a_secret(clock):
    secret = b"shared-secret-shared-secret-32by"
    idp = FakeIdP({"kty": "oct", "kid": "hmac", "k": b64(secret)}, jwk(RSA_KEY, "rsa-1"))
    verifier = ExternalVerifier(EXTERNAL, transport=httpx.MockTransport(idp.handler), clock=clock)
    with pytest.raises(InvalidToken):
        verifier.verify(jwt.encode(ext_claims(), secret, algorithm="HS256", headers={"kid": "hmac"}))


def test_unknown_kids_cause_at_most_one_fetch_per_cooldown(external, idp, clock):
    assert external.verify(sign(RSA_KEY, ext_claims(), kid="rsa-1"))
    assert idp.calls == 1
    for i in range(25):
        with pytest.raises(InvalidToken):
            external.verify(sign(RSA_KEY, ext_claims(), kid=f"attacker-{i}"))
    assert idp.calls == 1
    clock.now += 61
    for i in range(25):
        with pytest.raises(InvalidToken):
            external.verify(sign(RSA_KEY, ext_claims(), kid=f"attacker-b{i}"))
    assert idp.calls == 2


def test_unknown_kids_from_many_threads_fetch_once(idp, clock):
    verifier = ExternalVerifier(EXTERNAL, transport=httpx.MockTransport(idp.handler), clock=clock)
    tokens = [sign(RSA_KEY, ext_claims(), kid=f"attacker-{i}") for i in range(40)]

    def attempt(token):
        with pytest.raises(InvalidToken):
            verifier.verify(token)

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(attempt, tokens))
    assert idp.calls == 1


def test_a_rotated_key_is_picked_up_after_the_cooldown(external, idp, clock):
    assert external.verify(sign(RSA_KEY, ext_claims(), kid="rsa-1"))
    idp.keys.append(jwk(OTHER_RSA_KEY, "rsa-2"))
    rotated = sign(OTHER_RSA_KEY, ext_claims(), kid="rsa-2")
    with pytest.raises(InvalidToken):
        external.verify(rotated)  # inside the cooldown: no refetch
    clock.now += 61
    assert external.verify(rotated)["sub"] == "kp_ada"
    assert idp.calls == 2


@pytest.mark.parametrize("failure", ["status", "oversize", "not_json", "no_keys", "network"])
def test_a_failed_refetch_keeps_the_cached_keys(idp, clock, failure):
    def handler(request):
        if idp.calls >= 1 and failure == "network":
            idp.calls += 1
            raise httpx.ConnectError("down", request=request)
        return idp.handler(request)

    verifier = ExternalVerifier(EXTERNAL, transport=httpx.MockTransport(handler), clock=clock)
    good = sign(RSA_KEY, ext_claims(), kid="rsa-1")
    assert verifier.verify(good)
    if failure == "status":
        idp.fail = True
    elif failure == "oversize":
        idp.body = json.dumps({"keys": [jwk(RSA_KEY, "rsa-1")], "pad": "x" * 300_000}).encode()
    elif failure == "not_json":
        idp.body = b"<html>oops</html>"
    elif failure == "no_keys":
        idp.body = json.dumps({"keys": []}).encode()
    clock.now += 61
    with pytest.raises(InvalidToken):
        verifier.verify(sign(RSA_KEY, ext_claims(), kid="rsa-new"))
    assert idp.calls == 2
    assert verifier.verify(good)["sub"] == "kp_ada"
    clock.now += 7200  # cached keys are stale now; the refresh fails again but they stay usable
    assert verifier.verify(good)["sub"] == "kp_ada"
    assert idp.calls == 3


def test_stale_keys_are_refreshed_after_max_age(external, idp, clock):
    good = sign(RSA_KEY, ext_claims(), kid="rsa-1")
    assert external.verify(good)
    idp.keys = [jwk(OTHER_RSA_KEY, "rsa-2")]  # the IdP retired rsa-1
    assert external.verify(good)  # still cached
    clock.now += external.max_age + 1
    with pytest.raises(InvalidToken):
        external.verify(good)
    assert idp.calls == 2


def test_an_unreachable_jwks_refuses_tokens_without_crashing(clock):
    idp = FakeIdP()
    idp.fail = True
    verifier = ExternalVerifier(EXTERNAL, transport=httpx.MockTransport(idp.handler), clock=clock)
    for _ in range(5):
        with pytest.raises(InvalidToken):
            verifier.verify(sign(RSA_KEY, ext_claims(), kid="rsa-1"))
    assert idp.calls == 1


def test_get_verifier_uses_the_jwks_in_external_mode(env):
    settings = env(PORTAL_JWT_ISSUER=ISSUER, PORTAL_JWKS_URL=JWKS_URL, PORTAL_JWT_AUDIENCE=AUDIENCE)
    verifier = get_verifier(settings)
    assert isinstance(verifier, ExternalVerifier) and get_verifier(settings) is verifier
    assert verifier.settings.jwt_issuer == ISSUER and verifier.refetch_cooldown == 60
