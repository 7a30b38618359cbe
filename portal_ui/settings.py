"""Every environment variable portal_ui reads, read and validated once.

README "Configuration" lists the variables. Values here *seed* the portal settings on first start; after
that the settings API (README "Portal settings") is the source of truth for the fields it covers.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Mapping
from urllib.parse import urlsplit


class ConfigError(ValueError):
    """A misconfigured environment variable; the message says how to fix it."""


def _int(env: Mapping[str, str], name: str, default: int, *, minimum: int = 1) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number of seconds, got {raw!r}") from None
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    return value


_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def _flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    """A yes/no variable: 1/0, true/false, yes/no or on/off (any case); unset or empty gives `default`."""
    raw = env.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ConfigError(f"{name}: give 1 or 0 (true/false, yes/no and on/off work too), got {raw[:16]!r}")


def _rate_limits(env: Mapping[str, str]) -> tuple[tuple[str, str], ...]:
    """PORTAL_RATE_LIMITS, e.g. `link:ip=600/minute,redeem:ip=300/minute`: limits that replace the defaults."""
    raw = env.get("PORTAL_RATE_LIMITS", "").strip()
    if not raw:
        return ()
    from limits import parse

    from portal_ui.rate_limits import LIMITS

    out: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in raw.split(","))):
        bucket, sep, limit = (text.strip() for text in item.partition("="))
        if not sep or bucket not in LIMITS:
            raise ConfigError(f"PORTAL_RATE_LIMITS: give bucket=limit pairs with buckets from {', '.join(LIMITS)}; "
                              f"got {item[:64]!r}")
        try:
            amount = parse(limit).amount
        except ValueError:
            amount = 0
        if amount < 1:
            raise ConfigError(f"PORTAL_RATE_LIMITS: {bucket}: give a limit such as 120/minute, got {limit[:64]!r}")
        out[bucket] = limit
    return tuple(out.items())


def _trusted_proxies(env: Mapping[str, str]) -> tuple[str, ...]:
    """PORTAL_TRUSTED_PROXIES, e.g. `10.0.0.0/8, 192.0.2.7, fd00::/8`: networks, normalised (`192.0.2.7/32`)."""
    import ipaddress

    out: list[str] = []
    for item in filter(None, (part.strip() for part in env.get("PORTAL_TRUSTED_PROXIES", "").split(","))):
        try:
            network = ipaddress.ip_network(item, strict=False)
        except ValueError:
            raise ConfigError(f"PORTAL_TRUSTED_PROXIES: {item[:64]!r} is not an IP address or network; give the "
                              "addresses or CIDR ranges of your reverse proxies, comma-separated, such as "
                              "10.0.0.0/8, 192.0.2.7, fd00::/8") from None
        out.append(str(network))
    return tuple(dict.fromkeys(out))


def origin_of(url: str) -> str:
    """`scheme://host[:port]` of an absolute URL, lower-cased, default ports dropped."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    port = parts.port
    if port is None or (scheme, port) in (("http", 80), ("https", 443)):
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def _absolute_http_url(name: str, value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{name} must be an absolute http(s) URL such as https://portal.example.com, got {value!r}")
    return value.rstrip("/")


def _dns_resolver(env: Mapping[str, str]) -> tuple[str, int] | None:
    """PORTAL_DNS_RESOLVER, `host:port` (`[::1]:5353` for IPv6; port 53 when left out): the DNS server
    that domain verification asks. The host must be an IP address (a resolver cannot be found by name)."""
    import ipaddress

    raw = env.get("PORTAL_DNS_RESOLVER", "").strip()
    if not raw:
        return None
    host, port = raw, "53"
    if raw.startswith("["):
        host, bracket, rest = raw[1:].partition("]")
        if not bracket:
            host = ""
        elif rest:
            if not rest.startswith(":"):
                host = ""
            port = rest[1:]
    elif raw.count(":") == 1:
        host, _, port = raw.partition(":")
    problem = (f"PORTAL_DNS_RESOLVER: give the DNS server as host:port with an IP address, such as 10.0.0.2:53 or "
               f"[fd00::53]:53, got {raw[:64]!r}")
    try:
        address = str(ipaddress.ip_address(host))
        number = int(port)
    except ValueError:
        raise ConfigError(problem) from None
    if not 1 <= number <= 65535:
        raise ConfigError(problem)
    return address, number
BILLING_PROVIDERS = ("test", "stripe")
STRIPE_JS_URL = "https://js.stripe.com/v3/"  # Stripe.js, which collects cards in the browser
# What a page using Stripe.js must be allowed to reach, by Content-Security-Policy directive
# (Stripe's published list for the card element: its script, its API, its frames).
STRIPE_BROWSER_SOURCES = {"script-src": ("https://js.stripe.com",), "connect-src": ("https://api.stripe.com",),
                          "frame-src": ("https://js.stripe.com", "https://hooks.stripe.com")}
STRIPE_VARIABLES = ("STRIPE_SECRET_KEY", "STRIPE_PUBLISHABLE_KEY", "STRIPE_WEBHOOK_SECRET")


def _billing(env: Mapping[str, str]) -> dict:
    """PORTAL_BILLING_PROVIDER and, for Stripe, its keys (checked for their Stripe prefixes)."""
    provider = env.get("PORTAL_BILLING_PROVIDER", "").strip().lower() or "test"
    if provider not in BILLING_PROVIDERS:
        raise ConfigError(f"PORTAL_BILLING_PROVIDER: use one of {', '.join(BILLING_PROVIDERS)}, got {provider[:16]!r}")
    values = {name: env.get(name, "").strip() for name in STRIPE_VARIABLES}
    base = env.get("STRIPE_API_BASE", "").strip().rstrip("/") or None
    if provider == "stripe":
        missing = [name for name, value in values.items() if not value]
        if missing:
            raise ConfigError(f"PORTAL_BILLING_PROVIDER=stripe needs {', '.join(missing)} (README \"Stripe\")")
        for name, prefixes in (("STRIPE_SECRET_KEY", ("sk_", "rk_")), ("STRIPE_PUBLISHABLE_KEY", ("pk_",)),
                               ("STRIPE_WEBHOOK_SECRET", ("whsec_",))):
            if not values[name].startswith(prefixes):
                raise ConfigError(f"{name} must start with {' or '.join(prefixes)} (copy it from the Stripe dashboard)")
        if base:
            _absolute_http_url("STRIPE_API_BASE", base)
    return {"billing_provider": provider, "stripe_secret_key": values["STRIPE_SECRET_KEY"],
            "stripe_publishable_key": values["STRIPE_PUBLISHABLE_KEY"],
            "stripe_webhook_secret": values["STRIPE_WEBHOOK_SECRET"], "stripe_api_base": base}


def _language(env: Mapping[str, str]) -> str:
    """PORTAL_DEFAULT_LANGUAGE: a catalogue's two-letter code (en, de...)."""
    from portal_ui.i18n import languages

    value = env.get("PORTAL_DEFAULT_LANGUAGE", "").strip().lower() or "en"
    if value not in languages():
        raise ConfigError(f"PORTAL_DEFAULT_LANGUAGE: give one of {', '.join(languages())}, got {value[:16]!r}")
    return value


@dataclass(frozen=True)
class Settings:
    port: int = 3000
    public_url: str = "http://localhost:3000"
    db_url: str = "sqlite:///portal.db"
    redis_url: str | None = None
    jwt_issuer: str | None = None
    jwks_url: str | None = None
    jwt_audience: str | None = None
    default_return_url: str = "http://localhost:3000/demo"
    allowed_return_origins: tuple[str, ...] = ()
    link_ttl_seconds: int = 300
    session_idle_seconds: int = 900
    session_max_seconds: int = 28800
    smtp_url: str | None = None
    signing_key_path: str = "instance/signing_key.pem"
    frame_ancestors: tuple[str, ...] = ()
    rate_limits: tuple[tuple[str, str], ...] = ()  # (bucket, limit) overrides of rate_limits.LIMITS
    trusted_proxies: tuple[str, ...] = ()  # networks whose X-Forwarded-For is believed (api.proxies)
    default_language: str = "en"  # when the browser's Accept-Language names no catalogue we have
    # PORTAL_DEMO: the demo seed and the /demo host app. Default: on with the embedded issuer, off
    # with an external one (a real deployment); see portal_ui/demo/.
    demo: bool = True
    # PORTAL_WEBHOOK_ALLOW_PRIVATE: webhooks may go to loopback and private addresses (local
    # development, tests, the demo's own receiver). Default: as PORTAL_DEMO.
    webhook_allow_private: bool = True
    # PORTAL_DNS_RESOLVER: (IP address, port) of the DNS server that verifies domains; None: the system's.
    dns_resolver: tuple[str, int] | None = None
    # PORTAL_BILLING_PROVIDER: "test" (the built-in test provider) or "stripe" (README "Stripe"),
    # which needs STRIPE_SECRET_KEY, STRIPE_PUBLISHABLE_KEY and STRIPE_WEBHOOK_SECRET.
    billing_provider: str = "test"
    stripe_secret_key: str = field(default="", repr=False)
    stripe_publishable_key: str = ""
    stripe_webhook_secret: str = field(default="", repr=False)
    stripe_api_base: str | None = None  # STRIPE_API_BASE: another address for Stripe's API (a local fake)
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def external_tokens(self) -> bool:
        """True when tokens come from the host's identity provider (README "Configuration", external mode)."""
        return bool(self.jwt_issuer)

    @property
    def issuer(self) -> str:
        return self.jwt_issuer or self.public_url

    @property
    def audience(self) -> str:
        return self.jwt_audience or f"{self.public_url}/api"

    @property
    def cookie_secure(self) -> bool:
        return self.public_url.startswith("https://")

    @property
    def browser_origins(self) -> tuple[str, ...]:
        """Origins whose pages may use the portal from a browser (websocket, CORS, uploads): the
        portal's own (PORTAL_PUBLIC_URL's), plus PORTAL_FRAME_ANCESTORS."""
        return tuple(dict.fromkeys((origin_of(self.public_url), *self.frame_ancestors)))

    @property
    def stripe_js_url(self) -> str:
        """Stripe.js for the card form: Stripe's own, or with STRIPE_API_BASE the copy a fake serves
        at `<STRIPE_API_BASE>/js.stripe.com/v3/` (localstripe does, talking to itself)."""
        return f"{self.stripe_api_base}/js.stripe.com/v3/" if self.stripe_api_base else STRIPE_JS_URL

    @property
    def stripe_browser_sources(self) -> dict[str, tuple[str, ...]]:
        """With PORTAL_BILLING_PROVIDER=stripe, the origins the pages' Stripe.js loads from, talks
        to and frames, by CSP directive (README "Stripe"); nothing in any other mode."""
        if self.billing_provider != "stripe":
            return {}
        if self.stripe_api_base:  # a fake serves its Stripe.js and its API from one origin, no frames
            origin = origin_of(self.stripe_api_base)
            return {"script-src": (origin,), "connect-src": (origin,)}
        return STRIPE_BROWSER_SOURCES

    @property
    def is_sqlite(self) -> bool:
        return self.db_url.startswith("sqlite")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        port = _int(env, "PORT", 3000, minimum=1)
        public_url = _absolute_http_url(
            "PORTAL_PUBLIC_URL", env.get("PORTAL_PUBLIC_URL") or f"http://localhost:{port}"
        )
        default_return = _absolute_http_url(
            "PORTAL_DEFAULT_RETURN_URL", env.get("PORTAL_DEFAULT_RETURN_URL") or f"{public_url}/demo"
        )
        origins_raw = env.get("PORTAL_ALLOWED_RETURN_ORIGINS", "")
        origins = []
        for item in filter(None, (o.strip() for o in origins_raw.split(","))):
            _absolute_http_url("PORTAL_ALLOWED_RETURN_ORIGINS", item)
            origins.append(origin_of(item))
        ancestors = []
        for item in filter(None, (o.strip() for o in env.get("PORTAL_FRAME_ANCESTORS", "").split(","))):
            _absolute_http_url("PORTAL_FRAME_ANCESTORS", item)
            ancestors.append(origin_of(item))
        issuer = env.get("PORTAL_JWT_ISSUER") or None
        jwks_url = env.get("PORTAL_JWKS_URL") or None
        audience = env.get("PORTAL_JWT_AUDIENCE") or None
        if issuer and not (jwks_url and audience):
            raise ConfigError(
                "External token mode needs all three of PORTAL_JWT_ISSUER, PORTAL_JWKS_URL and "
                "PORTAL_JWT_AUDIENCE; unset PORTAL_JWT_ISSUER to use the embedded issuer."
            )
        if jwks_url:
            _absolute_http_url("PORTAL_JWKS_URL", jwks_url)
        idle = _int(env, "PORTAL_SESSION_IDLE_SECONDS", 900)
        max_ = _int(env, "PORTAL_SESSION_MAX_SECONDS", 28800)
        demo = _flag(env, "PORTAL_DEMO", default=not issuer)
        return cls(
            port=port,
            public_url=public_url,
            db_url=env.get("REFLEX_DB_URL") or "sqlite:///portal.db",
            redis_url=env.get("REFLEX_REDIS_URL") or None,
            jwt_issuer=issuer,
            jwks_url=jwks_url,
            jwt_audience=audience,
            default_return_url=default_return,
            allowed_return_origins=tuple(dict.fromkeys(origins)),
            link_ttl_seconds=_int(env, "PORTAL_LINK_TTL_SECONDS", 300),
            session_idle_seconds=idle,
            session_max_seconds=max(max_, idle),
            smtp_url=env.get("PORTAL_SMTP_URL") or None,
            signing_key_path=env.get("PORTAL_SIGNING_KEY_PATH") or "instance/signing_key.pem",
            frame_ancestors=tuple(dict.fromkeys(ancestors)),
            rate_limits=_rate_limits(env),
            trusted_proxies=_trusted_proxies(env),
            default_language=_language(env),
            demo=demo,
            webhook_allow_private=_flag(env, "PORTAL_WEBHOOK_ALLOW_PRIVATE", default=demo),
            dns_resolver=_dns_resolver(env),
            **_billing(env),
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read from the environment on first use."""
    return Settings.from_env()
