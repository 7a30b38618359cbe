"""Schemathesis against portal_ui's own OpenAPI document (`GET /api/openapi.json`).

For every documented operation, Schemathesis generates a bounded, deterministic set of requests
(explicit examples, boundary values from its coverage phase, then `MAX_EXAMPLES` random cases, valid
and invalid) and sends them to the ASGI app in-process, against the seeded demo environment (on
SQLite, a fresh copy per operation; on PostgreSQL, one database for the module and the random cases
only), with a token that carries every scope the operation could need. Each response must:
- not be a 5xx (`not_a_server_error`);
- have a documented status code, content type and body (`status_code_conformance`,
  `content_type_conformance`, `response_schema_conformance`);
- and, for operations that take a bearer token, the same request without the token must be a 403
  in Kinde's error envelope.

Around it, plain tests pin what generated data rarely reaches: the document lists every JSON route
of `build_api()` (and no HTML page) and is valid OpenAPI 3.1, each operation's documented scope is
the one the route checks, the success bodies of the main operations match their schemas, and
hostile text (NUL characters, unpaired surrogates, absurdly deep JSON) is a 4xx on both databases.
"""

from __future__ import annotations

import base64
import re
import uuid

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, response_schema_conformance,
                                               status_code_conformance)
from starlette.routing import Route

from portal_ui import db
from portal_ui.api import account, throttle
from portal_ui.api.app import build_api
from portal_ui.api.openapi import DOCUMENT_PATH, build_document
from portal_ui.demo.personas import DEMO_ORG_CODE
from portal_ui.demo.seed import is_seeded, seed_demo
from portal_ui.domain.audit import Actor
from portal_ui.settings import get_settings
from portal_ui.tokens.issue import mint_m2m_token, mint_user_token
from tests.conftest import PG_ADMIN_URL, register_m2m_client, require_service

MAX_EXAMPLES = 25  # random cases per operation (plus explicit examples and coverage-phase cases)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# Pages, downloads, the logo image and the demo host app's own routes: not documented.
HTML_PATHS = {"/portal_redirect", "/portal_exit", "/demo", "/demo/manage", "/demo/webhooks", "/demo/webhooks/received",
              "/billing/invoices/{invoice_id}.pdf", "/org-logo/{org_code}/{name}", "/org/audit-log/export.csv",
              "/profile/my-data.json"}
USER_ID = "kp_demo_olivia"  # the demo's owner of Acme: every permission
DOCUMENT = build_document()

APP = build_api()
schema = schemathesis.openapi.from_asgi(DOCUMENT_PATH, APP)
# On PostgreSQL only the random (fuzzing) cases, to keep `make test` quick; SQLite gets every phase.
pg_schema = schemathesis.openapi.from_asgi(
    DOCUMENT_PATH, APP, config=schemathesis.Config.from_dict({"phases": {"coverage": {"enabled": False}}}))


def _operations():
    for path, item in DOCUMENT["paths"].items():
        for method, op in item.items():
            yield path, method.upper(), op


ALL_SCOPES = sorted({op["x-scope"] for _, _, op in _operations() if "x-scope" in op})


def _auth_kind(op: dict) -> str | None:
    """"m2m" or "user" for operations that need a bearer token, else None."""
    for requirement in op.get("security", []):
        for name in requirement:
            if name in ("m2m", "user"):
                return name
    return None


def _bearer(value: str) -> dict:
    return {"Authorization": f"Bearer {value}"}


def _ready(settings, monkeypatch) -> dict:
    """Rate limits out of the way, and a token for each kind of caller."""
    for bucket in list(throttle.LIMITS):
        monkeypatch.setitem(throttle.LIMITS, bucket, "1000000/minute")
    throttle.reset()
    for client_id in ("schemathesis", "c"):
        register_m2m_client(settings.db_url, client_id, ALL_SCOPES)
    return {
        "m2m": _bearer(mint_m2m_token(settings, "schemathesis", ALL_SCOPES)),
        "user": _bearer(mint_user_token(settings, USER_ID, DEMO_ORG_CODE)),
    }


@pytest.fixture
def tokens(demo, monkeypatch):
    """The seeded demo on SQLite (the `demo` fixture), and tokens."""
    return _ready(demo, monkeypatch)


@pytest.fixture(scope="module")
def shared_pg_url():
    """One migrated PostgreSQL database for this module's PostgreSQL tests (a database per
    operation would triple their time); dropped at the end."""
    require_service("PostgreSQL", "127.0.0.1", 5432)
    from sqlalchemy import create_engine, text

    name = f"portal_schemathesis_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    try:
        db.migrate(url)
        yield url
    finally:
        db.engine_for.cache_clear()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def pg_tokens(env, shared_pg_url, monkeypatch):
    """The seeded demo on PostgreSQL (shared by the module's tests: operations see each other's
    changes, which only moves some answers between documented statuses), and tokens."""
    settings = env(REFLEX_DB_URL=shared_pg_url)
    with db.session_scope() as session:
        if not is_seeded(session):
            seed_demo(session, settings)
    return _ready(settings, monkeypatch)


