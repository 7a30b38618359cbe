"""Shared fixtures: a migrated database per test, settings from a test environment, API clients.

PostgreSQL and Redis tests need the local services. Under CI (`CI=true`) a missing service is an
error; elsewhere those tests skip with a message saying how to enable them.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import uuid
from pathlib import Path

import pytest
from sqlmodel import Session
from starlette.testclient import TestClient

from portal_ui import db
from portal_ui.settings import Settings, get_settings
from portal_ui.tokens.issue import mint_m2m_token, mint_user_token

PG_ADMIN_URL = os.environ.get("PORTAL_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
ARTIFACTS = Path(__file__).parent / "artifacts"


class ReflexDeprecation(DeprecationWarning):
    """A deprecation Reflex reported through its logger, raised where the deprecated call is."""


class _ReflexDeprecations(logging.Handler):
    """Reflex 0.10.1 reports deprecations through the `reflex.deprecation` logger
    (`reflex_base.utils.log.deprecate`: "DeprecationWarning: ... has been deprecated"), not through
    the warnings module, so pytest.ini's filters never see them. This handler makes each one an
    error at the deprecated call, like `error::DeprecationWarning`, and keeps it, so that a test
    whose code swallows the exception fails all the same (see `no_reflex_deprecations`). Reflex
    reports each deprecation once per process: the first test to reach it fails."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())
        raise ReflexDeprecation(record.getMessage())


_REFLEX_DEPRECATIONS = _ReflexDeprecations()


def pytest_configure(config):
    logger = logging.getLogger("reflex.deprecation")
    logger.setLevel(logging.WARNING)  # whatever level Reflex's own log configuration sets
    logger.addHandler(_REFLEX_DEPRECATIONS)


@pytest.fixture(autouse=True)
def no_reflex_deprecations():
    """Fails the test during which Reflex reported a deprecation (or, for one reported while the
    tests were collected, the first test)."""
    yield
    reported, _REFLEX_DEPRECATIONS.messages[:] = list(_REFLEX_DEPRECATIONS.messages), []
    if reported:
        pytest.fail("Reflex reported a deprecation:\n" + "\n".join(reported), pytrace=False)


def _port_open(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def require_service(name: str, host: str, port: int) -> None:
    """Skip (or, under CI, fail) when a local service the test needs is not running."""
    if _port_open(host, port):
        return
    message = f"{name} is not reachable at {host}:{port}; start it (`make services`) to run this test"
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory) -> Path:
    """A SQLite database migrated to head once; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    db.migrate(f"sqlite:///{path}")
    return path


@pytest.fixture
def env(tmp_path, monkeypatch, migrated_template):
    """A clean portal environment: its own SQLite copy, signing key, and default settings.

    Returns a function `env(**overrides)` to change environment variables; it returns the fresh
    Settings. Settings are re-read on each call.
    """
    for name in list(os.environ):
        if name.startswith("PORTAL_") or name in ("REFLEX_DB_URL", "REFLEX_REDIS_URL", "PORT"):
            monkeypatch.delenv(name, raising=False)
    db_path = tmp_path / "portal.db"
    shutil.copy(migrated_template, db_path)
    monkeypatch.setenv("REFLEX_DB_URL", f"sqlite:///{db_path}")
    monkeypatch.setenv("PORTAL_SIGNING_KEY_PATH", str(tmp_path / "signing_key.pem"))
    monkeypatch.setenv("PORTAL_PUBLIC_URL", "http://portal.test")
    monkeypatch.setenv("PORTAL_DEFAULT_RETURN_URL", "https://app.example/account")
    get_settings.cache_clear()
    from portal_ui.api import throttle
    throttle.reset()

    def configure(**overrides: str) -> Settings:
        for key, value in overrides.items():
            monkeypatch.setenv(key, value)
        get_settings.cache_clear()
        return get_settings()

    configure()
    yield configure
    get_settings.cache_clear()


@pytest.fixture
def settings(env) -> Settings:
    return get_settings()


@pytest.fixture
def engine(settings):
    return db.engine_for(settings.db_url)


@pytest.fixture
def session(engine):
    with Session(engine, expire_on_commit=False) as s:
        yield s


@pytest.fixture
def client(settings) -> TestClient:
    """The API app (no Reflex), driven over httpx."""
    from portal_ui.api.app import build_api

    with TestClient(build_api(), base_url="http://portal.test", raise_server_exceptions=False) as c:
        yield c


def register_m2m_client(db_url: str, client_id: str, scopes) -> str:
    """Make sure the database has an active M2M application `client_id` holding `scopes` (added to
    any it has), as one made with `portal-ui m2m create` would: the Management API refuses tokens of
    applications it does not know (portal_ui/api/m2m_apps.py). Returns `client_id`."""
    from portal_ui.api.m2m_apps import APP_CHECKS
    from portal_ui.domain.clock import utcnow
    from portal_ui.domain.secrets import new_secret, sha256_hex
    from portal_ui.models import M2MApplication

    with db.session_scope(db.engine_for(db_url)) as s:
        app = s.get(M2MApplication, client_id)
        if app is None:
            s.add(M2MApplication(client_id=client_id, name=client_id, secret_hash=sha256_hex(new_secret(32)),
                                 scopes=list(dict.fromkeys(scopes)), created_on=utcnow()))
        elif not set(scopes) <= set(app.scopes):
            app.scopes = list(dict.fromkeys([*app.scopes, *scopes]))
            s.add(app)
    APP_CHECKS.clear()  # this process sees the change at once, not within seconds
    return client_id


@pytest.fixture
def m2m_headers(settings):
    """`m2m_headers(*scopes)` -> Authorization header for an M2M token with those scopes, of an
    application registered in the test's database."""

    def make(*scopes: str, client_id: str = "test-client") -> dict:
        register_m2m_client(settings.db_url, client_id, scopes)
        return {"Authorization": f"Bearer {mint_m2m_token(settings, client_id, list(scopes))}"}

    return make


