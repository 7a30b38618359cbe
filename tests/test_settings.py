"""Environment variables (README "Configuration"): defaults that work on one machine, clear errors otherwise."""

import pytest

from portal_ui.settings import ConfigError, Settings, origin_of


def test_defaults_work_on_one_machine():
    s = Settings.from_env({})
    assert s.port == 3000
    assert s.public_url == "http://localhost:3000"
    assert s.default_return_url == "http://localhost:3000/demo"
    assert s.db_url == "sqlite:///portal.db"
    assert (s.link_ttl_seconds, s.session_idle_seconds, s.session_max_seconds) == (300, 900, 28800)
    assert not s.external_tokens and s.issuer == s.public_url and s.audience == "http://localhost:3000/api"


def test_port_moves_the_public_url_default():
    assert Settings.from_env({"PORT": "4100"}).public_url == "http://localhost:4100"


def test_allowed_origins_are_normalised():
    s = Settings.from_env({"PORTAL_ALLOWED_RETURN_ORIGINS": "https://App.Example:443/x, http://a.example:8080"})
    assert s.allowed_return_origins == ("https://app.example", "http://a.example:8080")
    assert origin_of("HTTP://Host.Example:80/p?q") == "http://host.example"


@pytest.mark.parametrize("env,needle", [
    ({"PORT": "abc"}, "PORT"),
    ({"PORTAL_LINK_TTL_SECONDS": "0"}, "PORTAL_LINK_TTL_SECONDS"),
    ({"PORTAL_PUBLIC_URL": "javascript:alert(1)"}, "PORTAL_PUBLIC_URL"),
    ({"PORTAL_ALLOWED_RETURN_ORIGINS": "//evil.example"}, "PORTAL_ALLOWED_RETURN_ORIGINS"),
    ({"PORTAL_JWT_ISSUER": "https://idp.example"}, "PORTAL_JWKS_URL"),
])
def test_bad_values_say_which_variable_to_fix(env, needle):
    with pytest.raises(ConfigError, match=needle):
        Settings.from_env(env)


def test_external_mode_needs_issuer_jwks_and_audience():
    s = Settings.from_env({"PORTAL_JWT_ISSUER": "https://idp.example", "PORTAL_JWKS_URL": "https://idp.example/jwks",
                           "PORTAL_JWT_AUDIENCE": "portal"})
    assert s.external_tokens and s.issuer == "https://idp.example" and s.audience == "portal"


def test_rate_limits_can_be_replaced_per_bucket():
    s = Settings.from_env({"PORTAL_RATE_LIMITS": "link:ip=5/second, link:client=100000/minute"})
    assert s.rate_limits == (("link:ip", "5/second"), ("link:client", "100000/minute"))
    assert Settings.from_env({}).rate_limits == ()


@pytest.mark.parametrize("value", ["link:ip", "nope=10/minute", "link:ip=lots", "link:ip=0/minute"])
def test_bad_rate_limits_say_what_to_fix(value):
    with pytest.raises(ConfigError, match="PORTAL_RATE_LIMITS"):
        Settings.from_env({"PORTAL_RATE_LIMITS": value})


def test_trusted_proxies_are_addresses_and_networks():
    s = Settings.from_env({"PORTAL_TRUSTED_PROXIES": " 10.0.0.0/8, 192.0.2.7 ,::1, 2001:DB8::/32,"})
    assert s.trusted_proxies == ("10.0.0.0/8", "192.0.2.7/32", "::1/128", "2001:db8::/32")
    assert Settings.from_env({}).trusted_proxies == ()


@pytest.mark.parametrize("value", ["10.0.0.300", "proxy.internal", "10.0.0.0/33", "*", "10.0.0.1:8080"])
def test_a_bad_trusted_proxy_says_what_to_fix(value):
    with pytest.raises(ConfigError, match=r"PORTAL_TRUSTED_PROXIES.*10\.0\.0\.0/8"):
        Settings.from_env({"PORTAL_TRUSTED_PROXIES": f"127.0.0.1,{value}"})


def test_webhooks_to_private_addresses_follow_the_demo_unless_set():
    external = {"PORTAL_JWT_ISSUER": "https://idp.example", "PORTAL_JWKS_URL": "https://idp.example/jwks",
                "PORTAL_JWT_AUDIENCE": "https://portal.example/api"}
    assert Settings.from_env({}).webhook_allow_private is True  # embedded: the demo is on
    assert Settings.from_env(external).webhook_allow_private is False
    assert Settings.from_env({"PORTAL_DEMO": "0"}).webhook_allow_private is False
    assert Settings.from_env({"PORTAL_WEBHOOK_ALLOW_PRIVATE": "0"}).webhook_allow_private is False
    assert Settings.from_env({**external, "PORTAL_WEBHOOK_ALLOW_PRIVATE": "1"}).webhook_allow_private is True
    with pytest.raises(ConfigError, match="PORTAL_WEBHOOK_ALLOW_PRIVATE"):
        Settings.from_env({"PORTAL_WEBHOOK_ALLOW_PRIVATE": "maybe"})


@pytest.mark.parametrize("value, expected", [
    ("", None), ("10.0.0.2:53", ("10.0.0.2", 53)), ("127.0.0.1:5353", ("127.0.0.1", 5353)),
    ("192.0.2.1", ("192.0.2.1", 53)), ("[fd00::53]:5300", ("fd00::53", 5300)), ("::1", ("::1", 53)),
])
def test_the_dns_resolver_is_an_address_and_port(value, expected):
    assert Settings.from_env({"PORTAL_DNS_RESOLVER": value}).dns_resolver == expected


@pytest.mark.parametrize("value", ["dns.example:53", "10.0.0.2:0", "10.0.0.2:70000", "10.0.0.2:x", "[fd00::53"])
def test_a_bad_dns_resolver_says_what_to_fix(value):
    with pytest.raises(ConfigError, match=r"PORTAL_DNS_RESOLVER: give the DNS server as host:port"):
        Settings.from_env({"PORTAL_DNS_RESOLVER": value})