def _without_token(case):
    headers = {k: v for k, v in (case.headers or {}).items() if k.lower() != "authorization"}
    return case.derive(headers=headers)


def _route_missed(response) -> bool:
    """A path parameter with a '/' in it can miss the route altogether (the router's 404)."""
    if response.status_code != 404:
        return False
    try:
        return response.json()["errors"][0]["code"] == "ROUTE_NOT_FOUND"
    except (ValueError, KeyError, IndexError, TypeError):
        return False


def _check(case, tokens: dict) -> None:
    op = DOCUMENT["paths"][case.operation.path][case.operation.method.lower()]
    kind = _auth_kind(op)
    headers = tokens[kind] if kind else {}
    response = case.call(headers=headers)
    case.validate_response(response, checks=CHECKS, headers=headers)

    # (The coverage phase also sends undocumented methods, which the router answers 405 before any auth.)
    if kind is not None and case.method.upper() == case.operation.method.upper():
        anonymous = _without_token(case).call()
        if _route_missed(response):
            assert _route_missed(anonymous)
        else:
            assert anonymous.status_code == 403, (case.method, case.formatted_path, anonymous.status_code,
                                                  anonymous.text[:300])
            assert anonymous.json()["errors"][0]["code"] == "INVALID_CREDENTIALS"


FUZZ = settings(max_examples=MAX_EXAMPLES, derandomize=True, database=None, deadline=None,
                suppress_health_check=list(HealthCheck))


@schema.parametrize()
@FUZZ
def test_api_conforms_to_its_openapi_document(case, tokens):
    _check(case, tokens)


@pytest.mark.postgres
@pg_schema.parametrize()
@FUZZ
def test_api_conforms_to_its_openapi_document_on_postgresql(case, pg_tokens):
    """The same on PostgreSQL, which refuses some text SQLite stores (NUL characters)."""
    _check(case, pg_tokens)


# ---- the document itself ---------------------------------------------------------------------

def test_document_lists_every_json_route_and_no_page():
    served = set()
    for route in build_api().routes:
        assert isinstance(route, Route)
        if route.path in HTML_PATHS:
            continue
        served |= {(route.path, m) for m in route.methods if m != "HEAD"}
    documented = {(path, method) for path, method, _ in _operations()}
    assert documented == served
    assert not {path for path, _ in documented} & HTML_PATHS
    assert DOCUMENT["openapi"].startswith("3.1")
    schema.validate()  # against the OpenAPI 3.1 meta-schema
    portal_link = DOCUMENT["paths"]["/account_api/v1/portal_link"]["get"]
    assert {p["name"] for p in portal_link["parameters"]} == set(account.QUERY_FIELDS)


def test_document_is_served_as_json(client):
    response = client.get(DOCUMENT_PATH)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/json")
    assert response.json() == DOCUMENT


def _fill(path: str, **overrides: str) -> str:
    values = {"org_code": DEMO_ORG_CODE, "user_id": "kp_demo_vic", "role_id": "role_x", "invite_code": "inv_x",
              "webhook_id": "webhook_x", "delivery_id": "whd_x", "domain_id": "dom_x", "request_id": "jr_x",
              **overrides}
    return re.sub(r"\{(\w+)\}", lambda m: values[m.group(1)], path)


@pytest.mark.parametrize("path,method", [(p, m) for p, m, op in _operations() if _auth_kind(op) == "m2m"])
def test_documented_scope_is_the_one_the_route_checks(client, tokens, demo, path, method):
    scope = DOCUMENT["paths"][path][method.lower()]["x-scope"]
    others = [s for s in ALL_SCOPES if s != scope]
    url = _fill(path)
    kwargs = {"json": {}} if method in ("POST", "PATCH") else {}

    refused = client.request(method, url, headers=_bearer(mint_m2m_token(demo, "c", others)), **kwargs)
    assert refused.status_code == 403 and refused.json()["errors"][0]["code"] == "FORBIDDEN"
    assert scope in refused.json()["errors"][0]["message"]
    allowed = client.request(method, url, headers=_bearer(mint_m2m_token(demo, "c", [scope])), **kwargs)
    assert allowed.status_code != 403, allowed.text
    as_user = client.request(method, url, headers=tokens["user"], **kwargs)
    assert as_user.status_code == 403