@pytest.fixture
def user_headers(settings):
    """`user_headers(user_id, org_code=None)` -> Authorization header for a user token."""

    def make(user_id: str, org_code: str | None = None) -> dict:
        return {"Authorization": f"Bearer {mint_user_token(settings, user_id, org_code)}"}

    return make


@pytest.fixture
def empty_pg_url():
    """A fresh, empty PostgreSQL database for this test, dropped afterwards."""
    require_service("PostgreSQL", "127.0.0.1", 5432)
    from sqlalchemy import create_engine, text

    name = f"portal_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    db.engine_for.cache_clear()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def pg_url(empty_pg_url):
    """A fresh, migrated PostgreSQL database for this test, dropped afterwards."""
    db.migrate(empty_pg_url)
    return empty_pg_url


@pytest.fixture
def demo(settings, engine):
    """The demo environment (personas, Acme, roles, settings), committed."""
    from portal_ui.demo.seed import seed_demo

    with db.session_scope(engine) as s:
        seed_demo(s, settings)
    return settings


def run_coroutine(coro):
    """`asyncio.run(coro)` in a thread of its own: in a full run, Playwright's sync API keeps an event
    loop running in the main thread, where `asyncio.run` refuses to start another."""
    import asyncio
    import contextvars
    from concurrent.futures import ThreadPoolExecutor

    context = contextvars.copy_context()  # what the caller set (Reflex's app context, say) goes along
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(context.run, asyncio.run, coro).result()


# PORTAL_TEST_TIMELINE=<file> appends one JSON line per test phase: the test process (xdist worker),
# the test, the phase and when it started and ended (wall clock). For seeing where `make test` spends
# its time across processes; nothing reads it back.
_TIMELINE = os.environ.get("PORTAL_TEST_TIMELINE")


if _TIMELINE:
    import json
    import time

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_setup(item):
        started = time.time()
        yield
        _note(item, "setup", started)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(item):
        started = time.time()
        yield
        _note(item, "call", started)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_teardown(item):
        started = time.time()
        yield
        _note(item, "teardown", started)

    def _note(item, phase: str, started: float) -> None:
        line = {"worker": os.environ.get("PYTEST_XDIST_WORKER", "main"), "test": item.nodeid, "phase": phase,
                "start": started, "end": time.time()}
        with open(_TIMELINE, "a", encoding="utf-8") as out:
            out.write(json.dumps(line) + "\n")