def test_account_api_refuses_m2m_tokens(client, tokens):
    for path, method, op in _operations():
        if _auth_kind(op) == "user":
            response = client.request(method, path, headers=tokens["m2m"])
            assert response.status_code == 403, path


# ---- success bodies the generated data rarely reaches ----------------------------------------

def _validate(method: str, path: str, response, *, path_parameters=None, query=None, body=None, media_type=None):
    given = {"path_parameters": path_parameters, "query": query, "body": body, "media_type": media_type}
    case = schema[path][method].Case(**{k: v for k, v in given.items() if v is not None})
    case.validate_response(response, checks=CHECKS)
    return response


def test_success_bodies_match_the_document(client, tokens, demo):
    from portal_ui.domain import api_keys
    from portal_ui.domain.m2m import create_m2m_app

    m2m, user = tokens["m2m"], tokens["user"]
    with db.session_scope() as session:
        client_id, secret = create_m2m_app(session, name="CI", scopes=["read:users"], actor=Actor.system())
        _, api_key = api_keys.create_key(session, actor=Actor.system(), type="organization", org_code=DEMO_ORG_CODE,
                                         name="CI")

    def call(method, path, *, path_parameters=None, query=None, body=None, headers=m2m, expect=200):
        url = path.format(**(path_parameters or {}))
        response = client.request(method, url, params=query, json=body, headers=headers)
        assert response.status_code == expect, (method, url, response.text)
        return _validate(method, path, response, path_parameters=path_parameters, query=query, body=body)

    form = {"grant_type": "client_credentials", "scope": "read:users"}
    basic = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    token = client.post("/oauth2/token", data=form, headers={"Authorization": f"Basic {basic}"})
    assert token.status_code == 200
    _validate("POST", "/oauth2/token", token, body=form, media_type="application/x-www-form-urlencoded")
    call("GET", "/.well-known/jwks.json", headers={})

    call("GET", "/account_api/v1/portal_link", query={"subnav": "organization_members"}, headers=user)
    call("POST", "/api/v1/portal/generate_url",
         body={"user_id": USER_ID, "organization_code": DEMO_ORG_CODE, "sub_nav": "organization_api_keys",
               "return_url": "https://app.example/back"})

    created = call("POST", "/api/v1/user", body={"profile": {"given_name": "Ada", "family_name": "Lovelace"},
                                                 "identities": [{"type": "email", "details": {"email": "ada@x.example"}}]})
    user_id = created.json()["id"]
    call("GET", "/api/v1/user", query={"id": user_id, "expand": "organizations,identities"})
    call("GET", "/api/v1/users", query={"expand": "organizations", "page_size": "2"})

    org = call("POST", "/api/v1/organization", body={"name": "Globex", "external_id": "gx-1",
                                                     "creator_user_id": user_id}).json()["organization"]["code"]
    call("GET", "/api/v1/organization", query={"code": org})
    call("GET", "/api/v1/organizations", query={"sort": "name_desc"})

    role = call("POST", "/api/v1/roles", body={"key": "auditor", "name": "Auditor", "description": "Reads"},
                expect=201).json()["role"]["id"]
    call("GET", "/api/v1/roles")
    permission = call("GET", "/api/v1/system_permissions").json()["system_permissions"][0]["id"]
    call("PATCH", "/api/v1/roles/{role_id}/system_permissions", path_parameters={"role_id": role},
         body={"system_permissions": [{"id": permission}]})
    call("GET", "/api/v1/roles/{role_id}/system_permissions", path_parameters={"role_id": role})

    members = "/api/v1/organizations/{org_code}/users"
    call("POST", members, path_parameters={"org_code": DEMO_ORG_CODE}, body={"users": [{"id": user_id}]})
    call("GET", members, path_parameters={"org_code": DEMO_ORG_CODE}, query={"sort": "email_asc"})
    ids = {"org_code": DEMO_ORG_CODE, "user_id": user_id}
    call("POST", members + "/{user_id}/roles", path_parameters=ids, body={"role_id": role})
    call("GET", members + "/{user_id}/roles", path_parameters=ids)
    call("DELETE", members + "/{user_id}/roles/{role_id}", path_parameters={**ids, "role_id": role})
    call("DELETE", members + "/{user_id}", path_parameters=ids)

    invites = "/api/v1/organization/{org_code}/invites"
    invite = call("POST", invites, path_parameters={"org_code": DEMO_ORG_CODE}, expect=201,
                  body={"email": "new@acme.example", "first_name": "New", "roles": ["viewer"]}).json()["invite"]
    call("GET", invites, path_parameters={"org_code": DEMO_ORG_CODE}, query={"include_revoked": "true"})
    call("DELETE", invites + "/{invite_code}", path_parameters={"org_code": DEMO_ORG_CODE,
                                                                "invite_code": invite["code"]})

    call("POST", "/api/v1/plans", expect=201,
         body={"key": "team", "name": "Team", "amount_minor": 1900, "currency": "USD", "interval": "month",
               "features": ["Seats"]})
    call("GET", "/api/v1/plans", query={"active": "true"})
    call("POST", "/api/v1/api_scopes", body={"key": "read:schemathesis", "description": "Fuzzing"}, expect=201)
    call("GET", "/api/v1/api_scopes")
    call("POST", "/api/v1/api_keys/verify", body={"api_key": api_key})

    call("GET", "/api/v1/portal/settings")
    call("PATCH", "/api/v1/portal/settings", body={
        "return_url": "https://app.example/account", "allowed_return_origins": ["https://other.example"],
        "org_alias": "Team", "org_functions": {"billing": False}, "user_functions": {"api_keys": False},
        "link_ttl_seconds": 600, "session_idle_seconds": 600, "session_max_seconds": 3600,
        "branding": {"product_name": "Nimbus", "logo_url": None, "accent_color": "#112233", "appearance": "dark"}})
    settings_path = "/api/v1/organizations/{org_code}/portal_settings"
    call("GET", settings_path, path_parameters={"org_code": DEMO_ORG_CODE})
    call("PATCH", settings_path, path_parameters={"org_code": DEMO_ORG_CODE},
         body={"override_environment": True, "org_functions": {"members": False}, "branding": {"appearance": "light"}})


# ---- hostile text the generator rarely produces ------------------------------------------------

NUL = "a\x00b"
ID_BODIES = [  # ids that reach a database lookup before any other validation
    ("POST", "/api/v1/portal/generate_url", {"user_id": NUL}),
    ("POST", "/api/v1/portal/generate_url", {"user_id": USER_ID, "organization_code": NUL}),
    ("POST", "/api/v1/user", {"organization_code": NUL}),
    ("POST", "/api/v1/organization", {"name": "Globex", "creator_user_id": NUL}),
    ("POST", "/api/v1/organizations/{org_code}/users", {"users": [{"id": NUL}]}),
    ("POST", "/api/v1/organizations/{org_code}/users", {"users": [{"id": "kp_demo_bea", "roles": [NUL]}]}),
    ("POST", "/api/v1/organizations/{org_code}/users/{user_id}/roles", {"role_id": NUL}),
    ("PATCH", "/api/v1/roles/{role_id}/system_permissions", {"system_permissions": [{"id": NUL}]}),
    ("POST", "/api/v1/organization/{org_code}/invites", {"email": "new@acme.example", "roles": [NUL]}),
    ("PATCH", "/api/v1/portal/settings", {NUL: True}),
]


def _hostile_requests():
    """(auth kind, method, url, request kwargs) for every documented operation."""
    for path, method, op in _operations():
        kind = _auth_kind(op)
        for name in re.findall(r"\{(\w+)\}", path):  # NUL in each path parameter
            yield kind, method, _fill(path, **{name: "a%00b"}), {}
        for param in op.get("parameters", []):  # NUL in each string query parameter
            if param["in"] == "query" and param["schema"].get("type") == "string":
                yield kind, method, _fill(path), {"params": {param["name"]: NUL}}
        if "application/json" in op.get("requestBody", {}).get("content", {}):
            yield kind, method, _fill(path), {"content": b"[" * 5000}  # deeper than Python's recursion limit
            yield kind, method, _fill(path), {"content": b'{"\\ud800": "\\udfff"}'}  # unpaired surrogates
    for method, path, body in ID_BODIES:
        yield "m2m", method, _fill(path), {"json": body}
    yield "m2m", "PATCH", "/api/v1/portal/settings", {"content": b'{"org_alias": "a\\ud800"}'}


def _assert_refused_cleanly(client, tokens: dict) -> None:
    for kind, method, url, kwargs in _hostile_requests():
        headers = {**(tokens[kind] if kind else {}), "content-type": "application/json"}
        response = client.request(method, url, headers=headers, **kwargs)
        assert 400 <= response.status_code < 500, (method, url, kwargs, response.status_code, response.text[:200])
    for sub, org in ((NUL, None), (USER_ID, NUL)):  # a signed token whose ids no database can look up
        token = mint_user_token(get_settings(), sub, org)
        response = client.get("/account_api/v1/portal_link", headers=_bearer(token))
        assert response.status_code == 403, response.text


def test_hostile_text_is_refused_cleanly(client, tokens):
    _assert_refused_cleanly(client, tokens)


@pytest.mark.postgres
def test_hostile_text_is_refused_cleanly_on_postgresql(client, pg_tokens):
    _assert_refused_cleanly(client, pg_tokens)
